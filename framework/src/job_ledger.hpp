// The run's book of jobs: numbers each job, names and claims its output folder (output_names,
// output_folder), publishes or discards it when the job completes, and records one result per
// job, including jobs that never ran (skipped, or their folder refused).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "job_state.hpp"
#include "output_folder.hpp"

namespace vidpipe::runtime {

class JobLedger {
 public:
  JobLedger(const json& config, std::vector<std::string> ids, std::vector<std::string> types,
            const std::atomic<bool>& cancel);

  // Sets the run's options; with -o, cleans stale staging folders (one notice each).
  void open(const RunOptions& options);

  // Starts a job. Returns nullptr when it does not run (its result is recorded then). The
  // ticket holds `credit` until the job completes and its result is recorded.
  std::shared_ptr<JobTicket> start(const VideoJob& proposed, std::shared_ptr<void> credit);

  void add_run_error(const std::string& message);
  std::string run_error() const;
  std::vector<JobResult> take_results();  // in input order

 private:
  void finish(JobState& s) noexcept;

  const json& config_;
  std::vector<std::string> ids_, types_;
  const std::atomic<bool>& cancel_;
  RunOptions options_;
  std::unique_ptr<OutputFolder> folder_;  // with -o

  mutable std::mutex mu_;  // guards the members below
  std::size_t next_index_ = 0;
  std::set<std::string> started_;                  // input keys of this run
  std::map<std::string, std::string> used_names_;  // folded output name -> input key
  std::vector<JobResult> results_;
  std::string run_error_;
};

}  // namespace vidpipe::runtime
