// The detectors of analyze.scenes (detect.hpp, docs/sampling.md §7).
#include "detect.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <vidpipe/sdk/error.hpp>

namespace vidpipe::analyze {
namespace {

// A frame whose difference from its predecessor starts or ends a burst of 1-3 frames that returns
// to what came before (a flash, a corrupt frame) is not a cut: it starts one when a frame 1-3
// later is much closer to the frame before it than the jump at t was, it ends one when it is that
// close to a frame 2-4 back. After a real cut the new picture stays, so neither holds.
bool in_flash(const Signals& s, int64_t t) {
  const double close = 0.5 * s.content[t];
  for (int k = 0; k < 3; ++k) {
    if (s.back[t][k] < close) return true;                         // t ends a burst of k+1 frames
    const int64_t ret = t + 1 + k;                                 // t starts one: frame t+1+k ...
    if (ret < s.frames() && s.back[ret][k] < close) return true;  // ... is like frame t-1
  }
  return false;
}

std::vector<Fade> find_fades(const Signals& s, double level) {
  std::vector<Fade> fades;
  int64_t dark_from = -1;
  for (int64_t t = 0; t <= s.frames(); ++t) {
    const bool dark = t < s.frames() && s.intensity[t] < level;
    if (dark && dark_from < 0) dark_from = t;
    if (!dark && dark_from >= 0) {
      // A dark start or end of the video is not a transition between two scenes.
      if (dark_from > 0 && t < s.frames()) fades.push_back({dark_from, t - 1, (dark_from + t) / 2});
      dark_from = -1;
    }
  }
  return fades;
}

}  // namespace

double default_threshold(const std::string& detector) {
  if (detector == "content") return 27;
  if (detector == "adaptive") return 3;
  if (detector == "threshold") return 12;
  if (detector == "hash") return 0.35;
  if (detector == "scdet") return 10;
  throw Error("analyze.scenes: unknown detector '" + detector + "'",
              "use adaptive, content, threshold, hash or scdet");
}

std::vector<float> adaptive_ratio(const Signals& s, int window, double min_content) {
  std::vector<float> ratio(s.content.size(), 0.f);
  for (int64_t t = 1; t < s.frames(); ++t) {
    double sum = 0;
    int n = 0;
    for (int64_t j = t - window; j <= t + window; ++j)
      if (j != t && j >= 1 && j < s.frames()) sum += s.content[j], ++n;
    const double mean = n ? sum / n : 0;
    if (mean < 1e-5) ratio[t] = s.content[t] >= min_content ? 255.f : 0.f;
    else ratio[t] = static_cast<float>(std::min(255.0, s.content[t] / mean));
  }
  return ratio;
}

Detection detect(const Signals& s, const DetectOptions& opt) {
  const double threshold = opt.threshold > 0 ? opt.threshold : default_threshold(opt.detector);
  if (opt.detector == "scdet" && static_cast<int64_t>(s.scdet.size()) != s.frames())
    throw Error("analyze.scenes: the stored analysis has no scdet score (analysis version 1)",
                "run the analysis again, or use another detector");
  Detection d;
  d.fades = find_fades(s, opt.detector == "threshold" ? threshold : opt.fade_level);
  std::vector<Cut> candidates;
  if (opt.detector == "threshold") {
    for (const Fade& f : d.fades) candidates.push_back({f.cut, s.intensity[f.start]});
  } else {
    const std::vector<float> ratio =
        opt.detector == "adaptive" ? adaptive_ratio(s, opt.window, opt.min_content) : std::vector<float>{};
    for (int64_t t = 1; t < s.frames(); ++t) {
      double score = 0;
      bool fire = false;
      if (opt.detector == "content") score = s.content[t], fire = score >= threshold;
      else if (opt.detector == "hash") score = s.hash[t], fire = score >= threshold;
      else if (opt.detector == "scdet") score = s.scdet[t], fire = score > threshold;  // strictly, as FFmpeg
      else score = ratio[t], fire = score >= threshold && s.content[t] >= opt.min_content;
      if (fire && !in_flash(s, t)) candidates.push_back({t, score});
    }
    // A fade through black is one transition: the cuts the content jumps make inside it give way
    // to its middle.
    for (const Fade& f : d.fades) {
      std::erase_if(candidates, [&](const Cut& c) {
        return c.frame >= f.start - opt.min_scene_len && c.frame <= f.end + opt.min_scene_len;
      });
      candidates.push_back({f.cut, 0});
    }
    std::sort(candidates.begin(), candidates.end(), [](const Cut& a, const Cut& b) { return a.frame < b.frame; });
  }
  int64_t last = 0;
  for (const Cut& c : candidates)
    if (c.frame - last >= opt.min_scene_len) d.cuts.push_back(c), last = c.frame;
  return d;
}

json scenes_json(const Detection& d, int64_t frames, double fps, const std::vector<double>& times,
                 const DetectOptions& opt) {
  auto time_of = [&](int64_t f) {
    if (static_cast<int64_t>(times.size()) == frames) {
      if (f < frames) return times[f];
      return frames > 1 ? 2 * times[frames - 1] - times[frames - 2] : times.back() + (fps > 0 ? 1 / fps : 0);
    }
    return fps > 0 ? static_cast<double>(f) / fps : 0.0;
  };
  json cuts = json::array(), scenes = json::array(), fades = json::array();
  for (const Cut& c : d.cuts) cuts.push_back({{"frame", c.frame}, {"time", time_of(c.frame)}, {"score", c.score}});
  int64_t start = 0;
  for (std::size_t i = 0; i <= d.cuts.size(); ++i) {
    const int64_t next = i < d.cuts.size() ? d.cuts[i].frame : frames;
    scenes.push_back({{"start_frame", start}, {"end_frame", next - 1},
                      {"start_time", time_of(start)}, {"end_time", time_of(next)}});
    start = next;
  }
  for (const Fade& f : d.fades)
    fades.push_back({{"start_frame", f.start}, {"end_frame", f.end}, {"frame", f.cut},
                     {"start_time", time_of(f.start)}, {"end_time", time_of(f.end + 1)}});
  return {{"detector", opt.detector},
          {"threshold", opt.threshold > 0 ? opt.threshold : default_threshold(opt.detector)},
          {"min_scene_len", opt.min_scene_len},
          {"frames", frames},
          {"cuts", cuts},
          {"scenes", scenes},
          {"fades", fades}};
}

}  // namespace vidpipe::analyze
