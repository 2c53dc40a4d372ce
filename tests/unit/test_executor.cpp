// The TBB executor with in-process test nodes (executor_harness.hpp): ordering through a
// parallel map, the memory bound, per-job failures, exceptions, profiler counts and
// cancellation. Output folders and partial jobs: test_executor_outputs.cpp.
#include <doctest/doctest.h>

// GraphOpts is filled with designated initializers; the members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "executor_harness.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/report.hpp"
#include "vidpipe/sdk.hpp"

using namespace harness;

// ---------------------------------------------------------------------------------------------
TEST_CASE("ordering: every clip's frames arrive in emission order through a jittery parallel map") {
  std::vector<std::string> in;
  std::map<std::string, int64_t> expected;
  std::mt19937 rng(1234);
  for (int i = 0; i < 24; ++i) {
    int64_t k = i == 5 ? 0 : i == 6 ? 1 : std::uniform_int_distribution<int>(2, 150)(rng);  // incl. empty clips
    in.push_back("job" + std::to_string(i) + "_frames=" + std::to_string(k));
    expected[in.back()] = k;
  }
  auto g = make_graph({.max_jobs = 4, .max_frames = 8, .map = "max_sleep_us: 400"}, in);
  auto report = run(g);
  INFO(describe(report));
  CHECK(report.run_error.empty());
  CHECK_FALSE(report.interrupted);
  REQUIRE(report.jobs.size() == in.size());
  CHECK(report.failed() == 0);
  for (std::size_t i = 0; i < report.jobs.size(); ++i) {
    CHECK(report.jobs[i].index == i);  // in input order
    CHECK(report.jobs[i].input == in[i]);
    CHECK(report.jobs[i].name == in[i]);  // the stem of a name without extension
    CHECK(report.jobs[i].status == "ok");
    CHECK(report.jobs[i].output_dir.empty());  // no -o
  }
  CHECK(g_obs.parent_mismatch == 0);
  CHECK(g_obs.max_sink_active == 1);  // the serial sink is never called concurrently
  std::lock_guard lock(g_obs.mu);
  REQUIRE(g_obs.received.size() == in.size());
  for (const auto& [input, k] : expected) {
    INFO(input);
    REQUIRE(g_obs.received[input].size() == 1);  // exactly one clip per job
    CHECK(g_obs.received[input][0] == iota(k));
  }
  // Every expander frame died at the end (nothing is leaked by the runtime).
  CHECK(g_obs.live_frames == 0);
}

TEST_CASE("memory bound: frames between expander and gather, and jobs in flight") {
  // A fast expander, a slow parallel map and a slow serial sink: without backpressure the
  // expander would run thousands of frames ahead.
  //
  // Bound. The map copies each frame (as a resize would), so an expander frame is alive only
  // from its creation to the end of the map call that consumed it; the gather keeps the copies
  // (collecting a whole clip is its job). From emit() on, an expander frame travels in an
  // Envelope that holds one of the expander's `max_frames_in_flight` credits, and the credit is
  // returned only when the last envelope carrying it dies (at the gather), i.e. after the frame.
  // The slack: an expander call creates a frame *before* emit() blocks for a credit, so each
  // concurrent expander call may hold one frame without a credit; expander calls run at most
  // one per job in flight. Hence live ≤ max_frames_in_flight + max_jobs_in_flight.
  //
  // Jobs: a job's credit is returned when its last item dies, after the sink has returned for
  // it; the test counts a job from the start of its expander call to the end of its sink call,
  // a sub-interval, so the count never exceeds max_jobs_in_flight.
  constexpr int kFrames = 8, kJobs = 2;
  auto in = inputs(5, 2000);
  auto g = make_graph({.max_jobs = kJobs, .max_frames = kFrames,
                       .map = "copy: true, max_sleep_us: 200", .sink = "sleep_us: 20000"}, in);
  auto report = run(g);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == in.size());
  CHECK(report.failed() == 0);
  CHECK(g_obs.emitted == 5 * 2000);
  CHECK(g_obs.max_live_frames >= 1);
  CHECK_MESSAGE(g_obs.max_live_frames <= kFrames + kJobs, "max live frames " << g_obs.max_live_frames.load());
  CHECK(g_obs.live_frames == 0);
  CHECK(g_obs.max_jobs_active >= 1);
  CHECK_MESSAGE(g_obs.max_jobs_active <= kJobs, "max jobs in flight " << g_obs.max_jobs_active.load());
  std::lock_guard lock(g_obs.mu);
  for (const auto& i : in) CHECK(g_obs.received[i].at(0) == iota(2000));
}

TEST_CASE("memory bound holds per expander with max_jobs_in_flight 1 (no slack beyond one frame)") {
  auto in = inputs(3, 500);
  auto g = make_graph({.max_jobs = 1, .max_frames = 3, .map = "copy: true, max_sleep_us: 100"}, in);
  auto report = run(g);
  CHECK(report.failed() == 0);
  CHECK_MESSAGE(g_obs.max_live_frames <= 3 + 1, "max live frames " << g_obs.max_live_frames.load());
  CHECK(g_obs.max_jobs_active == 1);
  CHECK(g_obs.max_expand_active == 1);
}

TEST_CASE("a failing job does not stop the others: map throws at frame 5 of job 3") {
  auto in = inputs(10, 20);
  auto g = make_graph({.max_jobs = 3, .map = "fail_input: job3_frames=20, fail_at: 5, max_sleep_us: 100"}, in);
  auto report = run(g);
  INFO(describe(report));
  CHECK(report.run_error.empty());
  REQUIRE(report.jobs.size() == 10);
  CHECK(report.failed() == 1);
  for (const auto& j : report.jobs) {
    if (j.index != 3) {
      CHECK(j.status == "ok");
      CHECK(j.error.empty());
      continue;
    }
    CHECK(j.status == "failed");
    CHECK(j.input == "job3_frames=20");
    CHECK(j.error_node == "map");
    CHECK(j.error_type == "test.jitter");
    CHECK(j.error == "map broke at frame 5");
    CHECK(j.hint == "the test asked for it");
    CHECK(j.error_kind == ErrorKind::Input);  // a vidpipe::Error's default
    CHECK(j.error_line().find("job3_frames=20") != std::string::npos);
    CHECK(j.error_line().find("map broke at frame 5") != std::string::npos);
  }
  std::lock_guard lock(g_obs.mu);
  CHECK(g_obs.received.size() == 9);
  CHECK(g_obs.received.count("job3_frames=20") == 0);
  for (const auto& [input, clips] : g_obs.received) CHECK(clips.at(0) == iota(20));
  auto stats = report.profiler->merged();
  CHECK(stats[node_index(g, "map")].errors == 1);
}

TEST_CASE("a failing job does not stop the others: expander throws mid-stream") {
  auto in = inputs(6, 30);
  auto g = make_graph({.max_jobs = 2, .expand = "fail_input: job2_frames=30, fail_at: 7, throw_kind: std"}, in);
  auto report = run(g);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 6);
  CHECK(report.failed() == 1);
  const auto& j = report.jobs[2];
  CHECK(j.status == "failed");
  CHECK(j.error_node == "expand");
  CHECK(j.error_type == "test.expand");
  CHECK(j.error == "expand broke at frame 7");
  CHECK(j.hint.empty());  // a std::exception has no hint
  CHECK(j.error_kind == ErrorKind::Internal);  // nor a kind: not a vidpipe::Error, so a bug
  std::lock_guard lock(g_obs.mu);
  CHECK(g_obs.received.count("job2_frames=30") == 0);
  CHECK(g_obs.received.size() == 5);
  CHECK(g_obs.live_frames == 0);  // the 7 frames it did emit were released
}

TEST_CASE("a failing job does not stop the others: gather throws") {
  auto in = inputs(8, 10);
  auto g = make_graph({.max_jobs = 2, .gather = "fail_input: job5_frames=10"}, in);
  auto report = run(g);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 8);
  CHECK(report.failed() == 1);
  CHECK(report.jobs[5].status == "failed");
  CHECK(report.jobs[5].error_node == "gather");
  CHECK(report.jobs[5].error_type == "test.gather");
  CHECK(report.jobs[5].error == "gather broke");
  std::lock_guard lock(g_obs.mu);
  CHECK(g_obs.received.size() == 7);
}

TEST_CASE("no exception escapes run(): non-std exceptions are 'unknown exception'") {
  SUBCASE("throw 42 in a map") {
    auto in = inputs(4, 10);
    auto g = make_graph({.map = "fail_input: job1_frames=10, fail_at: 0, throw_kind: int"}, in);
    auto report = run(g);
    INFO(describe(report));
    REQUIRE(report.jobs.size() == 4);
    CHECK(report.failed() == 1);
    CHECK(report.jobs[1].status == "failed");
    CHECK(report.jobs[1].error_node == "map");
    CHECK(report.jobs[1].error == "unknown exception");
    CHECK(report.jobs[1].error_kind == ErrorKind::Internal);
  }
  SUBCASE("throw 42 in an expander") {
    auto in = inputs(4, 10);
    auto g = make_graph({.expand = "fail_input: job0_frames=10, fail_at: 3, throw_kind: int"}, in);
    auto report = run(g);
    INFO(describe(report));
    REQUIRE(report.jobs.size() == 4);
    CHECK(report.failed() == 1);
    CHECK(report.jobs[0].error_node == "expand");
    CHECK(report.jobs[0].error == "unknown exception");
  }
  SUBCASE("throw 42 in a gather") {
    auto in = inputs(3, 5);
    auto g = make_graph({.gather = "fail_input: job2_frames=5, throw_kind: int"}, in);
    auto report = run(g);
    REQUIRE(report.jobs.size() == 3);
    CHECK(report.jobs[2].error_node == "gather");
    CHECK(report.jobs[2].error == "unknown exception");
  }
  SUBCASE("a limit error is a resource error, and the summary says so") {
    auto in = inputs(3, 5);
    auto g = make_graph({.map = "fail_input: job1_frames=5, fail_at: 2, throw_kind: limit"}, in);
    auto report = run(g);
    REQUIRE(report.jobs.size() == 3);
    CHECK(report.jobs[1].error_kind == ErrorKind::Resource);
    const json summary = summary_json(report, false);
    CHECK(summary["jobs"][1]["error"]["kind"] == "resource");
    CHECK(summary["jobs"][1]["error"]["hint"] == "raise the limit");
    CHECK_FALSE(summary["jobs"][0].contains("error"));
  }
  SUBCASE("std::exception in the last node") {
    auto in = inputs(3, 5);
    auto g = make_graph({.sink = "fail_input: job0_frames=5, throw_kind: std"}, in);
    auto report = run(g);
    REQUIRE(report.jobs.size() == 3);
    CHECK(report.failed() == 1);
    CHECK(report.jobs[0].error_node == "sink");
    CHECK(report.jobs[0].error == "sink broke");
  }
  SUBCASE("a source that throws is a run error; the jobs it emitted complete") {
    auto g = make_graph({.source = "inputs: [a_frames=3, b_frames=3, c_frames=3], fail_after: 2"}, {});
    auto report = run(g);
    INFO(describe(report));
    CHECK(report.run_error.find("the source broke") != std::string::npos);
    CHECK(report.run_error.find("input") != std::string::npos);  // names the node
    REQUIRE(report.jobs.size() == 2);
    CHECK(report.jobs[0].status == "ok");
    CHECK(report.jobs[1].status == "ok");
  }
}

TEST_CASE("profiler counts equal the items processed") {
  auto in = inputs(7, 33);
  in.push_back("empty_frames=0");
  const uint64_t jobs = in.size(), frames = 7 * 33;
  auto g = make_graph({.max_jobs = 3, .map = "max_sleep_us: 50"}, in);
  auto report = run(g);
  REQUIRE(report.failed() == 0);
  REQUIRE(report.profiler);
  auto stats = report.profiler->merged();
  REQUIRE(stats.size() == g.nodes.size());
  const auto& src = stats[node_index(g, "input")];
  const auto& exp = stats[node_index(g, "expand")];
  const auto& map = stats[node_index(g, "map")];
  const auto& gat = stats[node_index(g, "gather")];
  const auto& snk = stats[node_index(g, "sink")];
  CHECK(src.calls == 1);
  CHECK(src.items_out == jobs);
  CHECK(exp.calls == jobs);
  CHECK(exp.items_in == jobs);
  CHECK(exp.items_out == frames);
  CHECK(exp.bytes_out == frames * 12);  // 2x2 RGB frames
  CHECK(map.calls == frames);
  CHECK(map.items_in == frames);
  CHECK(map.items_out == frames);
  CHECK(gat.calls == jobs);
  CHECK(gat.items_in == frames);
  CHECK(gat.items_out == jobs);
  CHECK(snk.calls == jobs);
  CHECK(snk.items_in == jobs);
  CHECK(snk.items_out == 0);
  for (const auto& s : stats) CHECK(s.errors == 0);
  CHECK(g_obs.map_calls == static_cast<int64_t>(frames));
}

TEST_CASE("cancellation: request_cancel stops a long run; another executor runs after it") {
  // 4 jobs of a million frames each; the map cancels after 300 calls. The expander relies on
  // emit()'s answer alone to stop.
  auto in = inputs(4, 1000000);
  auto g = make_graph({.max_jobs = 2, .max_frames = 8, .map = "cancel_after: 300, max_sleep_us: 0"}, in);
  auto report = run(g);
  INFO(describe(report));
  CHECK(report.interrupted);
  CHECK(report.failed() == report.jobs.size());  // nothing counts as done
  for (const auto& j : report.jobs) CHECK(j.status == "interrupted");
  CHECK(report.jobs.size() <= 2);  // the source starts no job once cancelled
  CHECK_MESSAGE(g_obs.emitted < 100000, "frames emitted after cancel: " << g_obs.emitted.load());
  CHECK(g_obs.live_frames == 0);

  // Cancellation belongs to one executor (session): the next one starts afresh.
  auto g2 = make_graph({}, inputs(2, 5));
  auto again = run(g2);
  CHECK_FALSE(again.interrupted);
  CHECK(again.failed() == 0);
  CHECK(again.jobs.size() == 2);
}

TEST_CASE("cancellation before the run: nothing is processed") {
  auto g = make_graph({}, inputs(3, 5));
  g_obs.reset();
  Watchdog dog(300);
  Executor ex(g);
  ex.request_cancel();
  CHECK(ex.cancel_requested());
  RunReport report;
  CHECK_NOTHROW(report = ex.run({}));
  CHECK(report.interrupted);
  for (const auto& j : report.jobs) CHECK(j.status != "ok");
  CHECK(g_obs.emitted == 0);
}

TEST_CASE("a serial expander is never called concurrently") {
  // The contract: concurrency 1 = never called concurrently, whatever max_jobs_in_flight.
  auto g = make_graph({.max_jobs = 4, .max_frames = 4, .map = "max_sleep_us: 200"}, inputs(8, 40));
  for (auto& n : g.nodes)
    if (n.id == "expand") n.concurrency = 1;  // as `concurrency: serial` in the YAML would
  auto report = run(g);
  CHECK(report.failed() == 0);
  CHECK(g_obs.max_expand_active == 1);
}

TEST_CASE("a serial gather is never called concurrently") {
  // Gathers run on TBB workers; their declared concurrency holds there too.
  auto g = make_graph({.max_jobs = 4, .max_frames = 4, .gather = "sleep_us: 3000"}, inputs(8, 6));
  auto report = run(g);
  CHECK(report.failed() == 0);
  CHECK(g_obs.max_gather_active == 1);
}

TEST_CASE("emit() answers false once the run was cancelled or the job failed") {
  // node.hpp: emit() "returns false when the receiver side is gone (run interrupted, job
  // failed): stop producing and return". With plenty of credits emit() never waits, so only an
  // explicit check can honour that.
  SUBCASE("expander, run cancelled") {
    auto g = make_graph({.max_jobs = 1, .max_frames = 100000, .expand = "cancel_at: 10", .map = "max_sleep_us: 0"},
                        inputs(1, 5000));
    auto report = run(g);
    CHECK(report.interrupted);
    CHECK_MESSAGE(g_obs.emitted_after_cancel == 0,
                  "emit() returned true " << g_obs.emitted_after_cancel.load() << " times after request_cancel()");
    CHECK(g_obs.emit_refused == 1);
  }
  SUBCASE("expander, job failed downstream") {
    // The map fails the job at frame 0; the expander is told only through emit().
    auto g = make_graph({.max_jobs = 1, .max_frames = 100000, .map = "fail_input: job0_frames=20000, fail_at: 0, max_sleep_us: 0"},
                        inputs(1, 20000));
    auto report = run(g);
    REQUIRE(report.jobs.size() == 1);
    CHECK(report.jobs[0].status == "failed");
    CHECK_MESSAGE(g_obs.emit_refused == 1, "the expander emitted all " << g_obs.emitted.load() << " frames of a failed job");
  }
  SUBCASE("source, run cancelled") {
    // One job at a time; the first job's expander cancels the run. No further job may start.
    auto g = make_graph({.max_jobs = 1, .expand = "cancel_at: 3", .map = "max_sleep_us: 0"}, inputs(6, 10));
    auto report = run(g);
    CHECK(report.interrupted);
    CHECK_MESSAGE(report.jobs.size() == 1, describe(report));
  }
}

TEST_CASE("the same resolved graph runs twice with fresh executors") {
  auto g = make_graph({}, inputs(2, 3));
  auto r1 = run(g);
  auto r2 = run(g);
  CHECK(r1.failed() == 0);
  CHECK(r2.failed() == 0);
  CHECK(r2.jobs.size() == 2);
}
