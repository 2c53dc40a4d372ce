// decode.ffmpeg with pixel_format: native (NodeRunner): each plane of each frame must equal,
// row by row, what the ffmpeg CLI decodes raw in the stream's own pixel format,
//   ffmpeg -autorotate 0 -i V -f rawvideo -pix_fmt <yuv420p|yuvj422p|yuv444p|yuv420p10le> -
// with the colour tags in Frame::color and the rotation still to apply in Frame::orient.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <vidpipe/testing.hpp>

#include "shell.hpp"
#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

struct Case {
  const char* name;
  const char* codec;       // ffmpeg encoder arguments
  const char* raw_format;  // the stream's pixel format as the CLI writes it raw
  PixelFormat format;
  uint8_t range;           // the range the encoder is asked for (1 limited, 2 full)
  const char* rotate = "";
  Orient orient = Orient::None;
};

PlanPtr plan_for(const std::string& video, int frames) {
  NodeRunner probe = NodeRunner::from_plugin(std::string(VIDPIPE_PLUGIN_DIR) + "/vidpipe_probe.so", "probe.ffmpeg");
  probe.process(JobPtr(std::make_shared<const VideoJob>(VideoJob{video, "v", 0, ""})));
  auto plan = std::make_shared<SamplePlan>();
  plan->info = probe.output<VideoInfo>();
  for (int i = 0; i < frames; ++i) {
    plan->indices.push_back(i);
    plan->timestamps.push_back(i / plan->info->fps);
  }
  plan->total_frames = plan->info->frame_count;
  plan->sampler = "test";
  return plan;
}

}  // namespace

TEST_CASE("native frames are the CLI's raw planes, row by row, for 8-bit 4:2:0/4:2:2/4:4:4 and 10-bit") {
  const Case cases[] = {
      {"h264_420", "-c:v libx264 -pix_fmt yuv420p", "yuv420p", PixelFormat::I420, 1},
      {"mjpeg_422_full", "-c:v mjpeg -pix_fmt yuvj422p -q:v 3", "yuvj422p", PixelFormat::I422, 2},
      {"h264_444", "-c:v libx264 -pix_fmt yuv444p", "yuv444p", PixelFormat::I444, 1},
      {"hevc_10bit", "-c:v libx265 -pix_fmt yuv420p10le -x265-params log-level=none", "yuv420p10le",
       PixelFormat::I420P10, 1},
      {"h264_420_rotated", "-c:v libx264 -pix_fmt yuv420p", "yuv420p", PixelFormat::I420, 1, "90", Orient::CClock},
  };
  TempDir tmp("decode-native");
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    const bool avi = std::string(c.codec).find("mjpeg") != std::string::npos;
    const std::string video = (tmp.path / (std::string(c.name) + (avi ? ".avi" : ".mp4"))).string();
    const std::string encoded = *c.rotate ? video + ".mp4" : video;
    // An odd width: chroma rows round up, strides differ from the row length.
    REQUIRE(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=182x100:rate=25 -frames:v 5 -color_range " +
                         std::string(c.range == 2 ? "pc" : "tv") + " " + c.codec + " '" + encoded + "'").c_str()) == 0);
    if (*c.rotate)
      REQUIRE(std::system(("ffmpeg -v error -y -i '" + encoded + "' -c copy -metadata:s:v:0 rotate=" + c.rotate + " '" +
                           video + "'").c_str()) == 0);
    const std::string raw = test::capture("ffmpeg -v error -autorotate 0 -i '" + video + "' -f rawvideo -pix_fmt " +
                                          c.raw_format + " -");
    // The tag as ffprobe reads it (x264 leaves the default limited range unsignalled).
    std::string tag = test::capture("ffprobe -v error -select_streams v:0 -show_entries stream=color_range -of csv=p=0 '" +
                                    video + "'");
    tag = tag.substr(0, tag.find_first_of(",\n"));
    const int range = tag == "tv" ? 1 : tag == "pc" ? 2 : 0;
    NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg", {{"pixel_format", "native"}});
    node.process(plan_for(video, 5));
    REQUIRE(node.outputs("frames").size() == 5);
    std::size_t at = 0;
    for (std::size_t k = 0; k < 5; ++k) {
      const auto f = node.output<Frame>(k);
      CAPTURE(k);
      REQUIRE(f->format == c.format);
      CHECK(f->index == static_cast<int64_t>(k));
      CHECK(f->width == 182);
      CHECK(f->height == 100);
      CHECK(f->orient == c.orient);
      CHECK(f->color.range == range);
      for (int p = 0; p < f->plane_count(); ++p) {
        const std::size_t row = static_cast<std::size_t>(f->plane_width(p)) * bytes_per_sample(f->format);
        CHECK(f->plane_stride(p) >= static_cast<int>(row));
        int differ = 0;
        for (int y = 0; y < f->plane_height(p); ++y, at += row) {
          REQUIRE(at + row <= raw.size());
          differ += raw.compare(at, row, reinterpret_cast<const char*>(f->plane(p)) + static_cast<std::size_t>(y) * f->plane_stride(p), row) != 0;
        }
        CHECK_MESSAGE(differ == 0, "plane " << p << ": " << differ << " rows differ");
      }
    }
    CHECK(at == raw.size());
    const json counts = node.notes().at("decode").at("native_frames");
    MESSAGE(std::string(c.name) << ": " << counts.dump());
    CHECK(counts["zero_copy"].get<int>() + counts["copied"].get<int>() == 5);
  }
}

TEST_CASE("native frames outlive the decoder that made them (zero-copy frames hold FFmpeg's buffers)") {
  TempDir tmp("decode-native");
  const std::string video = (tmp.path / "v.mp4").string();
  REQUIRE(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 3 -c:v libx264 "
                       "-pix_fmt yuv420p '" + video + "'").c_str()) == 0);
  const std::string raw = test::capture("ffmpeg -v error -i '" + video + "' -frames:v 1 -f rawvideo -pix_fmt yuv420p -");
  FramePtr first;
  {
    NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg", {{"pixel_format", "native"}});
    node.process(plan_for(video, 3));
    first = node.output<Frame>(0);
  }  // the node, its backend and the decoder are gone
  REQUIRE(first);
  for (int y = 0; y < 240; ++y)
    REQUIRE(raw.compare(static_cast<std::size_t>(y) * 320, 320, reinterpret_cast<const char*>(first->plane(0)) + y * first->plane_stride(0), 320) == 0);
}

TEST_CASE("fused_resize is gone: one error naming pixel_format native and process.convert_scale") {
  try {
    NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "decode.ffmpeg", {{"fused_resize", true}});
    FAIL("fused_resize accepted");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("pixel_format") != std::string::npos);
    CHECK(what.find("process.convert_scale") != std::string::npos);
    CHECK(what.find("qwen2_5_vl_fast.yaml") != std::string::npos);
  }
}
