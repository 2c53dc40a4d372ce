// Shared by the FrameReader tests (test_ffmpeg_reader.cpp: formats and seeking;
// test_ffmpeg_damage.cpp: damage and limits): test videos made with the ffmpeg CLI, and the
// CLI as the reference. Decoded frames must equal, byte for byte,
//   ffmpeg -i V -vf "select=eq(n\,I)" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -
// (the CLI counts frames in decoder output order, converts with its auto-inserted scale filter
// and autorotates).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <vidpipe/media/ffmpeg_reader.hpp>
#include "shell.hpp"

namespace vidpipe::test {

namespace av = vidpipe::av;

bool sh(const std::string& cmd);              // a shell command succeeded (output dropped)

// Test videos by name (ffmpeg_test_videos.cpp lists them), made on first use in a private
// temp folder; "" when this ffmpeg cannot make one (an encoder is missing).
class Videos {
 public:
  Videos();
  ~Videos();
  std::string file(const std::string& name);
  std::filesystem::path dir;

 private:
  std::string make(const std::string& file_name, const std::string& args);
  std::map<std::string, std::string> path_;
};
Videos& videos();

struct Probed { int width = 0, height = 0; int64_t packets = 0; };
Probed ffprobe(const std::string& v);  // width, height and packet count by ffprobe

// Frame i of `v` as the CLI decodes it (packed RGB24).
std::string cli_frame(const std::string& v, int64_t i, const std::string& extra_filter = "");

std::vector<FramePtr> decode(const std::string& v, const std::vector<int64_t>& idx,
                             av::ReadOptions opt = {}, av::ReadStats* stats = nullptr);

// Over every pixel of every row (the CLI's rows are packed, ours `stride` apart).
int max_abs_diff(const FramePtr& f, const std::string& ref);
bool same_pixels(const FramePtr& a, const FramePtr& b);
std::vector<int64_t> iota_n(int64_t n);  // 0 .. n-1

// Probes `name`, compares with ffprobe, decodes `idx` (negative = from the end) and compares
// each frame with the CLI's. Returns the largest |difference| seen.
int check_video(const std::string& name, std::vector<int64_t> idx, int rotation = 0);

template <class F>
void check_throws_naming(const std::string& input, F&& f) {
  try {
    f();
    FAIL("no vidpipe::Error for " << input);
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(input) != std::string::npos);
  }
}

}  // namespace vidpipe::test
