#include "job_ledger.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "vidpipe/runtime/output_names.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

JobLedger::JobLedger(std::vector<std::string> ids, std::vector<std::string> types, const std::atomic<bool>& cancel,
                     ExistingOutput existing, bool hashed_names, std::function<void(const std::string&)> notice)
    : ids_(std::move(ids)), types_(std::move(types)), cancel_(cancel), existing_(existing),
      hashed_names_(hashed_names), notice_(std::move(notice)) {}

void JobLedger::open(const std::string& root) {
  std::lock_guard lock(mu_);
  if (root.empty() || roots_.count(root)) return;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw Error(fmt::format("cannot create the output folder {}: {}", root, ec.message()), "choose a writable -o folder",
                      ErrorKind::Configuration);
  auto folder = std::make_unique<OutputFolder>(root, existing_);
  for (const auto& line : folder->clean_stale())
    if (notice_) notice_(line);
  roots_[root].folder = std::move(folder);
}

std::shared_ptr<JobTicket> JobLedger::start(JobRequest& request, std::shared_ptr<void> credit) {
  VideoJob v = request.video;
  const std::string key = input_key(v.input);
  // Names are data, sanitised like stems (source.inputs proposes `stem`, or `stem-<hash>` when
  // inputs of the run share the stem).
  const std::string stem = input_stem(v.input);
  const std::string name = v.name.empty() ? stem : sanitize_name(v.name);
  const std::string hashed = name == hashed_name(stem, key) ? name : hashed_name(name, key);
  std::vector<std::string> names = {hashed}, also;
  if (!hashed_names_ && !name.empty() && name != hashed) names.insert(names.begin(), name);
  for (const std::string& n : {stem, name})  // names an earlier run may have given this input
    if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end() &&
        std::find(also.begin(), also.end(), n) == also.end())
      also.push_back(n);

  Root* root = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!request.output_dir.empty()) root = &roots_.at(request.output_dir);  // open() came first
  }
  if (root) {  // a folder this session claimed for this input is a sibling job's, not an earlier run's
    std::lock_guard lock(mu_);
    std::erase_if(also, [&](const std::string& n) {
      auto it = root->used_names.find(name_fold(n));
      return it != root->used_names.end() && it->second == key;
    });
  }
  auto taken = [&](const std::string& n) {
    std::lock_guard lock(mu_);
    auto it = root->used_names.find(name_fold(n));
    return it != root->used_names.end() && it->second != key;
  };
  JobResult not_run;
  OutputFolder::Claim claim;
  if (root) {
    claim = root->folder->claim(names, also, key, taken);
    v.name = claim.name, v.out_dir = claim.staging_dir;
    if (claim.status == OutputFolder::Claim::Skip)
      not_run.status = "skipped", not_run.error = claim.reason, not_run.output_dir = claim.final_dir;
    if (claim.status == OutputFolder::Claim::Refused) {
      not_run.status = "failed", not_run.error_node = "output", not_run.error_type = "runtime";
      not_run.error = claim.reason, not_run.hint = claim.hint;
      not_run.error_kind = ErrorKind::Configuration;  // an existing output: the fix is a flag
    }
    std::lock_guard lock(mu_);
    root->used_names.emplace(name_fold(v.name), key);
  } else {
    v.name = names.front();  // a label only: no folder to share (and nothing kept per name)
  }
  if (!not_run.status.empty()) {
    not_run.index = v.index, not_run.input = v.input, not_run.name = v.name;
    auto done = std::exchange(request.done, nullptr);
    done(std::move(not_run), {});
    return nullptr;
  }
  auto state = std::make_shared<JobState>(v, request.nodes, ids_, types_, cancel_);
  state->output = std::move(claim);
  state->keep = request.keep_output;
  state->keep_pixels = request.keep_output && request.keep_pixels;
  state->one_buffer = state->keep_pixels && request.one_buffer;
  auto ticket = std::make_shared<JobTicket>();
  ticket->state = state;
  ticket->on_done = [this, root, done = std::exchange(request.done, nullptr),
                     credit = std::move(credit)](JobState& s) mutable {
    finish(s, root, done);
    credit.reset();  // only now may another job start
  };
  return ticket;
}

// Called when the last item of a job is gone (from JobTicket's destructor: nothing may
// escape): publishes its staging folder when the job succeeded, removes it otherwise.
void JobLedger::finish(JobState& s, Root* root, const std::function<void(JobResult, Data)>& done) noexcept {
  JobResult r;
  Data output;
  try {
    r.index = s.video().index, r.input = s.video().input, r.name = s.video().name;
    r = s.result();
    if (root && !s.output.staging_dir.empty()) {
      if (r.status == "ok" || r.status == "partial") {
        std::string hint, note;
        std::string error = root->folder->publish(s.output, r.status, hint, note);
        if (!error.empty()) {
          r.status = "failed", r.error_node = "output", r.error_type = "runtime", r.error = error, r.hint = hint;
          r.error_kind = ErrorKind::Resource;  // the -o folder's disk or permissions
        } else {
          r.output_dir = s.output.final_dir;
          if (!note.empty() && notice_) notice_(note);
        }
      } else {
        root->folder->discard(s.output);
      }
    }
    if (r.status == "ok" || r.status == "partial") output = s.kept_output();
  } catch (const std::exception& e) {
    r.status = "failed", r.error_node = "output", r.error_type = "runtime", r.output_dir.clear();
    r.error = std::string("cannot publish the outputs: ") + e.what(), r.hint = "check the -o folder";
    r.error_kind = ErrorKind::Resource;
  }
  try {
    done(std::move(r), std::move(output));
  } catch (...) {  // out of memory: the result is lost, the session goes on
  }
}

}  // namespace vidpipe::runtime
