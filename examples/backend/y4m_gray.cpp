// A third-party decoder backend: YUV4MPEG2 files whose frames are grey ("Cmono"), decoded to
// GRAY8 frames without FFmpeg. It is all a backend does: open an input, give its pictures in
// order, make a frame of the current one. The runtime's decode node does the rest (which frames,
// limits, cancellation, timestamps, notes) and offers it as node type decode.y4m_gray; with rank
// 300 (above ffmpeg's 256) decode.auto tries it first for container "yuv4mpegpipe". Any other
// y4m (C420, C444 ...) is refused at open, before a frame went out, so decode.auto falls back to
// the next backend and records why in the metadata (notes.backend_fallbacks).
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <vidpipe/sdk/input.hpp>
#include <vidpipe/sdk/limits.hpp>
#include <vidpipe/sdk/plugin.hpp>

namespace {

using namespace vidpipe;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

class Y4mGray final : public DecoderBackend {
 public:
  static DecoderBackendSpec backend_spec() {
    DecoderBackendSpec spec;
    spec.contract = NodeSpec("decode.y4m_gray", "Decodes grey YUV4MPEG2 (Cmono) files to GRAY8 frames");
    spec.rank = 300;                       // above ffmpeg (kRankPrimary = 256)
    spec.containers = {"yuv4mpegpipe"};    // FFmpeg's name for the format, as the probe reports it
    spec.local_files_only = true;          // it reads the file itself
    return spec;
  }
  explicit Y4mGray(const Params&) {}

  BackendCaps open(const BackendOpen& how) override {
    how_ = how;
    name_ = input_display_name(how.info->input);
    file_.reset(std::fopen(how.info->input.c_str(), "rb"));
    if (!file_) throw Error(name_ + ": y4m_gray cannot open the file", "check that it exists and is readable");
    char line[256] = {};
    if (!std::fgets(line, sizeof line, file_.get()) || std::strncmp(line, "YUV4MPEG2 ", 10) != 0)
      throw Error(name_ + ": not a YUV4MPEG2 file (y4m_gray)", "decode it with decode.ffmpeg");
    std::string colour = "420jpeg";  // the format's default
    for (char* tag = std::strtok(line + 10, " \n"); tag; tag = std::strtok(nullptr, " \n")) {
      if (tag[0] == 'W') width_ = std::atoi(tag + 1);
      if (tag[0] == 'H') height_ = std::atoi(tag + 1);
      if (tag[0] == 'C') colour = tag + 1;
    }
    if (colour != "mono")
      throw Error(name_ + ": y4m_gray decodes grey (Cmono) files only, this one is C" + colour,
                  "decode.auto falls back to ffmpeg for it");
    if (width_ <= 0 || height_ <= 0) throw Error(name_ + ": the YUV4MPEG2 header has no frame size");
    check_frame_size(width_, height_, how.limits.max_pixels, name_);  // before allocating one
    data_start_ = std::ftell(file_.get());
    pixels_.resize(static_cast<std::size_t>(width_) * height_);
    decoded_ = 0;
    return {};  // one picture at a time, no damage to watch
  }

  void rewind() override {
    std::fseek(file_.get(), data_start_, SEEK_SET);
    decoded_ = 0;
  }
  BackendCaps new_decoder(int) override { return {}; }

  // "FRAME[ params]\n" then width×height bytes of luma.
  int next(Picture& out) override {
    if (how_.cancelled && how_.cancelled()) return -1;
    char header[256];
    if (!std::fgets(header, sizeof header, file_.get())) return 0;  // the end of the file
    if (std::strncmp(header, "FRAME", 5) != 0)
      throw Error(name_ + ": frame " + std::to_string(decoded_) + " has no FRAME header (y4m_gray)",
                  "check that the file is complete");
    if (std::fread(pixels_.data(), 1, pixels_.size(), file_.get()) != pixels_.size()) return 0;  // cut short
    const double fps = how_.info->fps > 0 ? how_.info->fps : 25;
    out.seconds = static_cast<double>(decoded_++) / fps;
    return 1;
  }

  // A frame from make_frame: its memory belongs to the SDK, not to this plugin, so the frame
  // may outlive the plugin's code (docs/architecture.md, misuses).
  std::shared_ptr<Frame> frame() override {
    FrameBuffer fb = make_frame(width_, height_, PixelFormat::GRAY8);
    for (int y = 0; y < height_; ++y)
      std::memcpy(fb.pixels + static_cast<std::ptrdiff_t>(y) * fb.frame->stride,
                  pixels_.data() + static_cast<std::ptrdiff_t>(y) * width_, static_cast<std::size_t>(width_));
    return fb.frame;
  }

  json note() const override { return {{"backend", "y4m_gray"}, {"width", width_}, {"height", height_}}; }

 private:
  BackendOpen how_;
  std::string name_;
  std::unique_ptr<FILE, FileCloser> file_;
  long data_start_ = 0;
  int width_ = 0, height_ = 0;
  int64_t decoded_ = 0;
  std::string pixels_;
};

}  // namespace

static void register_nodes(Registry& r) { r.add_backend<Y4mGray>(); }

VIDPIPE_PLUGIN("example_y4m_gray", "1.0.0", register_nodes)
