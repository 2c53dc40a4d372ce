// The jobs of one run over a session, reported together: what `vidpipe run` and Executor::run
// share. An input added twice runs once (the second is "skipped"); results come back in the
// order added, those the session never started as "not started".
#pragma once

#include <future>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vidpipe/runtime/session.hpp"

namespace vidpipe::runtime {

class Batch {
 public:
  explicit Batch(Session& session) : session_(session) {}

  // Submits `input` (files only: the clip is not kept in memory); `name` is the output folder
  // name proposed for it ("" = its stem). Throws what Session::submit throws.
  void add(const std::string& input, const std::string& name = "");
  // Runs the graph's own Source node (Session::run_source), adding each job it emits; returns
  // once a job it emitted left the queue, as a source's emit() promises. Returns "" or the
  // error the source threw, as RunReport::run_error. Jobs of a source that were never started
  // are left out of the report (a source's later jobs are unknown anyway).
  std::string add_source_jobs();
  // Waits for every job.
  RunReport finish();

 private:
  struct Entry {
    JobResult skipped;  // status "skipped" when the input was added before
    std::optional<std::future<Result>> result;
  };
  Session& session_;
  std::set<std::string> keys_;
  std::vector<Entry> entries_;
  bool from_source_ = false;
};

}  // namespace vidpipe::runtime
