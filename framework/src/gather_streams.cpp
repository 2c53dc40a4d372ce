#include "gather_streams.hpp"

#include <functional>

namespace vidpipe::runtime {

std::vector<bool> clip_frame_makers(const ResolvedGraph& graph) {
  std::vector<bool> makers(graph.nodes.size(), false);
  for (const auto& n : graph.nodes)
    if (n.entry->spec.shape == Shape::Gather && n.upstream >= 0) {
      const NodeSpec& up = graph.nodes[n.upstream].entry->spec;
      makers[n.upstream] = up.shape == Shape::Map && !up.inputs.empty() && up.inputs[0].type == DataType::Frame;
    }
  return makers;
}

std::vector<GatherStreams> plan_gather_streams(const ResolvedGraph& graph) {
  const auto& nodes = graph.nodes;
  std::vector<GatherStreams> out(nodes.size());
  for (std::size_t g = 0; g < nodes.size(); ++g) {
    const NodeSpec& spec = nodes[g].entry->spec;
    if (spec.shape != Shape::Gather || spec.frame_use != FrameUse::Descriptors) continue;
    GatherStreams& s = out[g];
    s.keep_pixels = false;
    std::function<void(std::size_t)> walk = [&](std::size_t from) {
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (nodes[k].upstream != static_cast<int>(from)) continue;
        const NodeSpec& below = nodes[k].entry->spec;
        if (below.frame_use == FrameUse::Stream && below.shape == Shape::Map) s.writers.push_back(static_cast<int>(k));
        else if (below.frame_use != FrameUse::Descriptors) s.keep_pixels = true;
        if (below.frame_use != FrameUse::Pixels) walk(k);
      }
    };
    walk(g);
  }
  return out;
}

std::vector<Envelope> GroupItems::take_run() {
  std::vector<Envelope> run;
  for (auto it = waiting.begin(); it != waiting.end() && it->first == next; it = waiting.erase(it), ++next)
    run.push_back(std::move(it->second));
  return run;
}

void GroupItems::hand_on(std::vector<Envelope>& run, const Data& parent, const std::vector<int>& writers,
                         const StreamGuard& guard) {
  JobState& state = *job->state;
  for (Envelope& e : run) {
    if (e.kind != Envelope::Item || state.cancelled()) continue;  // its credit goes with it
    const FramePtr* frame = std::get_if<FramePtr>(&e.data);
    if (!frame || !*frame) {
      items.push_back(std::move(e.data));
      continue;
    }
    if (!opened) {
      opened = true;
      PlanPtr plan = (*frame)->plan;
      if (auto* p = std::get_if<PlanPtr>(&parent); !plan && p) plan = *p;
      if (!plan) keep_pixels = true;  // nothing to open streams with: the writers get whole clips
      for (std::size_t w = 0; plan && w < writers.size(); ++w)
        streams.push_back(guard(writers[w], [&] { return state.node(writers[w]).open_frames(plan, state); }));
    }
    for (std::size_t w = 0; w < streams.size(); ++w)
      if (streams[w]) guard(writers[w], [&]() -> std::unique_ptr<FrameStream> { streams[w]->write(*frame); return nullptr; });
    if (keep_pixels) {
      items.push_back(std::move(e.data));
    } else {
      auto descriptor = std::make_shared<Frame>(**frame);
      descriptor->drop_pixels();
      items.push_back(FramePtr(std::move(descriptor)));
    }
  }
}

}  // namespace vidpipe::runtime
