// vidpipe_bench_resize: times vidpipe's resize modes and OpenCV's resize on one RGB frame, and,
// given the same frame as decoded YUV 4:2:0, the two whole per-frame paths of the pipeline:
// colour conversion at full size + exact resize, against the fused convert+resize pass
// (process.convert_scale mode fast, both BT.601 as the Qwen profiles set it).
//   vidpipe_bench_resize IN.rgb W H OUTW OUTH SECONDS OUTDIR [IN.yuv420p]
// For each method prints one JSON line {"method", "ms_per_frame", "fps_parallel", "rounds"}
// (medians over rounds that run every method in turn):
//   ms_per_frame   one frame at a time (vidpipe kernels split rows over all cores; OpenCV uses
//                  its own thread pool)
//   fps_parallel   frames/s with frames processed concurrently on all cores (what the
//                  pipeline does: process.smart_resize is a parallel node)
// and writes OUTDIR/<method>.raw (OUTH x OUTW x 3) for bench/resize.py's accuracy table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <tbb/parallel_for.h>

#include <tbb/enumerable_thread_specific.h>

extern "C" {
#include <libavutil/frame.h>
}

#include <vidpipe/imaging/resize.hpp>
#include <vidpipe/media/rgb_converter.hpp>
#include <vidpipe/imaging/fast_resize.hpp>
#include <vidpipe/imaging/yuv_resize.hpp>

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    std::fprintf(stderr, "usage: vidpipe_bench_resize IN.rgb W H OUTW OUTH SECONDS OUTDIR [IN.yuv420p]\n");
    return 1;
  }
  const int w = std::atoi(argv[2]), h = std::atoi(argv[3]), ow = std::atoi(argv[4]), oh = std::atoi(argv[5]);
  const double seconds = std::atof(argv[6]);
  const std::string outdir = argv[7];
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> src((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (src.size() != static_cast<std::size_t>(w) * h * 3) {
    std::fprintf(stderr, "input size mismatch\n");
    return 1;
  }
  using namespace vidpipe;
  using namespace vidpipe::ref;
  SeparableResizer exact(w, h, ow, oh, Filter::Bicubic), bilinear(w, h, ow, oh, Filter::Bilinear),
      area(w, h, ow, oh, Filter::Area);
  FastResizer fast(w, h, ow, oh);
  cv::Mat srcm(h, w, CV_8UC3, src.data());
  auto cv_method = [&](int interp) {
    return [&, interp](uint8_t* dst) {
      cv::Mat d(oh, ow, CV_8UC3, dst);
      cv::resize(srcm, d, cv::Size(ow, oh), 0, 0, interp);
    };
  };
  std::vector<std::pair<std::string, std::function<void(uint8_t*)>>> methods = {
      {"exact", [&](uint8_t* d) { exact.run(src.data(), w * 3, d, 3); }},
      {"fast", [&](uint8_t* d) { fast.run(src.data(), w * 3, d, 3); }},
      {"area", [&](uint8_t* d) { area.run(src.data(), w * 3, d, 3); }},
      {"bilinear", [&](uint8_t* d) { bilinear.run(src.data(), w * 3, d, 3); }},
      {"opencv_area", cv_method(cv::INTER_AREA)},
      {"opencv_cubic", cv_method(cv::INTER_CUBIC)},
      {"opencv_linear", cv_method(cv::INTER_LINEAR)},
  };
  std::vector<uint8_t> yuv;
  if (argc == 9) {
    std::ifstream yin(argv[8], std::ios::binary);
    yuv.assign(std::istreambuf_iterator<char>(yin), std::istreambuf_iterator<char>());
    if (yuv.size() != static_cast<std::size_t>(w) * h * 3 / 2 || w % 2 || h % 2) {
      std::fprintf(stderr, "yuv420p input size mismatch\n");
      return 1;
    }
  }
  // A decoder's output frame over the YUV buffer (limited range, untagged: BT.601 either way).
  av::AVFramePtr yf(av_frame_alloc());
  yf->width = w, yf->height = h, yf->format = AV_PIX_FMT_YUV420P;
  yf->data[0] = yuv.data(), yf->linesize[0] = w;
  yf->data[1] = yuv.data() + w * h, yf->linesize[1] = w / 2;
  yf->data[2] = yuv.data() + w * h * 5 / 4, yf->linesize[2] = w / 2;
  // Converters are per decoder (not thread-safe): one per thread here.
  tbb::enumerable_thread_specific<av::RgbConverter> converters([] { return av::RgbConverter("bt601"); });
  tbb::enumerable_thread_specific<std::vector<uint8_t>> scratch(src.size());
  if (!yuv.empty()) {
    methods.push_back({"yuv: convert+exact", [&](uint8_t* d) {
                         std::vector<uint8_t>& rgb = scratch.local();
                         converters.local().convert(yf.get(), rgb.data(), w * 3, "bench");
                         exact.run(rgb.data(), w * 3, d, 3);
                       }});
    methods.push_back({"yuv: convert+fast", [&](uint8_t* d) {
                         std::vector<uint8_t>& rgb = scratch.local();
                         converters.local().convert(yf.get(), rgb.data(), w * 3, "bench");
                         fast.run(rgb.data(), w * 3, d, 3);
                       }});
  }
  // Where the fused path's error comes from (bench/resize.py): "box-reduced" is the luma 2x box
  // pre-reduction the fused path had until measured on aliasing-prone content; "chroma-up"
  // repeats chroma to full size first (as the reference's conversion does), then filters all
  // three planes from full size.
  const YuvResizer box_reduced(w, h, 1, 1, ow, oh, Filter::Bicubic, true), full_chroma(w, h, 0, 0, ow, oh);
  const uint8_t* yuv_planes[3] = {yf->data[0], yf->data[1], yf->data[2]};
  const int yuv_strides[3] = {w, w / 2, w / 2};
  tbb::enumerable_thread_specific<std::vector<uint8_t>> chroma444(static_cast<std::size_t>(w) * h * 2);
  const YuvResizer fused(w, h, 1, 1, ow, oh);  // process.convert_scale mode fast's resizer
  if (!yuv.empty()) {
    methods.push_back({"yuv: fused fast", [&](uint8_t* d) {
                         fused.run(yuv_planes, yuv_strides, YuvMatrix::bt601(false), d, ow * 3);
                       }});
    methods.push_back({"yuv: fused box-reduced", [&](uint8_t* d) {
                         box_reduced.run(yuv_planes, yuv_strides, YuvMatrix::bt601(false), d, ow * 3);
                       }});
    methods.push_back({"yuv: fused chroma-up", [&](uint8_t* d) {
                         std::vector<uint8_t>& c = chroma444.local();
                         for (int p = 0; p < 2; ++p)
                           for (int y = 0; y < h; ++y) {
                             const uint8_t* in = yuv_planes[p + 1] + (y / 2) * (w / 2);
                             uint8_t* out = c.data() + (static_cast<std::size_t>(p) * h + y) * w;
                             for (int x = 0; x < w; ++x) out[x] = in[x / 2];
                           }
                         const uint8_t* planes[3] = {yuv_planes[0], c.data(), c.data() + static_cast<std::size_t>(w) * h};
                         const int strides[3] = {w, w, w};
                         full_chroma.run(planes, strides, YuvMatrix::bt601(false), d, ow * 3);
                       }});
  }
  const std::size_t out_bytes = static_cast<std::size_t>(ow) * oh * 3;
  for (auto& [name, fn] : methods) {
    std::vector<uint8_t> dst(out_bytes);
    fn(dst.data());  // warm-up (weights, contexts, caches) and the output for the accuracy table
    std::string file = name;
    for (char& c : file)
      if (c == ':' || c == ' ' || c == '+') c = '_';
    std::ofstream(outdir + "/" + file + ".raw", std::ios::binary).write(reinterpret_cast<const char*>(dst.data()), dst.size());
  }
  // Rounds: every method once per round (one frame alone, then a batch of 8 concurrently), so
  // machine noise spreads over all methods alike; medians over the rounds.
  const int batch = 8;
  std::vector<std::vector<uint8_t>> outs(batch, std::vector<uint8_t>(out_bytes));
  std::vector<std::vector<double>> single(methods.size()), batched(methods.size());
  const auto start = Clock::now();
  for (int round = 0; round < 5 || std::chrono::duration<double>(Clock::now() - start).count() < seconds * methods.size();
       ++round) {
    for (std::size_t k = 0; k < methods.size(); ++k) {
      auto& fn = methods[k].second;
      auto t0 = Clock::now();
      fn(outs[0].data());
      single[k].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      t0 = Clock::now();
      tbb::parallel_for(0, batch, [&](int i) { fn(outs[i].data()); });
      batched[k].push_back(std::chrono::duration<double>(Clock::now() - t0).count() / batch);
    }
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  for (std::size_t k = 0; k < methods.size(); ++k)
    std::printf("{\"method\": \"%s\", \"ms_per_frame\": %.3f, \"fps_parallel\": %.2f, \"rounds\": %zu}\n",
                methods[k].first.c_str(), median(single[k]) * 1000, 1 / median(batched[k]), single[k].size());
  return 0;
}
