// format.npy alone (NodeRunner): the file it writes, read back by the NPY 1.0 rules of NumPy's
// format specification (numpy.lib.format: magic, little-endian header length, a dict literal,
// data from a multiple of 64 bytes, C order), against pixels set in the test; mean_std against
// the normalisation formula of docs/qwen-reference.md §6.1.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include <vidpipe/testing.hpp>

#include "temp_dir.hpp"

using namespace vidpipe;
using vidpipe::testing::NodeRunner;

namespace {

int value(int t, int y, int x, int c) { return t * 100 + y * 20 + x * 5 + c; }

// `count` frames of 3x2 RGB whose pixels are value(t, y, x, c).
ClipPtr clip(int count) {
  auto c = std::make_shared<Clip>();
  for (int t = 0; t < count; ++t) {
    FrameBuffer fb = make_frame(3, 2);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        for (int ch = 0; ch < 3; ++ch) fb.pixels[y * fb.frame->stride + x * 3 + ch] = static_cast<uint8_t>(value(t, y, x, ch));
    fb.frame->index = t;
    c->frames.push_back(fb.frame);
  }
  return c;
}

struct Npy {
  std::string dict;
  std::string data;
};

Npy read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 10);
  REQUIRE(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
  const std::size_t len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
  CHECK((10 + len) % 64 == 0);
  REQUIRE(bytes[10 + len - 1] == '\n');
  std::string dict = bytes.substr(10, len - 1);
  dict.erase(dict.find_last_not_of(' ') + 1);
  return {dict, bytes.substr(10 + len)};
}

NodeRunner npy(const TempDir& dir, const json& params = json::object()) {
  NodeRunner node = NodeRunner::from_plugin(VIDPIPE_PLUGIN_FILE, "format.npy", params);
  node.video().out_dir = dir.path.string();
  return node;
}

}  // namespace

TEST_CASE("uint8 TCHW: shape (T, C, H, W), planes in C order, listed as an artifact") {
  TempDir dir("npy");
  NodeRunner node = npy(dir);
  node.process(clip(2));
  const Npy f = read_npy(dir.path / "frames.npy");
  CHECK(f.dict == "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 2, 3), }");
  REQUIRE(f.data.size() == 2 * 3 * 2 * 3);
  for (int t = 0; t < 2; ++t)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) CHECK(static_cast<uint8_t>(f.data[((t * 3 + c) * 2 + y) * 3 + x]) == value(t, y, x, c));
  const auto out = node.output<Clip>();
  REQUIRE(out->artifacts.size() == 1);
  CHECK(out->artifacts[0].name == "frames.npy");
  CHECK(out->artifacts[0].bytes == std::filesystem::file_size(dir.path / "frames.npy"));
}

TEST_CASE("THWC, bgr, padded to a multiple of 2 by repeating the last frame") {
  TempDir dir("npy");
  NodeRunner node = npy(dir, {{"layout", "THWC"}, {"channel_order", "bgr"}, {"pad_to_multiple", 2}});
  node.process(clip(3));
  const Npy f = read_npy(dir.path / "frames.npy");
  CHECK(f.dict == "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 2, 3, 3), }");
  REQUIRE(f.data.size() == 4 * 2 * 3 * 3);
  for (int t = 0; t < 4; ++t)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        for (int c = 0; c < 3; ++c)
          CHECK(static_cast<uint8_t>(f.data[((t * 2 + y) * 3 + x) * 3 + c]) == value(std::min(t, 2), y, x, 2 - c));
}

TEST_CASE("float32 mean_std: (v / 255 - mean) / std per channel") {
  TempDir dir("npy");
  const std::vector<double> mean{0.48145466, 0.4578275, 0.40821073}, std{0.26862954, 0.26130258, 0.27577711};
  NodeRunner node = npy(dir, {{"dtype", "float32"}, {"normalize", "mean_std"}});
  node.process(clip(1));
  const Npy f = read_npy(dir.path / "frames.npy");
  CHECK(f.dict == "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 3), }");
  REQUIRE(f.data.size() == 3 * 2 * 3 * sizeof(float));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) {
        float got;
        std::memcpy(&got, &f.data[((c * 2 + y) * 3 + x) * sizeof(float)], sizeof got);
        const double want = (value(0, y, x, c) * (1.0 / 255.0) - mean[c]) / std[c];
        CHECK(got == doctest::Approx(want).epsilon(1e-6));
      }
}

TEST_CASE("a normalisation needs a float dtype: refused when built") {
  TempDir dir("npy");
  CHECK_THROWS_WITH_AS(npy(dir, {{"normalize", "rescale"}}), doctest::Contains("needs a float dtype"), Error);
}

namespace {
std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
PlanPtr plan_of(std::size_t frames) {
  auto p = std::make_shared<SamplePlan>();
  for (std::size_t i = 0; i < frames; ++i) p->indices.push_back(static_cast<int64_t>(i));
  return p;
}
}  // namespace

TEST_CASE("streamed frame by frame (pixels gone when the clip arrives): the same file as a whole clip") {
  TempDir whole("npy"), streamed("npy");
  const json params = {{"dtype", "float16"}, {"normalize", "rescale"}, {"pad_to_multiple", 2}};
  npy(whole, params).process(clip(3));
  NodeRunner node = npy(streamed, params);
  node.stream(plan_of(3), clip(3));
  CHECK(file_bytes(streamed.path / "frames.npy") == file_bytes(whole.path / "frames.npy"));
  const auto out = node.output<Clip>();
  REQUIRE(out->frames.size() == 3);
  CHECK(out->frames[0]->data == nullptr);  // descriptors passed on
  CHECK(out->frames[2]->index == 2);
}

TEST_CASE("streamed with fewer frames than planned: the header gives the count written") {
  TempDir dir("npy");
  NodeRunner node = npy(dir);
  node.stream(plan_of(1000), clip(2));
  const Npy f = read_npy(dir.path / "frames.npy");
  CHECK(f.dict == "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 2, 3), }");
  CHECK(f.data.size() == 2 * 3 * 2 * 3);
}

TEST_CASE("a stream that fails or is dropped before close leaves no file") {
  TempDir dir("npy");
  NodeRunner node = npy(dir);
  auto frames = clip(2);
  auto other = make_frame(4, 2).frame;  // another size: refused mid-stream
  auto mixed = std::make_shared<Clip>(*frames);
  mixed->frames.push_back(other);
  CHECK_THROWS_WITH_AS(node.stream(plan_of(3), mixed), doctest::Contains("frames differ in size"), Error);
  CHECK(std::filesystem::is_empty(dir.path));
}
