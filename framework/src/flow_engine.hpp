// The TBB flow graph of a session, built once and fed jobs until the session ends.
//
// Mapping of shapes to TBB nodes:
//   Map, Gather      multifunction_node (TBB workers; concurrency from the contract/YAML)
//   Expand           async_node: the body runs on the engine's blocking-work threads, so a
//                    decoder may block on I/O or on backpressure without starving TBB workers
//   Source           not a TBB node: the session injects each started job into the nodes the
//                    source feeds (Session::run_source runs a graph's own source)
// Memory bound: every item an expander emits holds a credit until it retires (is dropped, or
// is handed on in order by the Gather that collects it); emit() waits while `max_in_flight`
// credits are out. A gather hands items on as they become contiguous: to the writers that
// stream (sdk node.hpp: FrameUse), then into the group, without pixels when no node below and
// no caller needs them (gather_streams.hpp), so a streamed clip costs descriptors only.
// Errors: a node that throws fails that job (node id, type, message, hint); its other items are
// dropped or counted as failed so gathers never wait forever; the other jobs go on.
// Each call runs the instance of the job's NodeSet (job_params.hpp), so per-input parameters
// need no change to the graph.
#pragma once

#include <memory>

#include "job_state.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/profiler.hpp"

namespace vidpipe::runtime {

class FlowEngine {
 public:
  // Builds the arena (settings.threads), the blocking threads and the flow graph. `graph`
  // must have one Source node and outlive the engine.
  FlowEngine(const ResolvedGraph& graph, std::shared_ptr<Profiler> profiler);
  // The caller has let every job finish (cancelled and drained) first.
  ~FlowEngine();

  // Sends a started job to the nodes its graph's source feeds.
  void inject(const std::shared_ptr<JobTicket>& job);
  int source() const;  // index of the Source node

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidpipe::runtime
