// The analysis pass of analyze.scenes (docs/sampling.md §7): every frame of a video decoded once,
// cheaply, into a few numbers per frame from which every scene detector works. The signals are
// plain JSON (`to_json` / `from_json`) so they can be stored and re-thresholded without decoding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>

#include <vidpipe/media/ffmpeg_reader.hpp>

namespace vidpipe::analyze {

struct Signals {
  int width = 0, height = 0;   // the size the frames were scored at
  double fps = 0;
  // One value per frame in decoder-output order; frame 0 has no predecessor (0).
  std::vector<float> content;    // mean |delta| of H, S and V (8-bit, H 0..179) against the previous frame
  std::vector<float> intensity;  // mean of the 8-bit R, G, B values (fades through black)
  std::vector<float> hash;       // pHash Hamming distance / 64 against the previous frame
  std::vector<float> scdet;      // FFmpeg scdet's score (0..100); empty in a version-1 analysis
  // back[t][k]: the content score between frame t and frame t-2-k (k = 0..2), for the flash
  // filter: a frame that looks like the one before a 1-3-frame burst ends the burst.
  std::vector<std::array<float, 3>> back;
  std::vector<int64_t> damaged;  // frames the decoder flagged as damaged
  int64_t frames() const { return static_cast<int64_t>(content.size()); }
};

json to_json(const Signals& s);
Signals from_json(const json& j);

struct AnalyzeOptions {
  int max_side = 256;               // frames are scored with their longer side at most this
  int64_t max_frames = 2'000'000;   // a longer video is refused (memory stays ~20 bytes a frame)
  int threads = 0;                  // decoder threads, 0 = FFmpeg's choice (one per core, and one)
  av::InputOptions input;           // how the input may be read (the node's input parameters)
};

// Decodes every frame of the probed video (skipping the loop filter, downscaling the decoder's YUV
// before the one colour conversion) and scores it. An http(s), base64 or stdin input is read from the bytes the
// prober fetched (VideoInfo::bytes), never fetched again. Throws vidpipe::Error naming the input.
Signals analyze(const VideoInfo& info, const AnalyzeOptions& opt);

}  // namespace vidpipe::analyze
