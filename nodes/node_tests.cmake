# Node tests sit beside their node (nodes/<family>/<node>_test.cpp, README "Writing a plugin"):
# vidpipe_add_plugin() finds each one and calls vidpipe_node_test, which builds it as its own
# doctest executable test_<family>_<node> (runnable alone, registered with ctest). A test loads
# the plugin as the runtime does (VIDPIPE_PLUGIN_FILE) and runs its node with NodeRunner
# (vidpipe/testing.hpp).
find_package(doctest REQUIRED)

# One doctest main for every test executable (node tests here, tests/CMakeLists.txt's unit
# tests), compiled once instead of once per test.
add_library(vidpipe_doctest_main STATIC ${PROJECT_SOURCE_DIR}/tests/unit/main.cpp)
target_link_libraries(vidpipe_doctest_main PUBLIC doctest::doctest)

# ASan + UBSan build: a report ends a test at once with exit code 86 (ASan, LeakSanitizer) or 87
# (UBSan), which no test accepts; oneTBB's known vptr reports and glibc's dlerror buffer are
# suppressed (tests/sanitizers/). Unit tests too.
if(VIDPIPE_SANITIZE)
  set(VIDPIPE_SANITIZER_ENV "ASAN_OPTIONS=halt_on_error=1:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1"
      "UBSAN_OPTIONS=halt_on_error=1:exitcode=87:print_stacktrace=1:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/ubsan.supp"
      "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/lsan.supp")
endif()

function(vidpipe_node_test plugin family node file)
  set(name test_${family}_${node})
  add_executable(${name} ${file})
  target_link_libraries(${name} PRIVATE vidpipe_doctest_main vidpipe::testing)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)  # temp_dir.hpp
  target_compile_definitions(${name} PRIVATE VIDPIPE_PLUGIN_FILE="$<TARGET_FILE:${plugin}>"
    VIDPIPE_PLUGIN_DIR="${VIDPIPE_PLUGIN_OUTPUT_DIR}" VIDPIPE_BUILD_DIR="${PROJECT_BINARY_DIR}"
    VIDPIPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(${name} ${plugin})
  add_test(NAME ${name} COMMAND ${name})
  if(VIDPIPE_SANITIZER_ENV)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${VIDPIPE_SANITIZER_ENV}")
  endif()
endfunction()
set(VIDPIPE_NODE_TEST_COMMAND vidpipe_node_test)
