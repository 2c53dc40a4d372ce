// vidpipe_refcheck: exposes vidpipe's reference math to the Python tests, which compare it
// with torch/torchvision and with a transcription of docs/qwen-reference.md.
//   vidpipe_refcheck linspace START END N           -> indices, space separated
//   vidpipe_refcheck linspace -                      -> same, one line per "START END N" on stdin
//   vidpipe_refcheck linspace_floor -                -> linspace_floor (numpy astype(int)), same input
//   vidpipe_refcheck nframes N FPS [k=v...]          -> "n start end count sample_fps" (k: fps,
//                                                      nframes, min_frames, max_frames,
//                                                      video_start, video_end)
//   vidpipe_refcheck size H W N [k=v...]             -> "H' W'" (k: SizingParams fields)
//   vidpipe_refcheck resize IN.raw W H C OUTW OUTH OUT.raw [bicubic|bilinear|area]
//   vidpipe_refcheck weights IN OUT                  -> per output: "first count w0 w1 ..."
// Errors print "error: <message>" to stdout and exit with status 2.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <vidpipe/imaging/resize.hpp>
#include <vidpipe/qwen_rules/sampling.hpp>
#include <vidpipe/qwen_rules/sizing.hpp>
#include "vidpipe/sdk/error.hpp"

using namespace vidpipe;  // plan utilities (SDK plan.hpp)
using namespace vidpipe::ref;

namespace {

std::map<std::string, double> options(int argc, char** argv, int first) {
  std::map<std::string, double> kv;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (eq == std::string::npos) throw vidpipe::Error("expected key=value, got " + a);
    kv[a.substr(0, eq)] = std::stod(a.substr(eq + 1));
  }
  return kv;
}

std::optional<double> opt(const std::map<std::string, double>& kv, const char* k) {
  auto it = kv.find(k);
  return it == kv.end() ? std::nullopt : std::optional<double>(it->second);
}

int usage() {
  std::cerr << "usage: vidpipe_refcheck linspace START END N | nframes N FPS [k=v...] |"
               " size H W N [k=v...] | resize IN W H C OUTW OUTH OUT\n";
  return 1;
}

int run(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  const bool floor = cmd == "linspace_floor";
  auto print_linspace = [floor](long long s, long long e, long long n) {
    auto idx = floor ? linspace_floor(s, e, n) : linspace_indices(s, e, n);
    for (std::size_t i = 0; i < idx.size(); ++i) std::cout << (i ? " " : "") << idx[i];
    std::cout << "\n";
  };
  if ((cmd == "linspace" || floor) && argc == 3 && std::string(argv[2]) == "-") {
    long long s, e, n;
    while (std::cin >> s >> e >> n) print_linspace(s, e, n);
    return 0;
  }
  if (cmd == "linspace" && argc == 5) {
    print_linspace(std::atoll(argv[2]), std::atoll(argv[3]), std::atoll(argv[4]));
    return 0;
  }
  if (cmd == "nframes" && argc >= 4) {
    const int64_t N = std::atoll(argv[2]);
    const double fps = std::atof(argv[3]);
    auto kv = options(argc, argv, 4);
    const FrameRange r = frame_range(N, fps, opt(kv, "video_start"), opt(kv, "video_end"));
    NFramesParams p;
    p.fps = opt(kv, "fps");
    p.nframes = opt(kv, "nframes");
    p.min_frames = opt(kv, "min_frames").value_or(4);
    p.max_frames = opt(kv, "max_frames");
    const int64_t n = smart_nframes(r.count, fps, p);
    std::printf("%lld %lld %lld %lld %.17g\n", (long long)n, (long long)r.start, (long long)r.end,
                (long long)r.count, sample_fps(n, r.count, fps));
    return 0;
  }
  if (cmd == "size" && argc >= 5) {
    auto kv = options(argc, argv, 5);
    SizingParams p;
    p.factor = static_cast<int64_t>(opt(kv, "factor").value_or(28));
    p.min_pixels = opt(kv, "min_pixels").value_or(p.min_pixels);
    p.max_pixels = opt(kv, "max_pixels");
    p.total_pixels = opt(kv, "total_pixels").value_or(p.total_pixels);
    p.video_max_pixels = opt(kv, "video_max_pixels").value_or(p.video_max_pixels);
    if (auto v = opt(kv, "resized_height")) p.resized_height = static_cast<int64_t>(*v);
    if (auto v = opt(kv, "resized_width")) p.resized_width = static_cast<int64_t>(*v);
    p.image_min_pixels = opt(kv, "image_min_pixels").value_or(p.image_min_pixels);
    p.image_max_pixels = opt(kv, "image_max_pixels").value_or(p.image_max_pixels);
    const VideoSize s = qwen_video_size(std::atoll(argv[2]), std::atoll(argv[3]), std::atoll(argv[4]), p);
    std::printf("%lld %lld\n", (long long)s.height, (long long)s.width);
    return 0;
  }
  if (cmd == "weights" && argc == 4) {
    const AxisWeights a = bicubic_aa_weights(std::atoi(argv[2]), std::atoi(argv[3]));
    for (int i = 0; i < a.out; ++i) {
      std::printf("%d %d", a.first[i], a.count[i]);
      for (int k = 0; k < a.count[i]; ++k) std::printf(" %.9g", a.weights[i * a.taps + k]);
      std::printf("\n");
    }
    return 0;
  }
  if (cmd == "resize" && (argc == 9 || argc == 10)) {
    const std::string f = argc == 10 ? argv[9] : "bicubic";
    const Filter filter = f == "bilinear" ? Filter::Bilinear : f == "area" ? Filter::Area : Filter::Bicubic;
    const int w = std::atoi(argv[3]), h = std::atoi(argv[4]), c = std::atoi(argv[5]);
    const int ow = std::atoi(argv[6]), oh = std::atoi(argv[7]);
    std::ifstream in(argv[2], std::ios::binary);
    std::vector<uint8_t> src((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (src.size() != static_cast<std::size_t>(w) * h * c)
      throw vidpipe::Error("input size mismatch: " + std::to_string(src.size()) + " bytes");
    std::vector<uint8_t> dst(static_cast<std::size_t>(ow) * oh * c);
    resize_separable(src.data(), w, h, w * c, dst.data(), ow, oh, c, filter);
    std::ofstream(argv[8], std::ios::binary).write(reinterpret_cast<const char*>(dst.data()), dst.size());
    return 0;
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cout << "error: " << e.what() << "\n";
    return 2;
  }
}
