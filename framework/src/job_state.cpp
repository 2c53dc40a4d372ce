#include "job_state.hpp"

#include <algorithm>
#include <chrono>
#include <new>

#include <fmt/format.h>

#include "vidpipe/runtime/text.hpp"

namespace vidpipe::runtime {

JobState::JobState(VideoJob video, std::shared_ptr<const NodeSet> nodes, std::vector<std::string> node_ids,
                   std::vector<std::string> node_types, const std::atomic<bool>& cancel)
    : video_(std::move(video)),
      nodes_(std::move(nodes)),
      ids_(std::move(node_ids)),
      types_(std::move(node_types)),
      cancel_(cancel),
      busy_ns_(ids_.size()),
      start_ns_(now_ns()) {}

void JobState::note(const std::string& key, json value) {
  std::lock_guard lock(mu_);
  notes_[key] = std::move(value);
}

void JobState::keep_output(const Data& item) {
  if (!keep) return;
  std::lock_guard lock(mu_);
  output_ = item;
}

Data JobState::kept_output() const {
  std::lock_guard lock(mu_);
  return output_;
}

FrameSlabScope JobState::frame_slot(const Data& item) {
  const auto* f = std::get_if<FramePtr>(&item);
  if (!one_buffer || !f || !*f || !(*f)->plan) return {};
  const std::vector<int64_t>& picks = (*f)->plan->indices;
  const auto it = std::lower_bound(picks.begin(), picks.end(), (*f)->index);
  if (it == picks.end() || *it != (*f)->index) return {};
  std::lock_guard lock(mu_);
  if (!slab_) slab_ = std::make_shared<FrameSlab>(picks.size());
  if (slab_->frames() != picks.size()) return {};  // another plan's frame
  return FrameSlabScope(slab_, static_cast<std::size_t>(it - picks.begin()));
}

void JobState::adopt_stream(int node, int64_t seq, std::unique_ptr<FrameStream> stream) {
  std::lock_guard lock(mu_);
  streams_[{node, seq}] = std::move(stream);
}

std::unique_ptr<FrameStream> JobState::take_stream(int node, int64_t seq) {
  std::lock_guard lock(mu_);
  auto it = streams_.find({node, seq});
  if (it == streams_.end()) return nullptr;
  auto stream = std::move(it->second);
  streams_.erase(it);
  return stream;
}

void JobState::drop_streams() {
  std::map<std::pair<int, int64_t>, std::unique_ptr<FrameStream>> dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(streams_);
  }
}

json JobState::notes() const {
  std::lock_guard lock(mu_);
  return notes_;
}

// Extraction = getting frames out of the video (probe, sample, decode families); processing =
// everything after. Per-node busy seconds are included so any stage can be looked up.
json JobState::timing() const {
  double extraction = 0, processing = 0;
  json nodes = json::object();
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    double s = busy_ns_[i].load(std::memory_order_relaxed) / 1e9;
    const std::string family = types_[i].substr(0, types_[i].find('.'));
    if (family == "source") continue;
    (family == "probe" || family == "sample" || family == "decode" ? extraction : processing) += s;
    nodes[ids_[i]] = s;
  }
  return {{"extraction", extraction}, {"processing", processing}, {"total", (now_ns() - start_ns_) / 1e9}, {"nodes", nodes}};
}

void DamageReport::add(const std::string& damage) {
  std::string entry = damage;
  std::replace(entry.begin(), entry.end(), '\n', ' ');
  std::replace(entry.begin(), entry.end(), '\r', ' ');
  // The same damage reported twice (e.g. by two backends) is one.
  if (!entry.empty() && std::find(entries_.begin(), entries_.end(), entry) == entries_.end())
    entries_.push_back(std::move(entry));
}

std::string DamageReport::line() const { return join(entries_, "; "); }

void JobState::mark_partial(const std::string& damage) {
  std::lock_guard lock(mu_);
  damage_.add(damage);
}

std::string JobState::damage() const {
  std::lock_guard lock(mu_);
  return damage_.line();
}

void JobState::fail(const std::string& node, const std::string& type, const std::string& message, const std::string& hint,
                    ErrorKind kind) {
  std::lock_guard lock(mu_);
  if (failed_.load()) return;
  error_node_ = node, error_type_ = type, error_ = message, hint_ = hint, error_kind_ = kind;
  failed_after_cancel_ = cancel_.load();
  failed_.store(true);
}

void JobState::fail(const std::string& node, const std::string& type, const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return fail(node, type, e.what(), error->hint(), error->kind());
  if (dynamic_cast<const std::bad_alloc*>(&e)) return fail(node, type, e.what(), "", ErrorKind::Resource);
  fail(node, type, e.what(), "", ErrorKind::Internal);
}

JobResult JobState::result() const {
  JobResult r;
  r.index = video_.index;
  r.input = video_.input;
  r.name = video_.name;
  r.notes = notes();
  r.timing = timing();
  std::lock_guard lock(mu_);
  // A job that failed only because the run was being interrupted counts as interrupted.
  r.status = failed_ && !failed_after_cancel_ ? "failed" : cancel_ ? "interrupted" : damage_.empty() ? "ok" : "partial";
  r.error_node = error_node_, r.error_type = error_type_, r.error = error_, r.hint = hint_, r.error_kind = error_kind_;
  if (r.status == "partial") r.damage = damage_.line();
  r.frame_slab = slab_;
  return r;
}

// Inputs can be megabytes of base64: show their start only.
std::string display_input(const std::string& input) {
  if (input.size() <= 160) return input;
  return fmt::format("{}... ({} characters)", input.substr(0, 48), input.size());
}

std::string JobResult::error_line() const {
  // Node messages usually start with the input already; name it once.
  std::string what = error.rfind(input + ": ", 0) == 0 ? error.substr(input.size() + 2) : error;
  return printable(with_fix(fmt::format("{}: error in stage '{}' ({}): {}", display_input(input), error_node, error_type, what), hint));
}

std::string JobResult::damage_line() const {
  std::string what = damage.rfind(input + ": ", 0) == 0 ? damage.substr(input.size() + 2) : damage;
  return printable(fmt::format("{}: partial output from a damaged input: {}", display_input(input), what));
}

std::size_t RunReport::failed() const {
  return std::count_if(jobs.begin(), jobs.end(),
                       [](const JobResult& j) { return j.status != "ok" && j.status != "partial" && j.status != "skipped"; });
}

std::size_t RunReport::partial() const {
  return std::count_if(jobs.begin(), jobs.end(), [](const JobResult& j) { return j.status == "partial"; });
}

bool CreditPool::acquire(const std::function<bool()>& stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stop()) return false;  // checked first: a freed credit must not outrun a cancel
    if (free_ > 0) break;
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  --free_;
  return true;
}

void CreditPool::release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

}  // namespace vidpipe::runtime
