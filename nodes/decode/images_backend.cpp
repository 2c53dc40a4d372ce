// The images decoder backend. See images_backend.hpp.
#include "images_backend.hpp"

#include <vidpipe/sdk/input.hpp>
#include <vidpipe/sdk/plan.hpp>

#include <vidpipe/media/image_sequence.hpp>

namespace vidpipe::nodes::decode {

DecoderBackendSpec ImagesBackend::backend_spec() {
  DecoderBackendSpec spec;
  spec.contract = NodeSpec("decode.images", "Decodes the planned images of a frame sequence to RGB24");
  spec.rank = kRankPrimary;
  spec.containers = {imgseq::kContainer};
  return spec;
}

ImagesBackend::ImagesBackend(const Params&) {}

BackendCaps ImagesBackend::open(const BackendOpen& how) {
  const VideoInfo& info = *how.info;
  how_ = how;
  name_ = input_display_name(info.input);
  if (info.container != imgseq::kContainer)
    throw Error(name_ + ": decode.images reads frame sequences (a folder, a pattern or a list of images), not a video",
                "use decode.ffmpeg, decode.opencv or decode.auto for videos");
  files_ = imgseq::list_images(info.input, info.frame_count);
  const int64_t n = static_cast<int64_t>(files_.size());
  if (n != info.frame_count)
    throw Error(name_ + ": the sequence changed since it was probed (" + std::to_string(n) + " images, probed " +
                    std::to_string(info.frame_count) + ")",
                "do not modify the folder while vidpipe runs");
  auto ix = std::make_shared<PacketIndex>();  // every image a keyframe, pts = its position
  for (int64_t i = 0; i < n; ++i) ix->pts.push_back(i), ix->keyframes.push_back(i), ix->key_dts.push_back(i);
  ix->packets = n;
  ix->time_base = info.fps > 0 ? 1 / info.fps : 0;
  ix->usable = true;
  index_ = ix;
  wanted_.assign(files_.size(), false);
  pos_ = 0;
  counts_ = {};
  warnings_ = json::array();
  damage_warning_.clear();
  return {};
}

// The planned images' headers, before any is decoded: a size that differs fails the input
// before its first frame.
void ImagesBackend::want(const std::vector<int64_t>& targets, bool) {
  const VideoInfo& info = *how_.info;
  for (int64_t t : targets) {
    if (wanted_[t]) continue;
    wanted_[t] = true;
    check_deadline(how_.limits, name_);
    const imgseq::ImageHeader h = imgseq::read_header(files_[t], how_.limits.max_pixels);
    if (h.width != info.width || h.height != info.height)
      throw Error(files_[t] + ": image size " + size_text(h.width, h.height) +
                      " differs from the sequence's first image (" + size_text(info.width, info.height) + ")",
                  "all images of a frame sequence must have the same size");
    if (!decodes(h))
      throw Error(files_[t] + ": " + h.codec + " images are decoded with OpenCV (backend images_opencv), not by the images backend",
                  "install the vidpipe.decode_opencv plugin, or convert the images to PNG");
  }
}

int64_t ImagesBackend::seek(int64_t key) {
  ++counts_.seeks;
  pos_ = key;
  return key;
}

int ImagesBackend::next(Picture& out) {
  if (how_.cancelled && how_.cancelled()) return -1;
  const int64_t n = static_cast<int64_t>(files_.size());
  for (; pos_ < n && !wanted_[pos_]; ++pos_) ++counts_.packets_skipped;  // as an intra-only codec
  if (pos_ >= n) return 0;
  const std::string& file = files_[pos_];
  image_ = decode_image(file, how_.info->width, how_.info->height);
  for (const std::string& w : image_.warnings) warnings_.push_back(file + ": " + w);
  if (image_.damaged && damage_warning_.empty() && !image_.warnings.empty())
    damage_warning_ = file + ": " + image_.warnings.front();  // names the damage (decode node)
  ++counts_.packets_sent;
  out.pts = pos_++;
  out.seconds = frame_time(*how_.info, out.pts);
  out.damaged = image_.damaged;
  return 1;
}

json ImagesBackend::note() const {
  json note = {{"backend", name_in_note_}, {"images", files_.size()}};
  if (!warnings_.empty()) note["warnings"] = warnings_;
  if (!damage_warning_.empty()) note["damage_warning"] = damage_warning_;
  return note;
}

}  // namespace vidpipe::nodes::decode
