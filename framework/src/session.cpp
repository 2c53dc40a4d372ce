// Session: a graph made ready once, then fed inputs (see session.hpp).
#include "vidpipe/runtime/session.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "flow_engine.hpp"
#include "job_ledger.hpp"
#include "job_params.hpp"
#include "vidpipe/runtime/output_names.hpp"

namespace vidpipe::runtime {

ClipPtr Result::clip() const {
  auto* c = std::get_if<ClipPtr>(&output);
  return c ? *c : nullptr;
}

struct Session::Impl {
  ResolvedGraph graph;
  std::vector<std::shared_ptr<PluginLibrary>> libraries;  // outlive the node instances
  SessionOptions options;
  std::atomic<bool> cancel{false};
  int64_t t_start = now_ns();
  std::vector<std::string> ids, types;
  std::shared_ptr<Profiler> profiler;
  // ~Session resets the engine first (its last jobs complete into the ledger, running
  // node_sets' instances); the rest goes in reverse order of declaration.
  std::unique_ptr<NodeSets> node_sets;
  std::unique_ptr<JobLedger> ledger;
  std::unique_ptr<CreditPool> job_slots;  // max_jobs_in_flight (the source's max_in_flight)
  std::unique_ptr<FlowEngine> engine;

  std::mutex mu;  // guards the members below
  std::condition_variable queue_cv, state_cv;
  std::deque<JobRequest> queue;
  std::size_t next_index = 0, unresolved = 0;
  bool stopping = false;
  std::thread dispatcher;
  std::atomic<bool> source_running{false};  // submits come from run_source()

  Impl(const ResolvedGraph& g, SessionOptions o) : graph(g), options(std::move(o)) {
    for (const auto& n : graph.nodes) {
      ids.push_back(n.id), types.push_back(n.entry->spec.type);
      libraries.push_back(n.entry->library);
    }
    profiler = std::make_shared<Profiler>(ids, types, graph.settings.profile, options.trace);
    node_sets = std::make_unique<NodeSets>(graph);
    ledger = std::make_unique<JobLedger>(ids, types, cancel, options.existing, options.hashed_names, options.notice);
    ledger->open(options.output_dir);
    engine = std::make_unique<FlowEngine>(graph, profiler);
    job_slots = std::make_unique<CreditPool>(std::max(1, graph.nodes[engine->source()].max_in_flight));
    dispatcher = std::thread([this] { dispatch(); });
  }

  // A job that never started: resolved at once.
  void not_started(JobRequest& r) {
    JobResult j;
    j.index = r.video.index, j.input = r.video.input, j.status = "not started";
    j.name = r.video.name.empty() ? input_stem(r.video.input) : r.video.name;
    r.done(std::move(j), {});
  }

  void resolved() {
    std::lock_guard lock(mu);
    --unresolved;
    state_cv.notify_all();
  }

  // Starts queued jobs in order, each once a job slot is free. The only thread that starts
  // jobs, so output folders are claimed one at a time.
  void dispatch() {
    for (;;) {
      JobRequest r;
      {
        std::unique_lock lock(mu);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping
        r = std::move(queue.front());
        queue.pop_front();
      }
      // Polls the flag: request_cancel() may come from a signal handler, which cannot notify.
      if (cancel.load() || !job_slots->acquire([&] { return cancel.load(); })) {
        not_started(r);
      } else {
        // The source's profile row counts one call per submitted job.
        if (!r.from_source) profiler->record(engine->source(), now_ns(), 0, 0, 0, 1, 0, r.video.index, 0, false);
        try {
          auto credit = std::shared_ptr<Credit>(new Credit{job_slots.get()});
          if (auto ticket = ledger->start(r, std::move(credit))) engine->inject(ticket);
        } catch (const std::exception& e) {  // e.g. the output folder failed under us
          if (r.done) {
            JobResult j;
            j.index = r.video.index, j.input = r.video.input, j.name = r.video.name, j.status = "failed";
            j.error_node = "output", j.error_type = "runtime", j.error = std::string("cannot start the job: ") + e.what();
            r.done(std::move(j), {});
          }
        }
      }
      std::lock_guard lock(mu);
      state_cv.notify_all();  // wait_started()
    }
  }
};

Session::Session(const ResolvedGraph& graph, SessionOptions options)
    : impl_(std::make_unique<Impl>(graph, std::move(options))) {}

Session::~Session() {
  cancel();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  impl_->dispatcher.join();
  impl_->engine.reset();
}

std::future<Result> Session::submit(std::string input, SubmitOptions options) {
  Impl& s = *impl_;
  JobRequest r;
  r.video.input = std::move(input);
  r.video.name = std::move(options.name);
  r.output_dir = options.output_dir.value_or(s.options.output_dir);
  s.ledger->open(r.output_dir);  // throws when it cannot be created
  r.nodes = s.node_sets->get(options.overrides);  // throws on a bad override
  r.keep_output = options.keep_output;
  r.keep_pixels = options.keep_pixels;
  r.one_buffer = options.one_buffer;
  r.from_source = s.source_running.load();
  auto promise = std::make_shared<std::promise<Result>>();
  std::future<Result> future = promise->get_future();
  r.done = [&s, promise](JobResult j, Data output) {
    promise->set_value(Result{std::move(j), std::move(output)});
    s.resolved();
  };
  {
    std::lock_guard lock(s.mu);
    r.video.index = s.next_index++;
    ++s.unresolved;
    s.queue.push_back(std::move(r));
  }
  s.queue_cv.notify_one();
  return future;
}

void Session::request_cancel() noexcept { impl_->cancel.store(true); }
bool Session::cancel_requested() const noexcept { return impl_->cancel.load(); }

void Session::cancel() {
  request_cancel();
  wait_idle();
}

void Session::wait_idle() {
  std::unique_lock lock(impl_->mu);
  impl_->queue_cv.notify_all();
  impl_->state_cv.wait(lock, [&] { return impl_->unresolved == 0; });
}

void Session::wait_started() {
  std::unique_lock lock(impl_->mu);
  impl_->state_cv.wait(lock, [&] { return impl_->queue.empty(); });
}

void Session::run_source(const std::function<bool(VideoJob)>& on_job) {
  Impl& s = *impl_;
  struct SourceEmitter final : Emitter {
    Impl& s;
    const std::function<bool(VideoJob)>& on_job;
    SourceEmitter(Impl& session, const std::function<bool(VideoJob)>& f) : s(session), on_job(f) {}
    bool emit(Data item, int) override {
      auto* job = std::get_if<JobPtr>(&item);
      if (!job || !*job) throw Error("a source must emit job items");
      if (s.cancel.load()) return false;
      ++count;
      const int64_t t = now_ns();
      const bool go_on = on_job(**job);
      wait_ns += now_ns() - t;  // mostly waiting for a job slot (Executor::run)
      return go_on && !s.cancel.load();
    }
    uint32_t count = 0;
    int64_t wait_ns = 0;
  } em(s, on_job);
  // A source has no job of its own; it gets a placeholder for notes it may make.
  JobState run_job(VideoJob{"<run>", "run", 0, ""}, s.node_sets->base(), s.ids, s.types, s.cancel);
  const int source = s.engine->source();
  const int64_t t0 = now_ns();
  auto record = [&](bool failed) {
    s.source_running.store(false);
    s.profiler->record(source, t0, now_ns() - t0 - em.wait_ns, 0, 0, em.count, 0, -1, 0, failed);
    s.profiler->add_stall(source, em.wait_ns);
  };
  s.source_running.store(true);
  try {
    s.node_sets->base()->nodes[source]->process(Data{}, em, run_job);
  } catch (...) {
    record(true);
    throw;
  }
  record(false);
}

const ResolvedGraph& Session::graph() const { return impl_->graph; }
std::shared_ptr<Profiler> Session::profiler() const { return impl_->profiler; }
double Session::wall_s() const { return (now_ns() - impl_->t_start) / 1e9; }

}  // namespace vidpipe::runtime
