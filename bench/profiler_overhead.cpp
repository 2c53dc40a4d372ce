// What profiling costs per node call: the executor's wrapper reads the clock twice and records
// counters, a histogram bucket and (with --trace) an event. This measures that cost in
// isolation, so it can be compared with the per-call busy time of a real run
// (bench/pipeline.py divides the two).
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "vidpipe/runtime/profiler.hpp"

using namespace vidpipe::runtime;

static double per_call_ns(bool timing, bool trace, int calls) {
  Profiler p({"a", "b", "c", "d"}, {"t.a", "t.b", "t.c", "t.d"}, timing, trace);
  int64_t t0 = now_ns();
  for (int i = 0; i < calls; ++i) {
    int64_t s = timing ? now_ns() : 0;
    int64_t d = timing ? now_ns() - s : 0;
    p.record(i & 3, s, d, 100, 1, 1, 0, 0, i, false);
  }
  return double(now_ns() - t0) / calls;
}

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 2'000'000;
  double off = per_call_ns(false, false, calls), on = per_call_ns(true, false, calls), trace = per_call_ns(true, true, calls);
  fmt::print("{:<28} {:>12}\n", "profiling mode", "ns per call");
  fmt::print("{:<28} {:>12.1f}\n", "counts only (profile off)", off);
  fmt::print("{:<28} {:>12.1f}\n", "timing (default)", on);
  fmt::print("{:<28} {:>12.1f}\n", "timing + trace", trace);
  fmt::print("{{\"off_ns\": {:.2f}, \"on_ns\": {:.2f}, \"trace_ns\": {:.2f}}}\n", off, on, trace);
}
