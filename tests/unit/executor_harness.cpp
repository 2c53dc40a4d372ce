#include "executor_harness.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "vidpipe/runtime/registry.hpp"
#include "vidpipe/sdk.hpp"

namespace harness {

namespace fs = std::filesystem;

Observed g_obs;

namespace {

// ---------------------------------------------------------------------------------------------

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

// How a node fails on purpose: vidpipe::Error (with a hint), a LimitError, std::runtime_error or
// `throw 42`.
[[noreturn]] void fail(const std::string& kind, const std::string& what) {
  if (kind == "std") throw std::runtime_error(what);
  if (kind == "int") throw 42;
  if (kind == "limit") throw LimitError(what, "raise the limit");
  throw Error(what, "the test asked for it");
}

NodeSpec& failure_params(NodeSpec& s) {
  return s.text("fail_input", "", "the job input that fails here")
      .integer("fail_at", -1, -1, 1e9, "frame index that fails (-1: none, or the whole call)")
      .choice("throw_kind", "error", {"error", "std", "int", "limit"}, "what to throw");
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
      if (i == cancel_at_) cancel_under_test(), cancelled = true;
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
    if (n == cancel_after_) cancel_under_test();
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
    failure_params(s).integer("sleep_us", 0, 0, 1e7, "");
    return s;
  }
  explicit TestGather(const Params& p)
      : fail_input_(p.get<std::string>("fail_input")), kind_(p.get<std::string>("throw_kind")),
        sleep_us_(p.get<int>("sleep_us")) {}
  void collect(const Data& parent, std::vector<Data> items, Emitter& out, Job& job) override {
    ActiveScope calls(g_obs.gather_active, g_obs.max_gather_active);
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (!std::holds_alternative<JobPtr>(parent) || std::get<JobPtr>(parent)->input != job.video().input)
      ++g_obs.parent_mismatch;
    if (job.video().input == fail_input_) fail(kind_, "gather broke");
    auto clip = std::make_shared<Clip>();
    for (auto& d : items) clip->frames.push_back(std::get<FramePtr>(d));
    out.emit(ClipPtr(clip));
  }

 private:
  std::string fail_input_, kind_;
  int sleep_us_;
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

}  // namespace

ResolvedGraph make_graph(const GraphOpts& o, const std::vector<std::string>& inputs) {
  Overrides ov;
  ov.inputs = inputs;
  return resolve_graph(parse_graph_text(graph_text(o), "test.yaml"), registry(), ov);
}



namespace {
std::mutex g_cancel_mu;
std::function<void()> g_cancel;
}  // namespace

void cancel_under_test() {
  std::lock_guard lock(g_cancel_mu);
  if (g_cancel) g_cancel();
}

CancelTarget::CancelTarget(std::function<void()> cancel) {
  std::lock_guard lock(g_cancel_mu);
  g_cancel = std::move(cancel);
}

CancelTarget::~CancelTarget() {
  std::lock_guard lock(g_cancel_mu);
  g_cancel = nullptr;
}

RunReport run(const ResolvedGraph& g, const RunOptions& options) {
  g_obs.reset();
  Watchdog dog(300);
  RunReport report;
  Executor ex(g);
  CancelTarget target([&ex] { ex.request_cancel(); });
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


}  // namespace harness
