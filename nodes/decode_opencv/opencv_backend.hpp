// The OpenCV decoder backend (decoder_backend.hpp): cv::VideoCapture with its FFmpeg backend,
// the dependable fallback when FFmpeg through vidpipe cannot handle a file.
//
// Pictures are walked with grab() (no colour conversion) and only planned ones are retrieve()d,
// so nothing relies on CAP_PROP_POS_FRAMES seeking, which is not frame-exact (opencv#9053): it
// hands the walk no index, so frame i is the i-th picture grab() passes, and the walk never
// seeks. Rotation: OpenCV 4.6's CAP_PROP_ORIENTATION_AUTO turns ±90° files the wrong way
// (opencv#22088, verified on Debian's 4.6.0), so it is switched off and the probe's rotation
// applied here. OpenCV always converts YUV with BT.601; a `color_matrix` other than bt601 is
// recorded as not honoured. Only local files are read: OpenCV's FFmpeg applies no protocol or
// format whitelist, so the file is first vetted with vidpipe's own opener (default
// InputOptions: playlists are always refused; the network settings do not apply to files).
// The frame size is checked before OpenCV allocates a frame. OpenCV reports no concealed decode
// errors, so damaged frames inside the stream go unseen; a stream that ends before the plan does
// is the walk's end of stream (the missing frames answered by the last one, the damage ratio).
#pragma once

#include <memory>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <vidpipe/sdk/decoder_backend.hpp>

namespace vidpipe::nodes::decode {

class OpenCvBackend final : public DecoderBackend {
 public:
  // decode.opencv: its own parameter color_matrix; rank secondary, local files only.
  static DecoderBackendSpec backend_spec();
  explicit OpenCvBackend(const Params& p);

  BackendCaps open(const BackendOpen& how) override;
  void rewind() override;
  BackendCaps new_decoder(int) override { return {}; }
  int next(Picture& out) override;
  std::shared_ptr<Frame> frame() override;
  DecoderCounters counters() const override { return counts_; }
  void restore(const DecoderCounters& c) override { counts_ = c; }
  json note() const override;

 private:
  std::string color_matrix_;
  BackendOpen how_;
  std::string name_, path_;
  int rotation_ = 0;  // applied: the probe's, or 0 without autorotate
  cv::VideoCapture cap_;
  cv::Mat bgr_, upright_;
  DecoderCounters counts_;
};

}  // namespace vidpipe::nodes::decode
