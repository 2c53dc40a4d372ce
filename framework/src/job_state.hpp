// Executor internals: per-job state, credits (the in-flight bound) and the envelope that
// travels on every TBB edge.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "job_params.hpp"
#include "output_folder.hpp"
#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/sdk/frame_slab.hpp"
#include "vidpipe/sdk/node.hpp"

namespace vidpipe::runtime {

// What nodes see as `Job&`, plus the executor's bookkeeping for one input.
class JobState final : public Job {
 public:
  // `nodes`: the instances this job runs with (its parameters); `cancel`: its session's flag.
  JobState(VideoJob video, std::shared_ptr<const NodeSet> nodes, std::vector<std::string> node_ids,
           std::vector<std::string> node_types, const std::atomic<bool>& cancel);

  const VideoJob& video() const override { return video_; }
  void note(const std::string& key, json value) override;
  json notes() const override;
  const json& config() const override { return nodes_->config; }
  json timing() const override;
  bool cancelled() const override { return failed_.load(std::memory_order_relaxed) || cancel_.load(std::memory_order_relaxed); }
  void mark_partial(const std::string& damage) override;
  std::string damage() const override;

  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // First failure wins; later ones (knock-on effects) are ignored.
  void fail(const std::string& node, const std::string& type, const std::string& message, const std::string& hint,
            ErrorKind kind = ErrorKind::Internal);
  // Records what a node call threw: a vidpipe::Error with its hint and kind, anything else as
  // internal (out of memory as resource).
  void fail(const std::string& node, const std::string& type, const std::exception& e);
  void add_busy(int node, int64_t ns) { busy_ns_[node].fetch_add(ns, std::memory_order_relaxed); }
  JobResult result() const;
  Node& node(int i) const { return *nodes_->nodes[i]; }
  // The graph's output for this job: an item emitted on a port no node consumes (the clip).
  void keep_output(const Data& item);
  Data kept_output() const;
  bool keep = false;  // keep_output() keeps items (the caller wants the clip in memory)
  bool keep_pixels = false;  // ... with its frames' pixels (gathers that stream keep them)
  bool one_buffer = false;   // ... made in one FrameSlab (SubmitOptions::one_buffer)
  // Where the node making the clip's final frames puts the frame `item` is made from: its
  // slot in the job's slab (created at the first frame, sized by the plan); none without
  // one_buffer or for an item that is not a planned frame.
  FrameSlabScope frame_slot(const Data& item);
  // Frame streams a gather opened for writer nodes (FrameUse::Stream), held from the end of the
  // group until its clip reaches the writer (`seq`: the clip's sequence number).
  void adopt_stream(int node, int64_t seq, std::unique_ptr<FrameStream> stream);
  std::unique_ptr<FrameStream> take_stream(int node, int64_t seq);
  void drop_streams();  // unclosed streams leave nothing (OutputFile): before the job completes

  OutputFolder::Claim output;  // the job's output folder (with -o)

 private:
  VideoJob video_;
  std::shared_ptr<const NodeSet> nodes_;
  std::vector<std::string> ids_, types_;
  const std::atomic<bool>& cancel_;
  std::vector<std::atomic<int64_t>> busy_ns_;
  int64_t start_ns_;
  std::atomic<bool> failed_{false};
  bool failed_after_cancel_ = false;  // the error came after Ctrl-C (e.g. interrupted I/O)
  mutable std::mutex mu_;
  json notes_ = json::object();
  std::string error_node_, error_type_, error_, hint_;
  ErrorKind error_kind_ = ErrorKind::Internal;
  DamageReport damage_;  // what mark_partial() reported
  Data output_;
  std::shared_ptr<FrameSlab> slab_;
  std::map<std::pair<int, int64_t>, std::unique_ptr<FrameStream>> streams_;
};

// Alive while any item of the job is; its destructor is the job's completion event.
struct JobTicket {
  std::shared_ptr<JobState> state;
  std::function<void(JobState&)> on_done;  // must not throw
  ~JobTicket() {
    state->drop_streams();
    if (on_done) on_done(*state);
  }
};

// Counting semaphore for items in flight. acquire() polls `stop` so a cancelled run or a failed
// job never leaves a producer waiting.
class CreditPool {
 public:
  explicit CreditPool(int capacity) : free_(capacity) {}
  bool acquire(const std::function<bool()>& stop);
  void release();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

struct Credit {
  CreditPool* pool;
  ~Credit() { pool->release(); }
};

// The items of one expander call, for the gather downstream.
struct Group {
  uint64_t id;
  Data parent;         // the expander's input item
  int64_t parent_seq;  // its sequence number
};

struct Envelope {
  // Item: data. Dropped: an item of a group that a node dropped or failed on (the gather counts
  // it). End: closes a group; seq = number of items the expander emitted.
  enum Kind : uint8_t { Item, Dropped, End };
  // First, so destroyed last: the job completes (its result is handed out) only after the
  // item and its credit are gone.
  std::shared_ptr<JobTicket> job;
  Kind kind = Item;
  Data data;
  std::shared_ptr<Credit> credit;
  std::shared_ptr<const Group> group;
  int64_t seq = 0;        // position within the group (End: number of items in the group)
  int64_t t_emit_ns = 0;  // for wait-time profiling
};

}  // namespace vidpipe::runtime
