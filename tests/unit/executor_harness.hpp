// Test harness for the executor tests: in-process test nodes (test.source, test.expand,
// test.jitter, test.gather, test.sink), the graph they form and helpers to run it.
//
// Graph (see graph_text() in executor_harness.cpp):
//   input (source.inputs) → expand (test.expand) → map (test.jitter) → gather (test.gather) → sink (test.sink)
// A job's input is a string such as "job3_frames=50": the expander emits 50 frames for it.
// No assertion depends on timing; sleeps only shuffle completion order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"

namespace harness {

using namespace vidpipe;
using namespace vidpipe::runtime;

// What the test nodes observed. Reset before every run.
struct Observed {
  std::atomic<int64_t> live_frames{0}, max_live_frames{0};  // frames made by the expander, alive
  std::atomic<int> jobs_active{0}, max_jobs_active{0};      // expander started .. sink finished
  std::atomic<int> expand_active{0}, max_expand_active{0};  // concurrent expander calls
  std::atomic<int> sink_active{0}, max_sink_active{0};      // concurrent sink calls
  std::atomic<int> gather_active{0}, max_gather_active{0};  // concurrent gather calls
  std::atomic<int64_t> emitted{0};        // emit() calls of the expander that returned true
  std::atomic<int64_t> emit_refused{0};   // ... that returned false
  std::atomic<int64_t> emitted_after_cancel{0};  // returned true after the expander cancelled
  std::atomic<int64_t> map_calls{0};
  std::atomic<int> parent_mismatch{0};    // gather got a parent that is not its job
  std::mutex mu;
  std::map<std::string, std::vector<std::vector<int64_t>>> received;  // sink: input → clips' indices

  void reset() {
    live_frames = 0, max_live_frames = 0, jobs_active = 0, max_jobs_active = 0;
    expand_active = 0, max_expand_active = 0, sink_active = 0, max_sink_active = 0;
    gather_active = 0, max_gather_active = 0;
    emitted = 0, emit_refused = 0, emitted_after_cancel = 0, map_calls = 0, parent_mismatch = 0;
    std::lock_guard lock(mu);
    received.clear();
  }
};
extern Observed g_obs;

struct GraphOpts {
  int max_jobs = 2, max_frames = 8;
  std::string expand, map, gather, sink;  // extra params, as YAML flow-mapping content
  std::string source;                     // "" = the built-in source.inputs
};

// The test graph with extra node params, resolved for `inputs`.
ResolvedGraph make_graph(const GraphOpts& o, const std::vector<std::string>& inputs);
// What the test nodes' cancel_at / cancel_after cancel: the executor of run(), or what a test
// names with a CancelTarget while it lives.
void cancel_under_test();
struct CancelTarget {
  explicit CancelTarget(std::function<void()> cancel);
  ~CancelTarget();
};
// Runs `g` once (fresh executor, observations reset, a watchdog against deadlocks).
RunReport run(const ResolvedGraph& g, const RunOptions& options = {});
// n inputs "job<i>_frames=<frames>".
std::vector<std::string> inputs(int n, int64_t frames);
std::vector<int64_t> iota(int64_t n);
// One line per job, for INFO().
std::string describe(const RunReport& r);
int node_index(const ResolvedGraph& g, const std::string& id);

// Aborts the whole test binary if a run hangs (a gather waiting forever, a lost credit), so a
// deadlock is a failure rather than a stuck CI job. Generous: not a timing assertion.
class Watchdog {
 public:
  explicit Watchdog(int seconds) : thread_([this, seconds] {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return done_; })) {
      std::fprintf(stderr, "test_executor: a run did not finish within %d s (deadlock?)\n", seconds);
      std::abort();
    }
  }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace harness
