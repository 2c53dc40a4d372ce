// An embeddable session: a graph made ready once, then fed inputs many times.
//
//   NodeRegistry registry;                       // outlives the session
//   registry.load_dirs(plugin_search_path({}));
//   Session session(resolve_graph(parse_graph_file(graphs_dir() + "/qwen2_5_vl.yaml"), registry, {}));
//   std::future<Result> f = session.submit("a.mp4", {.overrides = {{"nframes", 8}}});
//   Result r = f.get();                          // r.clip()->frames, ->plan, ->tokens; r.job.notes
//
// Construction builds the node instances (a node refusing its parameters throws GraphError),
// the TBB arena and its threads, and the flow graph; they serve every job until the session is
// destroyed. submit() may be called from any thread, concurrently; jobs wait in a queue and
// start while fewer than max_jobs_in_flight run (settings), in submission order. The graph's
// Source node (the implicit `input`) is not run: each submit is one job in its place.
//
// A job writes files only when it has an output folder (SessionOptions::output_dir or
// SubmitOptions::output_dir), under the -o rules of docs/outputs.md (staging, publishing,
// never replacing what vidpipe did not write). With or without files, its Result can hold the
// graph's output in memory: the Clip with its frames, plan, tokens and notes.
//
// Cancellation belongs to the session: request_cancel() (async-signal-safe) stops starting
// jobs and tells running ones to stop; cancel() also waits until no node call runs and every
// future is resolved. Jobs cancelled while running end "interrupted", queued ones "not started";
// a cancelled session starts nothing more (later submits resolve "not started" at once).
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/profiler.hpp"

namespace vidpipe::runtime {

struct SessionOptions {
  std::string output_dir;  // default folder for jobs' outputs (one sub-folder each); "" = none
  ExistingOutput existing = ExistingOutput::Refuse;
  bool hashed_names = false;  // as RunOptions::hashed_names
  bool trace = false;         // keep trace events for profiler().write_trace()
  std::function<void(const std::string&)> notice;  // e.g. stale staging folders removed
};

struct SubmitOptions {
  // Per-input parameters, a layer above the graph and --set for this job only:
  // {"fps": 1.0, "nframes": 8, "max_pixels": 200704, "video_start": 2.5, "resize.mode": "fast"}.
  // A bare name sets that parameter on every node working on the clip that declares it;
  // "node.param" sets one node's. Unknown keys and bad values: submit() throws vidpipe::Error.
  json overrides = json::object();
  std::optional<std::string> output_dir;  // this job's folder root, instead of the session's ("" = none)
  std::string name;                       // output folder name; default: the input's stem
  // Hold the graph's output (the clip) in the Result.
  bool keep_output = true;
  // ... with its frames' pixels. Without them, the frames are descriptors (index, timestamp,
  // size: sdk data.hpp) and a graph whose writers stream holds only a few frames at a time
  // (README.md: Writers stream), as when the output is not kept.
  bool keep_pixels = true;
  // ... made in one buffer (sdk frame_slab.hpp), so the clip can be viewed as one T x H x W x C
  // array: Result::job.frame_slab, complete when every final frame was made in it (not when
  // the last frame-making node passed a frame through unchanged).
  bool one_buffer = false;
};

struct Result {
  JobResult job;  // status ok / partial / failed / interrupted / not started / skipped, error, notes
  Data output;    // what the graph's last node emitted (kept, and the job ok or partial)
  ClipPtr clip() const;  // output as a Clip, or nullptr
  bool usable() const { return job.status == "ok" || job.status == "partial"; }
  bool cancelled() const { return job.status == "interrupted" || job.status == "not started"; }
};

class Session {
 public:
  // The graph is copied; the registry it was resolved with must outlive the session.
  explicit Session(const ResolvedGraph& graph, SessionOptions options = {});
  ~Session();  // cancel(), then the threads end
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Queues one input. Throws vidpipe::Error for bad overrides or an unusable output folder.
  std::future<Result> submit(std::string input, SubmitOptions options = {});

  void request_cancel() noexcept;  // async-signal-safe: one atomic store
  void cancel();                   // request_cancel(), then wait for the session to be idle
  bool cancel_requested() const noexcept;
  void wait_idle();                // until every submitted job is resolved
  // Until every submitted job has left the queue (started, or resolved). A producer calling it
  // after each submit() keeps at most max_jobs_in_flight + 1 jobs out, as a Source's emit() did.
  void wait_started();

  // Runs the graph's own Source node once (e.g. source.inputs with the inputs the graph was
  // resolved with); each job it emits is handed to `on_job`, which returns false to stop it.
  // Throws what the source threw.
  void run_source(const std::function<bool(VideoJob)>& on_job);

  const ResolvedGraph& graph() const;
  std::shared_ptr<Profiler> profiler() const;  // every node call of the session
  double wall_s() const;                       // seconds since construction

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidpipe::runtime
