// One-shot runs of a graph: the jobs its Source node emits (source.inputs: the command line's
// inputs), run through a Session (session.hpp) and reported together, in input order.
// Memory bound: items a decoder emits hold a credit until they retire, so in-flight frames
// ≤ max_frames_in_flight per expander, and videos in flight ≤ max_jobs_in_flight, whatever the
// length of a video or of the batch (the TBB mapping: src/flow_engine.hpp).
// Errors: a node that throws fails that job (node id, type, message, hint); the other jobs go on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/profiler.hpp"
#include "vidpipe/sdk/frame_slab.hpp"

namespace vidpipe::runtime {

struct JobResult {
  std::size_t index = 0;
  std::string input, name;
  // "ok", "partial" (outputs written from a damaged input: see `damage`), "failed",
  // "skipped" (--skip-existing, or the same input listed twice),
  // "interrupted" (cancelled while running), "not started" (cancelled before it started)
  std::string status;
  std::string error_node, error_type, error, hint;
  ErrorKind error_kind = ErrorKind::Internal;  // failed: whose fix it is (sdk/error.hpp)
  std::string damage;      // partial: what Job::mark_partial() reported, one line
  std::string output_dir;  // final folder ("" without -o or on failure)
  json notes = json::object();
  json timing = json::object();
  // The buffer the kept clip's frames were made in (SubmitOptions::one_buffer), or null.
  std::shared_ptr<const FrameSlab> frame_slab;
  std::string error_line() const;   // "input: stage 'decode' (decode.ffmpeg): message — hint"
  std::string damage_line() const;  // "input: partial output from a damaged input: damage"
};

// What a job reported through Job::mark_partial(), as the one line JobResult::damage holds: each
// report once (compared whole, after line breaks became spaces), in order, joined with "; ".
// Not synchronised: its owner locks.
class DamageReport {
 public:
  void add(const std::string& damage);
  std::string line() const;
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<std::string> entries_;
};

// An input as shown in messages: long inputs (base64) are cut to their start.
std::string display_input(const std::string& input);

// What to do when an input's output folder already holds a complete output of that input
// (output_folder.hpp): refuse (the job fails, naming it), overwrite, or skip the input.
enum class ExistingOutput : uint8_t { Refuse, Overwrite, Skip };

struct RunOptions {
  std::string output_dir;    // -o: one folder per input below it; empty = write nothing
  bool trace = false;        // keep trace events for write_trace()
  ExistingOutput existing = ExistingOutput::Refuse;
  // Name every output folder `<stem>-<hash of the input>`: the same in every run and shard
  // (by default the stem alone, hashed only where inputs share a stem).
  bool hashed_names = false;
  // Things the user should know as they happen (e.g. stale staging folders removed).
  std::function<void(const std::string&)> notice;
};

struct RunReport {
  std::vector<JobResult> jobs;  // one per job the source started, in input order
  std::string run_error;        // a failure outside any job (e.g. a source that threw)
  bool interrupted = false;
  double wall_s = 0;
  std::shared_ptr<Profiler> profiler;
  std::size_t failed() const;   // jobs not ok and not partial (failed, interrupted ...)
  std::size_t partial() const;
};

class Session;

class Executor {
 public:
  explicit Executor(const ResolvedGraph& graph);
  ~Executor();
  // Builds a Session (node constructors may reject parameters: GraphError with the node's
  // location), runs the graph's source to completion and returns one result per job it
  // started (an input it emits twice is "skipped").
  RunReport run(const RunOptions& options);
  // Safe from a signal handler and any thread: stops the source, the decoders and the jobs of
  // this executor's run (the current one, or the next); running node calls finish.
  void request_cancel() noexcept;
  bool cancel_requested() const noexcept;

 private:
  const ResolvedGraph& graph_;
  std::atomic<bool> cancel_{false};
  std::atomic<Session*> session_{nullptr};
};

}  // namespace vidpipe::runtime
