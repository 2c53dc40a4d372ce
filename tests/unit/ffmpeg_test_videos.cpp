// The FrameReader tests' videos and CLI references. See ffmpeg_test_videos.hpp.
#include "ffmpeg_test_videos.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace vidpipe::test {

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

namespace {

std::string read_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

Videos::Videos() {
  dir = fs::temp_directory_path() / ("vidpipe_test_av_" + std::to_string(getpid()));
  fs::create_directories(dir);
}

Videos::~Videos() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string Videos::make(const std::string& file_name, const std::string& args) {
  const std::string out = (dir / file_name).string();
  return sh("ffmpeg -v error -y " + args + " " + out) ? out : "";
}

std::string Videos::file(const std::string& name) {
  if (auto it = path_.find(name); it != path_.end()) return it->second;
  const std::string src = "-f lavfi -i testsrc2=s=320x240:r=30:d=3";
  const std::string x264 = "-c:v libx264 -preset veryfast -bf 3 -g 48 -pix_fmt yuv420p";
  std::string out;
  if (name == "h264") {
    out = make("h264.mp4", src + " " + x264);
  } else if (name == "h264_709") {
    out = make("h264_709.mp4", src + " " + x264 + " -colorspace bt709 -color_primaries bt709 -color_trc bt709");
  } else if (name == "rot90" || name == "rot180" || name == "rot270") {
    const std::string deg = name.substr(3);
    out = make(name + ".mp4", "-i " + file("h264") + " -c copy -metadata:s:v:0 rotate=" + deg);
  } else if (name == "odd444") {
    out = make("odd444.mp4", "-f lavfi -i testsrc2=s=853x479:r=30:d=1 -c:v libx264 -preset veryfast -bf 2 "
                             "-pix_fmt yuv444p");
  } else if (name == "odd420") {  // odd 4:2:0 (VP9 allows it): the scaled swscale path, where chroma siting matters
    out = make("odd420.webm", "-f lavfi -i testsrc2=s=854x480:r=30:d=1,format=yuv420p,crop=853:479:0:0:exact=1 "
                              "-c:v libvpx-vp9 -deadline realtime -cpu-used 8");
  } else if (name == "mjpeg") {
    out = make("mjpeg.avi", src + " -c:v mjpeg -q:v 3 -pix_fmt yuvj420p");
  } else if (name == "hevc10") {
    out = make("hevc10.mkv", src + " -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error");
  } else if (name == "vp9") {
    out = make("vp9.webm", src + " -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -pix_fmt yuv420p");
  } else if (name == "audio") {
    out = make("audio.m4a", "-f lavfi -i sine=d=1 -c:a aac");
  } else if (name == "long") {  // long GOP with B-frames: 300 frames, keyframes at 0 and 250 only
    out = make("long.mp4", "-f lavfi -i testsrc2=s=320x240:r=30:d=10 -c:v libx264 -preset veryfast -bf 3 -g 250 "
                           "-sc_threshold 0 -pix_fmt yuv420p");
  } else if (name == "pts_dts") {  // a broken mux: pts overwritten with dts while B-frames reorder
    out = make("pts_dts.mkv", "-i " + file("long") + " -c copy -bsf:v setts=pts=DTS");
  } else if (name == "vfr") {
    out = make("vfr.mp4", "-f lavfi -i testsrc2=s=320x240:r=30:d=4 -vf \"setpts='if(lt(N,60),N,60+(N-60)*3)/30/TB'\" "
                          "-fps_mode passthrough -c:v libx264 -preset veryfast -bf 2 -g 40 -pix_fmt yuv420p");
  } else if (name == "mpeg4") {
    out = make("mpeg4.avi", src + " -c:v mpeg4 -q:v 4");
  } else if (name == "one" || name == "two") {
    out = make(name + ".mp4", "-f lavfi -i testsrc2=s=320x240:r=30:d=1 -frames:v " +
                                  std::string(name == "one" ? "1 " : "2 ") + x264);
  } else if (name == "fast") {
    out = make("fast.mp4", src + " -f lavfi -i sine=d=3 " + x264 + " -g 30 -c:a aac -shortest -movflags +faststart");
  } else if (name == "trunc" || name == "flip") {
    // Cut mid-stream (the header still says 90 frames), or 2000 bits flipped (fixed seed).
    std::string bytes = file("fast").empty() ? "" : read_bytes(file("fast"));
    if (!bytes.empty()) {
      if (name == "trunc") {
        bytes.resize(bytes.size() / 2);
      } else {
        std::mt19937 rng(20240531);
        std::uniform_int_distribution<std::size_t> pos(8192, bytes.size() - 1);
        for (int k = 0; k < 2000; ++k) bytes[pos(rng)] ^= static_cast<char>(1 << (rng() % 8));
      }
      out = (dir / (name + ".mp4")).string();
      std::ofstream(out, std::ios::binary) << bytes;
    }
  } else if (name == "text") {
    out = (dir / "text.mp4").string();
    std::ofstream(out) << "this is not a video\n";
  } else if (name == "empty") {
    out = (dir / "empty.mp4").string();
    std::ofstream{out};
  } else {
    FAIL("no test video named " << name);
  }
  return path_[name] = out;
}

Videos& videos() {
  static Videos v;
  return v;
}

Probed ffprobe(const std::string& v) {
  std::istringstream in(capture("ffprobe -v error -select_streams v:0 -count_packets "
                                "-show_entries stream=width,height,nb_read_packets -of csv=p=0 " + v));
  Probed p;
  char comma;
  in >> p.width >> comma >> p.height >> comma >> p.packets;
  return p;
}

std::string cli_frame(const std::string& v, int64_t i, const std::string& extra_filter) {
  return capture("ffmpeg -v error -i " + v + " -vf \"select=eq(n\\," + std::to_string(i) + ")" +
                 extra_filter + "\" -vsync 0 -frames:v 1 -f rawvideo -pix_fmt rgb24 -");
}

std::vector<FramePtr> decode(const std::string& v, const std::vector<int64_t>& idx,
                             av::ReadOptions opt, av::ReadStats* stats) {
  std::vector<FramePtr> out;
  av::FrameReader r(v);
  auto s = r.read(idx, opt, [&](FramePtr f) { out.push_back(std::move(f)); return true; });
  if (stats) *stats = s;
  return out;
}

int max_abs_diff(const FramePtr& f, const std::string& ref) {
  const std::size_t row = static_cast<std::size_t>(f->width) * 3;
  if (row * f->height != ref.size()) return 256;  // size mismatch
  int m = 0;
  for (int y = 0; y < f->height; ++y)
    for (std::size_t k = 0; k < row; ++k)
      m = std::max(m, std::abs(int(f->row(y)[k]) - int(static_cast<uint8_t>(ref[y * row + k]))));
  return m;
}

bool same_pixels(const FramePtr& a, const FramePtr& b) {
  if (a->width != b->width || a->height != b->height) return false;
  for (int y = 0; y < a->height; ++y)
    if (std::memcmp(a->row(y), b->row(y), static_cast<std::size_t>(a->width) * 3) != 0) return false;
  return true;
}

std::vector<int64_t> iota_n(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

int check_video(const std::string& name, std::vector<int64_t> idx, int rotation) {
  const std::string v = videos().file(name);
  const Probed ref = ffprobe(v);
  const vidpipe::VideoInfo info = av::probe(v);
  CHECK(info.width == ref.width);
  CHECK(info.height == ref.height);
  CHECK(info.frame_count == ref.packets);
  CHECK(info.frame_count_source == "packets");
  CHECK(info.rotation == rotation);
  CHECK(info.fps == doctest::Approx(30));
  for (auto& i : idx) if (i < 0) i += info.frame_count;
  const auto frames = decode(v, idx);
  REQUIRE(frames.size() == idx.size());
  int worst = 0;
  for (std::size_t k = 0; k < idx.size(); ++k) {
    CHECK(frames[k]->index == idx[k]);
    CHECK(frames[k]->timestamp == doctest::Approx(idx[k] / 30.0).epsilon(1e-3));
    const int w = info.sideways() ? info.height : info.width;
    CHECK(frames[k]->width == w);
    CHECK(frames[k]->stride >= w * 3);
    const int d = max_abs_diff(frames[k], cli_frame(v, idx[k]));
    INFO(name, " frame ", idx[k], " max|diff| ", d);
    worst = std::max(worst, d);
  }
  MESSAGE(name << ": max |diff| vs ffmpeg CLI = " << worst);
  return worst;
}

}  // namespace vidpipe::test
