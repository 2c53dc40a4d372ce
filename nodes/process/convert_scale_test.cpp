// process.convert_scale alone (NodeRunner), fed planar frames made of the bytes the ffmpeg CLI
// decodes (`-f rawvideo` in the stream's own pixel format, i.e. what a decoder hands over with
// pixel_format: native). References are the built CLI's graphs on the same video:
//   fast  == graphs/qwen2_5_vl_fast.yaml's frames (this node after decode.auto pixel_format:
//            native), byte for byte: the decoder's planes are the CLI's raw bytes
//   exact == graphs/qwen2_5_vl.yaml's frames (CLI conversion, then the exact resize), byte for byte
// for 8-bit 4:2:0 (shrunk and enlarged), 4:2:2 full range, 4:4:4, 10-bit and a rotated file.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <vidpipe/testing.hpp>

#include "shell.hpp"
#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

const std::string kBuild = VIDPIPE_BUILD_DIR, kSource = VIDPIPE_SOURCE_DIR;

bool sh(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

struct Npy {
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

// A uint8 .npy file (format.npy writes version 1 headers).
Npy read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 10);
  const std::size_t header = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  const std::string dict = bytes.substr(10, header);
  REQUIRE(dict.find("'|u1'") != std::string::npos);
  Npy n;
  for (std::size_t p = dict.find('(', dict.find("'shape'")) + 1; dict[p] != ')';) {
    std::size_t used = 0;
    n.shape.push_back(std::stoll(dict.substr(p), &used));
    p += used;
    while (dict[p] == ',' || dict[p] == ' ') ++p;
  }
  n.data.assign(bytes.begin() + 10 + header, bytes.end());
  return n;
}

struct Case {
  const char* name;
  const char* codec;       // ffmpeg encoder arguments
  const char* size;
  const char* raw_format;  // the stream's pixel format as the CLI writes it raw
  PixelFormat format;
  const char* sets;        // --set for both graphs (max_pixels of the planning / resize node)
  const char* rotate = "";  // display rotation tag, set by a remux
  Orient orient = Orient::None;
};

std::string ffprobe_value(const std::string& video, const std::string& entry) {
  std::string v = test::capture("ffprobe -v error -select_streams v:0 -show_entries stream=" + entry +
                                " -of csv=p=0 '" + video + "'");
  while (!v.empty() && (v.back() == '\n' || v.back() == ',')) v.pop_back();
  return v;
}

// The decoded frames of `video` as planar Frames (what a native decoder hands over), with the
// plan of `frames` (T, 3, H, W): one plan of T frames resized to H x W.
std::vector<FramePtr> planar_frames(const std::string& video, const Case& c, const Npy& frames) {
  auto plan = std::make_shared<SamplePlan>();
  for (int64_t i = 0; i < frames.shape[0]; ++i) plan->indices.push_back(i);
  plan->resize = PlannedSize{static_cast<int>(frames.shape[2]), static_cast<int>(frames.shape[3])};
  const std::string raw = test::capture("ffmpeg -v error -autorotate 0 -i '" + video + "' -f rawvideo -pix_fmt " +
                                        c.raw_format + " -");
  const std::string range = ffprobe_value(video, "color_range"), space = ffprobe_value(video, "color_space");
  const int w = std::stoi(ffprobe_value(video, "width")), h = std::stoi(ffprobe_value(video, "height"));
  std::vector<FramePtr> out;
  std::size_t at = 0;
  for (int64_t i = 0; i < frames.shape[0]; ++i) {
    FrameBuffer fb = make_planar_frame(w, h, c.format);
    Frame& f = *fb.frame;
    for (int p = 0; p < f.plane_count(); ++p) {
      const std::size_t row = static_cast<std::size_t>(f.plane_width(p)) * bytes_per_sample(c.format);
      for (int y = 0; y < f.plane_height(p); ++y, at += row) {
        REQUIRE(at + row <= raw.size());
        std::memcpy(const_cast<uint8_t*>(f.planes[p]) + static_cast<std::size_t>(y) * f.strides[p], raw.data() + at, row);
      }
    }
    f.index = i;
    f.plan = plan;
    f.orient = c.orient;
    f.color.range = range == "tv" ? 1 : range == "pc" ? 2 : 0;
    f.color.matrix = space == "bt709" ? 1 : space == "bt470bg" ? 5 : space == "smpte170m" ? 6 : 2;
    out.push_back(fb.frame);
  }
  CHECK(at == raw.size());
  return out;
}

// Runs `node` on `in` and compares its output, frame by frame, with the T frames of `want`
// (T, 3, H, W: format.npy's layout).
void check_same(NodeRunner& node, const std::vector<FramePtr>& in, const Npy& want) {
  const int64_t h = want.shape[2], w = want.shape[3];
  for (std::size_t k = 0; k < in.size(); ++k) {
    node.process(in[k]);
    FramePtr got = node.output<Frame>(node.outputs().size() - 1);
    REQUIRE(got->format == PixelFormat::RGB24);
    REQUIRE(got->width == w);
    REQUIRE(got->height == h);
    CHECK(got->index == in[k]->index);
    const uint8_t* frame = want.data.data() + k * static_cast<std::size_t>(h * w * 3);
    std::string differ;
    for (int y = 0; y < h; ++y) {
      bool same = true;
      for (int x = 0; x < w && same; ++x)
        for (int c = 0; c < 3; ++c) same = same && got->row(y)[3 * x + c] == frame[(c * h + y) * w + x];
      if (!same) differ += " " + std::to_string(y);
    }
    CHECK_MESSAGE(differ.empty(), "frame " << k << ": rows" << differ << " of " << h << " differ");
  }
}

}  // namespace

TEST_CASE("fast == the fast graph's fused decode, exact == the default graph, for every planar path") {
  const Case cases[] = {
      {"h264_420_reduced", "-c:v libx264 -pix_fmt yuv420p", "1920x1080", "yuv420p", PixelFormat::I420, "max_pixels=150000"},
      {"h264_420_upscaled", "-c:v libx264 -pix_fmt yuv420p", "640x360", "yuv420p", PixelFormat::I420, ""},
      {"mjpeg_422_full_range", "-c:v mjpeg -pix_fmt yuvj422p -q:v 3", "640x480", "yuvj422p", PixelFormat::I422, ""},
      {"h264_444_reduced", "-c:v libx264 -pix_fmt yuv444p", "1280x720", "yuv444p", PixelFormat::I444, "max_pixels=60000"},
      {"hevc_10bit", "-c:v libx265 -pix_fmt yuv420p10le -x265-params log-level=none", "640x360", "yuv420p10le",
       PixelFormat::I420P10, ""},
      {"h264_420_rotated", "-c:v libx264 -pix_fmt yuv420p", "640x360", "yuv420p", PixelFormat::I420, "max_pixels=60000",
       "90", Orient::CClock},  // ffprobe: rotation=90, i.e. the CLI's transpose=cclock
  };
  TempDir tmp("convert-scale");
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    const std::string ext = std::string(c.codec).find("mjpeg") != std::string::npos ? ".avi" : ".mp4";
    const std::string video = (tmp.path / (std::string(c.name) + ext)).string();
    const std::string encoded = *c.rotate ? video + ext : video;
    REQUIRE(sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=" + std::string(c.size) + ":rate=25 -frames:v 4 " + c.codec +
               " '" + encoded + "'"));
    if (*c.rotate)
      REQUIRE(sh("ffmpeg -v error -y -i '" + encoded + "' -c copy -metadata:s:v:0 rotate=" + c.rotate + " '" + video + "'"));
    auto run = [&](const std::string& graph, const std::string& sized_by) {
      const std::string out = (tmp.path / (std::string(c.name) + "_" + graph)).string();
      std::string cmd = kBuild + "/bin/vidpipe run " + kSource + "/graphs/" + graph + ".yaml '" + video + "' -o '" +
                        out + "' --set sample.nframes=4";
      if (*c.sets) cmd += std::string(" --set ") + sized_by + "." + c.sets;
      REQUIRE(sh(cmd + " > /dev/null"));
      return read_npy(out + "/" + std::string(c.name) + "/frames.npy");
    };
    const Npy fused = run("qwen2_5_vl_fast", "plan"), exact = run("qwen2_5_vl", "resize");
    REQUIRE(fused.shape == exact.shape);
    REQUIRE(fused.shape[0] == 4);
    const std::vector<FramePtr> frames = planar_frames(video, c, fused);
    const json qwen = {{"color_matrix", "bt601"}};  // the Qwen profile's value, as in both graphs
    NodeRunner fast = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale", {{"mode", "fast"}}, qwen);
    CHECK(fast.params().origin("color_matrix") == Origin::Profile);
    INFO("mode fast");
    check_same(fast, frames, fused);
    INFO("mode exact");
    NodeRunner precise = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale", {}, qwen);
    check_same(precise, frames, exact);
  }
}

TEST_CASE("packed RGB frames: fast = the fast resize kernel, exact = the exact one; no size = convert only") {
  FrameBuffer fb = make_frame(64, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64 * 3; ++x) fb.pixels[y * fb.frame->stride + x] = static_cast<uint8_t>(x * 7 + y * 13);
  fb.frame->index = 3;
  NodeRunner fast = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale",
                                            {{"mode", "fast"}, {"width", 16}, {"height", 12}});
  NodeRunner resize = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.resize",
                                              {{"mode", "fast"}, {"width", 16}, {"height", 12}});
  fast.process(FramePtr(fb.frame));
  resize.process(FramePtr(fb.frame));
  FramePtr a = fast.output<Frame>(0), b = resize.output<Frame>(0);
  REQUIRE(a->width == 16);
  REQUIRE(a->height == 12);
  CHECK(a->index == 3);
  for (int y = 0; y < 12; ++y) CHECK(std::memcmp(a->row(y), b->row(y), 16 * 3) == 0);

  NodeRunner same = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale");
  same.process(FramePtr(fb.frame));
  CHECK(same.output<Frame>(0) == FramePtr(fb.frame));  // already upright RGB at its size

  CHECK_THROWS_AS(NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale", {{"width", 16}}), Error);
}

TEST_CASE("its contract takes planar formats, so a native decoder may feed it") {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "process.convert_scale");
  for (auto f : {PixelFormat::I420, PixelFormat::I422, PixelFormat::I444, PixelFormat::NV12, PixelFormat::I420P10,
                 PixelFormat::P010, PixelFormat::RGB24})
    CHECK(node.spec().takes_format(f));
  CHECK_FALSE(node.spec().takes_format(PixelFormat::BGR24));
}
