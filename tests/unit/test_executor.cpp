// The TBB executor with in-process test nodes: ordering through a parallel map, the memory
// bound, per-job failures, exceptions, profiler counts, output folders and cancellation.
//
// Graph used throughout (see graph_text()):
//   input (source.inputs) → expand (test.expand) → map (test.jitter) → gather (test.gather) → sink (test.sink)
// A job's input is a string such as "job3_frames=50": the expander emits 50 frames for it.
// No assertion depends on timing; sleeps only shuffle completion order.
#include <doctest/doctest.h>

// GraphOpts is filled with designated initializers; the members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/runtime/report.hpp"
#include "vidpipe/sdk.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace vidpipe;
using namespace vidpipe::runtime;

namespace {

// ---------------------------------------------------------------------------------------------
// What the test nodes observed. Reset before every run.
struct Observed {
  std::atomic<int64_t> live_frames{0}, max_live_frames{0};  // frames made by the expander, alive
  std::atomic<int> jobs_active{0}, max_jobs_active{0};      // expander started .. sink finished
  std::atomic<int> expand_active{0}, max_expand_active{0};  // concurrent expander calls
  std::atomic<int> sink_active{0}, max_sink_active{0};      // concurrent sink calls
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
    emitted = 0, emit_refused = 0, emitted_after_cancel = 0, map_calls = 0, parent_mismatch = 0;
    std::lock_guard lock(mu);
    received.clear();
  }
};
Observed g_obs;

template <class T> void raise_max(std::atomic<T>& max, T v) {
  T cur = max.load();
  while (v > cur && !max.compare_exchange_weak(cur, v)) {}
}

struct ActiveScope {
  std::atomic<int>& n;
  ActiveScope(std::atomic<int>& count, std::atomic<int>& max) : n(count) { raise_max(max, ++n); }
  ~ActiveScope() { --n; }
};

// Frames whose buffer counts itself in g_obs.live_frames while alive.
FramePtr counted_frame(int64_t index) {
  auto f = std::make_shared<Frame>();
  f->index = index;
  f->timestamp = index / 25.0;
  f->width = 2, f->height = 2, f->stride = 6;
  auto* buf = new uint8_t[24]();
  raise_max(g_obs.max_live_frames, ++g_obs.live_frames);
  f->data = std::shared_ptr<const uint8_t>(buf, [](const uint8_t* p) {
    --g_obs.live_frames;
    delete[] p;
  });
  return f;
}

int64_t frames_of(const std::string& input) {
  auto pos = input.find("frames=");
  if (pos == std::string::npos) throw std::logic_error("test input without frames=: " + input);
  return std::stoll(input.substr(pos + 7));
}

void sleep_random_us(int max_us) {
  thread_local std::mt19937 rng(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, max_us)(rng)));
}

// How a node fails on purpose: vidpipe::Error (with a hint), std::runtime_error or `throw 42`.
[[noreturn]] void fail(const std::string& kind, const std::string& what) {
  if (kind == "std") throw std::runtime_error(what);
  if (kind == "int") throw 42;
  throw Error(what, "the test asked for it");
}

NodeSpec& failure_params(NodeSpec& s) {
  return s.text("fail_input", "", "the job input that fails here")
      .integer("fail_at", -1, -1, 1e9, "frame index that fails (-1: none, or the whole call)")
      .choice("throw_kind", "error", {"error", "std", "int"}, "what to throw");
}

// Emits the jobs named in `inputs`; throws after `fail_after` of them (a failure outside jobs).
class TestSource final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("test.source", "jobs from a list")
        .with_shape(Shape::Source)
        .output("job", DataType::Job)
        .list("inputs", ParamType::StringList, json::array(), "")
        .integer("fail_after", -1, -1, 1e9, "");
  }
  explicit TestSource(const Params& p)
      : inputs_(p.get<std::vector<std::string>>("inputs")), fail_after_(p.get<int>("fail_after")) {}
  void process(const Data&, Emitter& out, Job&) override {
    for (int i = 0; i < static_cast<int>(inputs_.size()); ++i) {
      if (i == fail_after_) throw Error("the source broke");
      if (!out.emit(JobPtr(std::make_shared<const VideoJob>(VideoJob{inputs_[i], "", 0, ""})))) return;
    }
  }

 private:
  std::vector<std::string> inputs_;
  int fail_after_;
};

// Job → K counted frames (K from the input). Relies on emit()'s answer to stop, on purpose.
class TestExpand final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("test.expand", "K frames per job");
    s.with_shape(Shape::Expand).parallel().input("job", DataType::Job).output("frames", DataType::Frame);
    failure_params(s)
        .integer("cancel_at", -1, -1, 1e9, "request_cancel() before emitting this frame")
        .text("damage_input", "", "the job input reported damaged (Job::mark_partial) after its frames");
    return s;
  }
  explicit TestExpand(const Params& p)
      : fail_input_(p.get<std::string>("fail_input")), fail_at_(p.get<int>("fail_at")),
        kind_(p.get<std::string>("throw_kind")), cancel_at_(p.get<int>("cancel_at")),
        damage_input_(p.get<std::string>("damage_input")) {}
  void process(const Data& in, Emitter& out, Job& job) override {
    ActiveScope calls(g_obs.expand_active, g_obs.max_expand_active);
    const std::string& input = job.video().input;
    // (No doctest assertions in node code: it runs on the executor's threads.)
    if (!std::holds_alternative<JobPtr>(in) || std::get<JobPtr>(in)->input != input) ++g_obs.parent_mismatch;
    raise_max(g_obs.max_jobs_active, ++g_obs.jobs_active);
    const int64_t k = frames_of(input);
    bool cancelled = false;
    for (int64_t i = 0; i < k; ++i) {
      if (input == fail_input_ && i == fail_at_) fail(kind_, "expand broke at frame " + std::to_string(i));
      if (i == cancel_at_) Executor::request_cancel(), cancelled = true;
      if (!out.emit(counted_frame(i))) {
        ++g_obs.emit_refused;
        return;
      }
      ++g_obs.emitted;
      if (cancelled) ++g_obs.emitted_after_cancel;
    }
    if (input == damage_input_) {
      job.mark_partial("2 frames\ndo not decode");  // one line, whatever the node wrote
      job.mark_partial("2 frames\ndo not decode");  // the same report twice is one
      job.mark_partial("truncated at 5 s");
      job.mark_partial("truncated");  // another report, though the start of the one before
    }
  }

 private:
  std::string fail_input_;
  int fail_at_;
  std::string kind_;
  int cancel_at_;
  std::string damage_input_;
};

// Frame → frame after a random sleep (shuffles completion order). copy: emit a new, uncounted
// frame with the same index, as a resize would, so the expander's frames die here.
class TestJitter final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("test.jitter", "sleeps, then forwards");
    s.parallel().input("frames", DataType::Frame).output("frames", DataType::Frame);
    failure_params(s)
        .flag("copy", false, "")
        .integer("max_sleep_us", 300, 0, 1e6, "")
        .integer("cancel_after", -1, -1, 1e9, "request_cancel() after this many calls (all jobs)");
    return s;
  }
  explicit TestJitter(const Params& p)
      : fail_input_(p.get<std::string>("fail_input")), fail_at_(p.get<int>("fail_at")),
        kind_(p.get<std::string>("throw_kind")), copy_(p.get<bool>("copy")),
        max_sleep_us_(p.get<int>("max_sleep_us")), cancel_after_(p.get<int>("cancel_after")) {}
  void process(const Data& in, Emitter& out, Job& job) override {
    int64_t n = ++g_obs.map_calls;
    if (n == cancel_after_) Executor::request_cancel();
    const FramePtr& f = std::get<FramePtr>(in);
    if (job.video().input == fail_input_ && f->index == fail_at_)
      fail(kind_, "map broke at frame " + std::to_string(f->index));
    if (max_sleep_us_) sleep_random_us(max_sleep_us_);
    if (!copy_) return (void)out.emit(in);
    auto fb = make_frame(1, 1, PixelFormat::GRAY8);
    fb.pixels[0] = 7;
    fb.frame->index = f->index;
    fb.frame->timestamp = f->timestamp;
    out.emit(FramePtr(fb.frame));
  }

 private:
  std::string fail_input_;
  int fail_at_;
  std::string kind_;
  bool copy_;
  int max_sleep_us_, cancel_after_;
};

class TestGather final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("test.gather", "frames → clip");
    s.with_shape(Shape::Gather).input("frames", DataType::Frame).output("clip", DataType::Clip);
    failure_params(s);
    return s;
  }
  explicit TestGather(const Params& p)
      : fail_input_(p.get<std::string>("fail_input")), kind_(p.get<std::string>("throw_kind")) {}
  void collect(const Data& parent, std::vector<Data> items, Emitter& out, Job& job) override {
    if (!std::holds_alternative<JobPtr>(parent) || std::get<JobPtr>(parent)->input != job.video().input)
      ++g_obs.parent_mismatch;
    if (job.video().input == fail_input_) fail(kind_, "gather broke");
    auto clip = std::make_shared<Clip>();
    for (auto& d : items) clip->frames.push_back(std::get<FramePtr>(d));
    out.emit(ClipPtr(clip));
  }

 private:
  std::string fail_input_, kind_;
};

// Clip → nothing, serial and (optionally) slow. Records what it got and writes a file into the
// job's folder before it may fail, so a failed job has something to clean up.
class TestSink final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s("test.sink", "records clips");
    s.serial().input("clip", DataType::Clip);
    failure_params(s).integer("sleep_us", 0, 0, 1e7, "");
    return s;
  }
  explicit TestSink(const Params& p)
      : fail_input_(p.get<std::string>("fail_input")), kind_(p.get<std::string>("throw_kind")),
        sleep_us_(p.get<int>("sleep_us")) {}
  void process(const Data& in, Emitter&, Job& job) override {
    ActiveScope calls(g_obs.sink_active, g_obs.max_sink_active);
    const ClipPtr& clip = std::get<ClipPtr>(in);
    std::vector<int64_t> indices;
    for (const auto& f : clip->frames) indices.push_back(f->index);
    {
      std::lock_guard lock(g_obs.mu);
      g_obs.received[job.video().input].push_back(std::move(indices));
    }
    if (!job.video().out_dir.empty()) {
      std::ofstream(fs::path(job.video().out_dir) / "clip.txt") << clip->frames.size() << "\n";
      job.note("written", "clip.txt");
    }
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    --g_obs.jobs_active;
    if (job.video().input == fail_input_) fail(kind_, "sink broke");
  }

 private:
  std::string fail_input_, kind_;
  int sleep_us_;
};

void register_test_nodes(Registry& r) {
  r.add<TestSource>();
  r.add<TestExpand>();
  r.add<TestJitter>();
  r.add<TestGather>();
  r.add<TestSink>();
}

const NodeRegistry& registry() {
  static const auto reg = [] {
    auto r = std::make_unique<NodeRegistry>();
    r->add_builtin("testing", register_test_nodes);
    return r;
  }();
  return *reg;
}

// ---------------------------------------------------------------------------------------------
struct GraphOpts {
  int max_jobs = 2, max_frames = 8;
  std::string expand, map, gather, sink;  // extra params, as YAML flow-mapping content
  std::string source;                     // "" = the built-in source.inputs
};

std::string graph_text(const GraphOpts& o) {
  std::string text = "vidpipe: 1\nname: test\nsettings: {max_jobs_in_flight: " + std::to_string(o.max_jobs) +
                     ", max_frames_in_flight: " + std::to_string(o.max_frames) + "}\nnodes:\n";
  if (!o.source.empty()) text += "  input: {type: test.source, params: {" + o.source + "}}\n";
  text += "  expand: {type: test.expand, in: input, params: {" + o.expand + "}}\n";
  text += "  map: {type: test.jitter, in: expand.frames, params: {" + o.map + "}}\n";
  text += "  gather: {type: test.gather, in: map.frames, params: {" + o.gather + "}}\n";
  text += "  sink: {type: test.sink, in: gather.clip, params: {" + o.sink + "}}\n";
  return text;
}

ResolvedGraph make_graph(const GraphOpts& o, const std::vector<std::string>& inputs) {
  Overrides ov;
  ov.inputs = inputs;
  return resolve_graph(parse_graph_text(graph_text(o), "test.yaml"), registry(), ov);
}

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

RunReport run(const ResolvedGraph& g, const RunOptions& options = {}) {
  g_obs.reset();
  Executor::reset_cancel();
  Watchdog dog(300);
  RunReport report;
  Executor ex(g);
  CHECK_NOTHROW(report = ex.run(options));
  return report;
}

std::vector<std::string> inputs(int n, int64_t frames) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("job" + std::to_string(i) + "_frames=" + std::to_string(frames));
  return v;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::string describe(const RunReport& r) {
  std::string s = "run_error: " + r.run_error + "\n";
  for (const auto& j : r.jobs) s += j.input + " " + j.status + (j.error.empty() ? "" : ": " + j.error_line()) + "\n";
  return s;
}

int node_index(const ResolvedGraph& g, const std::string& id) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].id == id) return static_cast<int>(i);
  FAIL("no node " << id);
  return -1;
}


}  // namespace

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

TEST_CASE("output folders: published on success, nothing left on failure") {
  TempDir tmp;
  std::vector<std::string> in = {"okA_frames=3", "bad_frames=3", "okB_frames=4", "okA_frames=3", "badmap_frames=4"};
  // `bad` fails in the sink after it wrote its file; `badmap` fails before anything is written.
  auto g = make_graph({.map = "fail_input: badmap_frames=4, fail_at: 1", .sink = "fail_input: bad_frames=3"}, in);
  RunOptions opt;
  opt.output_dir = (tmp.path / "out").string();  // created by run()
  auto report = run(g, opt);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 5);
  CHECK(report.jobs[0].status == "ok");
  CHECK(report.jobs[1].status == "failed");
  CHECK(report.jobs[2].status == "ok");
  CHECK(report.jobs[3].status == "skipped");  // the same input again: processed once
  CHECK(report.jobs[4].status == "failed");
  CHECK(report.jobs[0].name == "okA_frames=3");
  CHECK(report.failed() == 2);
  const fs::path out = opt.output_dir;
  for (int i : {0, 2}) {
    const auto& j = report.jobs[i];
    CHECK(j.output_dir == (out / j.name).string());
    CHECK(fs::is_directory(out / j.name));
    CHECK(fs::exists(out / j.name / "clip.txt"));
  }
  CHECK(report.jobs[1].output_dir.empty());
  CHECK(report.jobs[4].output_dir.empty());
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(out)) entries.push_back(e.path().filename().string());
  std::sort(entries.begin(), entries.end());
  CHECK(entries == std::vector<std::string>{"okA_frames=3", "okB_frames=4"});
}

TEST_CASE("partial: a job reported damaged is published, counted and described, unless it fails") {
  TempDir tmp;
  std::vector<std::string> in = {"ok_frames=3", "damaged_frames=3", "worse_frames=3"};
  // `worse` is reported damaged too, then fails in the sink: failed wins.
  auto g = make_graph({.expand = "damage_input: damaged_frames=3", .sink = "fail_input: worse_frames=3"}, in);
  auto g2 = make_graph({.expand = "damage_input: worse_frames=3", .sink = "fail_input: worse_frames=3"}, in);
  RunOptions opt;
  opt.output_dir = (tmp.path / "out").string();
  auto report = run(g, opt);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 3);
  CHECK(report.jobs[0].status == "ok");
  CHECK(report.jobs[0].damage.empty());
  const JobResult& d = report.jobs[1];
  CHECK(d.status == "partial");
  CHECK(d.damage == "2 frames do not decode; truncated at 5 s; truncated");
  CHECK(d.damage_line() ==
        "damaged_frames=3: partial output from a damaged input: 2 frames do not decode; truncated at 5 s; truncated");
  CHECK(d.output_dir == (fs::path(opt.output_dir) / d.name).string());
  CHECK(fs::exists(fs::path(d.output_dir) / "clip.txt"));
  CHECK(report.jobs[2].status == "failed");
  CHECK(report.failed() == 1);
  CHECK(report.partial() == 1);
  const std::string text = summary_text(report);
  CHECK(text.find("3 inputs, 1 ok, 1 partial, 1 failed") != std::string::npos);
  const json j = summary_json(report, false);
  CHECK(j["partial"] == 1);
  CHECK(j["failed"] == 1);
  CHECK(j["jobs"][1]["status"] == "partial");
  CHECK(j["jobs"][1]["damage"] == d.damage);
  CHECK_FALSE(j["jobs"][0].contains("damage"));

  opt.output_dir = (tmp.path / "out2").string();  // fresh: the first run's outputs are not in the way
  auto report2 = run(g2, opt);
  INFO(describe(report2));
  REQUIRE(report2.jobs.size() == 3);
  CHECK(report2.jobs[0].status == "ok");
  CHECK(report2.jobs[2].status == "failed");  // damaged, then failed: failed
  CHECK(report2.jobs[2].damage.empty());
  CHECK(report2.partial() == 0);
}

TEST_CASE("cancellation: request_cancel stops a long run; reset_cancel allows another run") {
  // 4 jobs of a million frames each; the map cancels after 300 calls. The expander relies on
  // emit()'s answer alone to stop.
  auto in = inputs(4, 1000000);
  auto g = make_graph({.max_jobs = 2, .max_frames = 8, .map = "cancel_after: 300, max_sleep_us: 0"}, in);
  auto report = run(g);
  INFO(describe(report));
  CHECK(report.interrupted);
  CHECK(Executor::cancel_requested());
  CHECK(report.failed() == report.jobs.size());  // nothing counts as done
  for (const auto& j : report.jobs) CHECK(j.status == "interrupted");
  CHECK(report.jobs.size() <= 2);  // the source starts no job once cancelled
  CHECK_MESSAGE(g_obs.emitted < 100000, "frames emitted after cancel: " << g_obs.emitted.load());
  CHECK(g_obs.live_frames == 0);

  Executor::reset_cancel();
  CHECK_FALSE(Executor::cancel_requested());
  auto g2 = make_graph({}, inputs(2, 5));
  auto again = run(g2);
  CHECK_FALSE(again.interrupted);
  CHECK(again.failed() == 0);
  CHECK(again.jobs.size() == 2);
}

TEST_CASE("cancellation before the run: nothing is processed") {
  auto g = make_graph({}, inputs(3, 5));
  g_obs.reset();
  Executor::reset_cancel();
  Executor::request_cancel();
  Watchdog dog(300);
  Executor ex(g);
  RunReport report;
  CHECK_NOTHROW(report = ex.run({}));
  CHECK(report.interrupted);
  for (const auto& j : report.jobs) CHECK(j.status != "ok");
  Executor::reset_cancel();
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
  Executor::reset_cancel();
}

TEST_CASE("the same resolved graph runs twice with fresh executors") {
  auto g = make_graph({}, inputs(2, 3));
  auto r1 = run(g);
  auto r2 = run(g);
  CHECK(r1.failed() == 0);
  CHECK(r2.failed() == 0);
  CHECK(r2.jobs.size() == 2);
}
