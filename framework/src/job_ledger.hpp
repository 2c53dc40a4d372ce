// A session's book of jobs: names and claims each job's output folder (output_names,
// output_folder), publishes or discards it when the job completes, and hands every job's
// result to its requester, including jobs that never run (their folder skipped or refused).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "job_state.hpp"
#include "output_folder.hpp"

namespace vidpipe::runtime {

struct JobRequest {
  VideoJob video;              // input and proposed name; index set by the session
  std::string output_dir;      // root of the job's output folder; "" = no files
  std::shared_ptr<const NodeSet> nodes;
  bool keep_output = false;
  bool keep_pixels = true;     // with keep_output: the kept clip's frames keep their pixels
  bool one_buffer = false;     // with keep_pixels: the clip's final frames in one FrameSlab
  bool from_source = false;    // emitted by the graph's source (run_source), which is profiled itself
  std::function<void(JobResult, Data)> done;  // called once, with the result and the kept output
};

class JobLedger {
 public:
  JobLedger(std::vector<std::string> ids, std::vector<std::string> types, const std::atomic<bool>& cancel,
            ExistingOutput existing, bool hashed_names, std::function<void(const std::string&)> notice);

  // Makes `root` usable for outputs: creates it, and the first time cleans stale staging
  // folders in it (one notice each). Throws vidpipe::Error when it cannot be created.
  void open(const std::string& root);

  // Starts a job. Returns nullptr when it does not run (`done` was called then). The ticket
  // holds `credit` until the job completed and `done` returned. When it throws, `request.done`
  // is left to the caller.
  std::shared_ptr<JobTicket> start(JobRequest& request, std::shared_ptr<void> credit);

 private:
  struct Root {
    std::unique_ptr<OutputFolder> folder;
    std::map<std::string, std::string> used_names;  // folded output name -> input key
  };
  void finish(JobState& s, Root* root, const std::function<void(JobResult, Data)>& done) noexcept;

  std::vector<std::string> ids_, types_;
  const std::atomic<bool>& cancel_;
  ExistingOutput existing_;
  bool hashed_names_;
  std::function<void(const std::string&)> notice_;

  std::mutex mu_;  // guards roots_ and the names in them
  std::map<std::string, Root> roots_;
};

}  // namespace vidpipe::runtime
