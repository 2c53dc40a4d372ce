// Which writers stream the frames a gather collects, and whether the gather must keep their
// pixels (sdk node.hpp: FrameUse). Decided once per graph, from the contracts.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "job_state.hpp"
#include "vidpipe/runtime/graph.hpp"

namespace vidpipe::runtime {

struct GatherStreams {
  std::vector<int> writers;  // FrameUse::Stream nodes below the gather, reached through nodes that hand frames on
  bool keep_pixels = true;   // some node below reads pixels when the clip arrives
};

// One entry per node of the graph (meaningful for Gather nodes). A gather streams when it hands
// its frames on unchanged (FrameUse::Descriptors); below it, Descriptors nodes pass the frames
// on, Stream nodes (maps) take them one by one, and any other node needs the pixels.
std::vector<GatherStreams> plan_gather_streams(const ResolvedGraph& graph);

// One entry per node: a Map node on frames that feeds a gather, i.e. makes a clip's final
// frames (the node whose calls get a FrameSlabScope: JobState::frame_slot).
std::vector<bool> clip_frame_makers(const ResolvedGraph& graph);

// Runs a writer's stream call (open, write) for a job, failing the job in that writer's name
// when it throws; returns what the call returned (a stream, or nullptr).
using StreamGuard = std::function<std::unique_ptr<FrameStream>(int writer, const std::function<std::unique_ptr<FrameStream>()>&)>;

// One expander call's items inside a gather. Items arrive in any order; they are handed on in
// sequence order by one thread at a time (the drainer): written to the writers' streams (opened
// at the first frame), then kept for collect(), as descriptors unless `keep_pixels`.
struct GroupItems {
  std::shared_ptr<JobTicket> job;       // first, so released last: the job completes after its streams
  std::map<int64_t, Envelope> waiting;  // arrived ahead of their turn, holding their credits
  int64_t next = 0, end = -1;           // next sequence number to hand on; the End's count
  bool draining = false;                // a thread is handing items on
  bool opened = false, keep_pixels = false;
  std::vector<Data> items;              // handed on, in order
  std::vector<std::unique_ptr<FrameStream>> streams;  // one per GatherStreams::writers (or none)

  // Under the gather's lock: the items whose turn it is, in order (empty when none).
  std::vector<Envelope> take_run();
  bool complete() const { return end >= 0 && next >= end; }
  // By the drainer, without the lock. `parent`: the expander's input (the plan, when frames
  // carry none).
  void hand_on(std::vector<Envelope>& run, const Data& parent, const std::vector<int>& writers, const StreamGuard& guard);
};

}  // namespace vidpipe::runtime
