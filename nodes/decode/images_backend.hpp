// The images decoder backend (decoder_backend.hpp): frame sequences (a folder, a pattern or a
// list of images; container "image_sequence"). Frame i is the i-th file in the sequence's order
// (the order probe.ffmpeg used to count them), so plans mean the same as on a video. Every
// frame is a keyframe: the index it hands the walk lets it seek straight to file k, and files
// nobody planned are never decoded. The planned files' headers are checked (size equal to the
// first image, within max_input_pixels) before the first image is decoded; EXIF orientation is
// ignored, as FFmpeg's image decoders ignore it. A damaged image that still decodes (a truncated
// JPEG: its missing rows come out grey; image_decode.hpp says which warnings are damage) is a
// damaged frame; every warning is in note().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <vidpipe/sdk/decoder_backend.hpp>

#include <vidpipe/media/image_decode.hpp>
#include <vidpipe/media/image_sequence.hpp>

namespace vidpipe::nodes::decode {

// images_opencv (vidpipe.decode_opencv) derives from it for the formats OpenCV decodes.
class ImagesBackend : public DecoderBackend {
 public:
  static DecoderBackendSpec backend_spec();  // decode.images: rank primary, no parameters of its own
  explicit ImagesBackend(const Params& p);

  BackendCaps open(const BackendOpen& how) override;
  std::shared_ptr<const PacketIndex> index() const override { return index_; }
  void want(const std::vector<int64_t>& targets, bool keyframes_only) override;
  int64_t seek(int64_t key) override;
  void rewind() override { pos_ = 0; }
  BackendCaps new_decoder(int) override { return {}; }
  int next(Picture& out) override;
  std::shared_ptr<Frame> frame() override { return image_.frame.frame; }
  DecoderCounters counters() const override { return counts_; }
  void restore(const DecoderCounters& c) override { counts_ = c; }
  json note() const override;

 protected:
  // Whether decode_image takes an image of this header: PNG and (not CMYK) JPEG. Checked for
  // every planned image before the first is decoded, so a sequence with a BMP among its PNGs
  // goes to images_opencv before a frame went out.
  virtual bool decodes(const imgseq::ImageHeader& h) const {
    return h.codec == "png" || (h.codec == "mjpeg" && h.pixel_format != "cmyk/other");
  }
  // One image, PNG or JPEG (image_decode.hpp); a subclass decodes the other formats too.
  virtual imgseq::DecodedImage decode_image(const std::string& file, int width, int height) const {
    return imgseq::decode_rgb(file, width, height);
  }
  std::string name_in_note_ = "images";  // the note's "backend"

 private:
  BackendOpen how_;
  std::string name_;
  std::vector<std::string> files_;
  std::shared_ptr<const PacketIndex> index_;
  std::vector<bool> wanted_;  // per file
  int64_t pos_ = 0;           // the next file
  imgseq::DecodedImage image_;
  DecoderCounters counts_;
  json warnings_ = json::array();
  std::string damage_warning_;  // the first damaged image's first warning
};

}  // namespace vidpipe::nodes::decode
