#include "job_ledger.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "vidpipe/runtime/output_names.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

JobLedger::JobLedger(const json& config, std::vector<std::string> ids, std::vector<std::string> types,
                     const std::atomic<bool>& cancel)
    : config_(config), ids_(std::move(ids)), types_(std::move(types)), cancel_(cancel) {}

void JobLedger::open(const RunOptions& options) {
  options_ = options;
  if (options.output_dir.empty()) return;
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec) throw Error(fmt::format("cannot create the output folder {}: {}", options.output_dir, ec.message()),
                      "choose a writable -o folder", ErrorKind::Configuration);
  folder_ = std::make_unique<OutputFolder>(options.output_dir, options.existing);
  for (const auto& line : folder_->clean_stale())
    if (options.notice) options.notice(line);
}

std::shared_ptr<JobTicket> JobLedger::start(const VideoJob& proposed, std::shared_ptr<void> credit) {
  VideoJob v = proposed;
  const std::string key = input_key(v.input);
  // Names from a source are data, sanitised like stems (source.inputs proposes `stem`, or
  // `stem-<hash>` when inputs of the run share the stem).
  const std::string stem = input_stem(v.input);
  const std::string name = v.name.empty() ? stem : sanitize_name(v.name);
  const std::string hashed = name == hashed_name(stem, key) ? name : hashed_name(name, key);
  std::vector<std::string> names = {hashed}, also;
  if (!options_.hashed_names && !name.empty() && name != hashed) names.insert(names.begin(), name);
  for (const std::string& n : {stem, name})  // names an earlier run may have given this input
    if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end() &&
        std::find(also.begin(), also.end(), n) == also.end())
      also.push_back(n);

  JobResult not_run;
  {
    std::lock_guard lock(mu_);
    v.index = next_index_++;
    if (!started_.emplace(key).second) not_run.status = "skipped", not_run.error = "the same input is listed more than once";
  }
  auto taken = [&](const std::string& n) {
    std::lock_guard lock(mu_);
    auto it = used_names_.find(name_fold(n));
    return it != used_names_.end() && it->second != key;
  };
  OutputFolder::Claim claim;
  if (!not_run.status.empty()) {
    v.name = names.front();
  } else if (folder_) {
    claim = folder_->claim(names, also, key, taken);
    v.name = claim.name, v.out_dir = claim.staging_dir;
    if (claim.status == OutputFolder::Claim::Skip)
      not_run.status = "skipped", not_run.error = claim.reason, not_run.output_dir = claim.final_dir;
    if (claim.status == OutputFolder::Claim::Refused) {
      not_run.status = "failed", not_run.error_node = "output", not_run.error_type = "runtime";
      not_run.error = claim.reason, not_run.hint = claim.hint;
      not_run.error_kind = ErrorKind::Configuration;  // an existing output: the fix is a flag
    }
  } else {
    v.name = taken(names.front()) ? names.back() : names.front();
  }
  {
    std::lock_guard lock(mu_);
    used_names_.emplace(name_fold(v.name), key);
    if (!not_run.status.empty()) {
      not_run.index = v.index, not_run.input = v.input, not_run.name = v.name;
      results_.push_back(std::move(not_run));
      return nullptr;
    }
  }
  auto state = std::make_shared<JobState>(v, config_, ids_, types_, cancel_);
  state->output = std::move(claim);
  auto ticket = std::make_shared<JobTicket>();
  ticket->state = state;
  ticket->on_done = [this, credit = std::move(credit)](JobState& s) mutable {
    finish(s);
    credit.reset();  // only now may the source start another job
  };
  return ticket;
}

// Called when the last item of a job is gone (from JobTicket's destructor: nothing may
// escape): publishes its staging folder when the job succeeded, removes it otherwise.
void JobLedger::finish(JobState& s) noexcept {
  JobResult r;
  r.index = s.video().index, r.input = s.video().input, r.name = s.video().name;
  try {
    r = s.result();
    if (folder_ && !s.output.staging_dir.empty()) {
      if (r.status == "ok" || r.status == "partial") {
        std::string hint, note;
        std::string error = folder_->publish(s.output, r.status, hint, note);
        if (!error.empty()) {
          r.status = "failed", r.error_node = "output", r.error_type = "runtime", r.error = error, r.hint = hint;
          r.error_kind = ErrorKind::Resource;  // the -o folder's disk or permissions
        } else {
          r.output_dir = s.output.final_dir;
          if (!note.empty() && options_.notice) options_.notice(note);
        }
      } else {
        folder_->discard(s.output);
      }
    }
  } catch (const std::exception& e) {
    r.status = "failed", r.error_node = "output", r.error_type = "runtime", r.output_dir.clear();
    r.error = std::string("cannot publish the outputs: ") + e.what(), r.hint = "check the -o folder";
    r.error_kind = ErrorKind::Resource;
  }
  try {
    std::lock_guard lock(mu_);
    results_.push_back(std::move(r));
  } catch (...) {  // out of memory: the result is lost, the run goes on
  }
}

void JobLedger::add_run_error(const std::string& message) {
  std::lock_guard lock(mu_);
  run_error_ = message;
}

std::string JobLedger::run_error() const {
  std::lock_guard lock(mu_);
  return run_error_;
}

std::vector<JobResult> JobLedger::take_results() {
  std::lock_guard lock(mu_);
  std::vector<JobResult> out = std::move(results_);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.index < b.index; });
  return out;
}

}  // namespace vidpipe::runtime
