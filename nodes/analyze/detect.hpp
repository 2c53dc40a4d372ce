// Scene detectors over the analysis signals (signals.hpp); pure functions, so a stored analysis
// can be re-thresholded without decoding (docs/sampling.md §7).
#pragma once

#include <string>
#include <vector>

#include "signals.hpp"

namespace vidpipe::analyze {

struct DetectOptions {
  std::string detector = "adaptive";  // adaptive | content | threshold | hash | scdet
  double threshold = 0;               // 0: the detector's default (default_threshold)
  int64_t min_scene_len = 15;         // frames from one cut (or the start) to the next
  double min_content = 15;            // adaptive: the content score a cut needs as well
  int window = 2;                     // adaptive: frames each side
  double fade_level = 12;             // threshold / fades: mean intensity below it is dark
};

double default_threshold(const std::string& detector);

struct Cut {
  int64_t frame = 0;  // first frame of the new scene, decoder-output order
  double score = 0;   // the detector's score there
};
struct Fade {
  int64_t start = 0, end = 0;  // first and last dark frame
  int64_t cut = 0;             // where the scene changes: the middle of the dark span
};
struct Detection {
  std::vector<Cut> cuts;
  std::vector<Fade> fades;
};

// The adaptive ratio of every frame (content score / mean of its `window` neighbours each side).
std::vector<float> adaptive_ratio(const Signals& s, int window, double min_content);

Detection detect(const Signals& s, const DetectOptions& opt);

// The JSON `vidpipe scenes` prints and VideoInfo::extra["scenes"] holds: cuts, scenes, fades,
// with times from `times` (one per frame; else frame / fps).
json scenes_json(const Detection& d, int64_t frames, double fps, const std::vector<double>& times,
                 const DetectOptions& opt);

}  // namespace vidpipe::analyze
