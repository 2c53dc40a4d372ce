// One-shot runs over a Session (see executor.hpp), and the Batch they report through.
#include "vidpipe/runtime/executor.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vidpipe/runtime/batch.hpp"
#include "vidpipe/runtime/output_names.hpp"

namespace vidpipe::runtime {

void Batch::add(const std::string& input, const std::string& name) {
  Entry e;
  if (!keys_.insert(input_key(input)).second) {
    e.skipped.index = entries_.size(), e.skipped.input = input, e.skipped.status = "skipped";
    e.skipped.name = name.empty() ? input_stem(input) : sanitize_name(name);
    e.skipped.error = "the same input is listed more than once";
  } else {
    SubmitOptions options;
    options.name = name;
    options.keep_output = false;
    e.result = session_.submit(input, std::move(options));
  }
  entries_.push_back(std::move(e));
}

std::string Batch::add_source_jobs() {
  from_source_ = true;
  try {
    session_.run_source([&](VideoJob job) {
      add(job.input, job.name);
      session_.wait_started();
      return true;
    });
  } catch (const std::exception& e) {
    const auto& nodes = session_.graph().nodes;
    const ResolvedNode& source = *std::find_if(nodes.begin(), nodes.end(), [](const ResolvedNode& n) {
      return n.entry->spec.shape == Shape::Source;
    });
    return fmt::format("source '{}' ({}): {}", source.id, source.entry->spec.type, e.what());
  }
  return "";
}

RunReport Batch::finish() {
  RunReport report;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    Entry& e = entries_[i];
    JobResult j = e.result ? e.result->get().job : std::move(e.skipped);
    j.index = i;
    if (!(from_source_ && j.status == "not started")) report.jobs.push_back(std::move(j));
  }
  entries_.clear();
  report.interrupted = session_.cancel_requested();
  report.wall_s = session_.wall_s();
  report.profiler = session_.profiler();
  return report;
}

Executor::Executor(const ResolvedGraph& graph) : graph_(graph) {}
Executor::~Executor() = default;

void Executor::request_cancel() noexcept {
  cancel_.store(true);
  if (Session* s = session_.load()) s->request_cancel();
}

bool Executor::cancel_requested() const noexcept { return cancel_.load(); }

RunReport Executor::run(const RunOptions& options) {
  SessionOptions so;
  so.output_dir = options.output_dir;
  so.existing = options.existing;
  so.hashed_names = options.hashed_names;
  so.trace = options.trace;
  so.notice = options.notice;
  Session session(graph_, so);
  session_.store(&session);
  if (cancel_.load()) session.request_cancel();

  Batch batch(session);
  const std::string run_error = batch.add_source_jobs();
  RunReport report = batch.finish();
  session_.store(nullptr);
  report.run_error = run_error;
  return report;
}

}  // namespace vidpipe::runtime
