// A library that one test plugin brings along in a folder next to it (vptest_needs_private).
extern "C" __attribute__((visibility("default"))) int vptest_private_value() { return 7; }
