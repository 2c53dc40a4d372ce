// Per-node profiling: calls, items, bytes, busy/wait/stall time and a latency histogram per
// node, kept in per-thread slots (no shared counters on the hot path) and merged on demand;
// optionally one Chrome-trace event per node call.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <oneapi/tbb/enumerable_thread_specific.h>

#include "vidpipe/sdk/data.hpp"

namespace vidpipe::runtime {

int64_t now_ns();  // steady clock

// Log-scale histogram: 8 buckets per power of two (about ±5 % resolution).
struct Histogram {
  std::array<uint64_t, 64 * 8> buckets{};
  void add(int64_t ns);
  void merge(const Histogram& o);
  double quantile_ns(double q) const;
};

struct NodeStats {
  uint64_t calls = 0, items_in = 0, items_out = 0, bytes_out = 0, errors = 0;
  int64_t busy_ns = 0, wait_ns = 0, stall_ns = 0;
  Histogram busy;
  void merge(const NodeStats& o);
};

struct TraceEvent {
  int32_t node;
  int64_t job, seq, t0_ns, dur_ns;
};

class Profiler {
 public:
  Profiler(std::vector<std::string> ids, std::vector<std::string> types, bool timing, bool trace);

  bool timing() const { return timing_; }
  // One node call: `t0` and `dur` from now_ns(); `wait` = start - emit time of the input.
  void record(int node, int64_t t0, int64_t dur, int64_t wait, uint32_t in, uint32_t out, uint64_t bytes,
              int64_t job, int64_t seq, bool error);
  // Time an expander/source spent blocked because `max_in_flight` items were alive.
  void add_stall(int node, int64_t ns);

  std::vector<NodeStats> merged() const;
  std::string table(double wall_s) const;
  json to_json(double wall_s) const;
  // Chrome Trace Event JSON (Perfetto, chrome://tracing). Returns false if the file can't be written.
  bool write_trace(const std::string& path) const;

 private:
  struct Slot {
    int thread = -1;
    std::vector<NodeStats> stats;
    std::vector<TraceEvent> events;
  };
  Slot& slot();

  std::vector<std::string> ids_, types_;
  bool timing_, trace_;
  int64_t t_start_;
  std::atomic<int> next_thread_{0};
  mutable tbb::enumerable_thread_specific<Slot> slots_;
};

}  // namespace vidpipe::runtime
