// Chat messages through a session (see messages.hpp).
#include "vidpipe/runtime/messages.hpp"

#include <fmt/format.h>

namespace vidpipe::runtime {

namespace {

std::string repeat(const std::string& s, int64_t n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) out += s;
  return out;
}

// The model's text for the element, when the tokens node is a Qwen one (docs/qwen-reference.md §6.5, §6.6).
json prompt(const TokenInfo& t, bool image) {
  const std::string pad = image ? "<|image_pad|>" : "<|video_pad|>";
  auto block = [&](int64_t n) { return "<|vision_start|>" + repeat(pad, n) + "<|vision_end|>"; };
  if (t.extra.contains("timestamp_texts") && !image) {  // Qwen3: one block per temporal group
    const int64_t per_group = t.extra.value("tokens_per_temporal_group", int64_t{0});
    std::string out;
    for (const auto& ts : t.extra["timestamp_texts"]) out += ts.get<std::string>() + block(per_group);
    return out;
  }
  if (t.extra.contains("prompt") || t.extra.contains("timestamp_texts")) return block(t.total_tokens);
  return nullptr;  // another model's tokens: no Qwen placeholder
}

std::string where(const ElementJob& job) {
  return fmt::format("element {} (messages[{}].content[{}])", job.index, job.at.message, job.at.content);
}

}  // namespace

std::vector<ElementJob> submit_messages(Session& session, const json& messages, const SubmitOptions& options) {
  std::vector<ElementJob> jobs;
  for (const VisionElement& at : vision_elements(messages)) {
    ElementJob job;
    job.index = jobs.size();
    job.at = at;
    try {
      job.request = parse_video_request(messages[at.message]["content"][at.content], where(job));
      SubmitOptions o = options;
      o.name = fmt::format("element_{}", job.index);
      if (job.request.kind == VideoRequest::Kind::Image) {
        o.overrides = image_overrides(session.graph(), job.request.overrides);
      } else {  // the element's keys over the caller's defaults; its fps or nframes replaces the other
        for (const char* k : {"fps", "nframes"})
          if (job.request.overrides.contains(k)) o.overrides.erase(std::string(k) == "fps" ? "nframes" : "fps");
        o.overrides.update(job.request.overrides);
      }
      // An image is a frame list of itself twice (video_request.hpp: image_overrides).
      const std::string input = job.request.kind == VideoRequest::Kind::Image
                                    ? json_text(json::array({job.request.input, job.request.input}))
                                    : job.request.input;
      try {
        job.result = session.submit(input, std::move(o)).share();
      } catch (const Error& e) {
        throw Error(where(job) + ": " + e.what(), e.hint(), e.kind());
      }
    } catch (const Error& e) {
      job.error = e.what(), job.hint = e.hint(), job.kind = e.kind();
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

json element_summary(const ElementJob& job) {
  if (!job.result) return {{"status", "failed"}, {"error", job.error}, {"hint", job.hint}, {"kind", to_string(job.kind)}};
  const Result& r = job.result->get();
  if (!r.usable()) {
    const JobResult& j = r.job;
    return {{"status", j.status},
            {"error", where(job) + ": " + (j.error.empty() ? j.status : j.error_line())},
            {"hint", j.hint},
            {"kind", to_string(r.cancelled() ? ErrorKind::Resource : j.error_kind)}};
  }
  json s = {{"status", r.job.status}};
  if (!r.job.output_dir.empty()) s["output"] = r.job.output_dir;
  const ClipPtr clip = r.clip();
  if (!clip) return s;
  s["frames"] = clip->frames.size();
  if (!clip->frames.empty()) s["resized_height"] = clip->frames[0]->height, s["resized_width"] = clip->frames[0]->width;
  if (clip->plan) s["sample_fps"] = clip->plan->sample_fps;
  if (clip->tokens) {
    s["grid_thw"] = clip->tokens->grid_thw;
    s["tokens"] = clip->tokens->total_tokens;
    if (json p = prompt(*clip->tokens, job.request.kind == VideoRequest::Kind::Image); !p.is_null()) s["prompt"] = p;
  }
  if (!r.job.damage.empty()) s["damage"] = r.job.damage;
  return s;
}

json resolve_messages(json messages, const std::vector<ElementJob>& jobs) {
  for (const ElementJob& j : jobs) messages[j.at.message]["content"][j.at.content]["vidpipe"] = element_summary(j);
  return messages;
}

}  // namespace vidpipe::runtime
