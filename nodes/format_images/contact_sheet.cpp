// format.contact_sheet: one JPEG grid of the clip's frames, each tile captioned with its index,
// timestamp and the sampler's reason, and a red bar on the first tile of each new shot when the
// scene analysis ran (plan.info.extra["scenes"], docs/sampling.md §7): the quickest way for a
// person to see what the model will see (docs/outputs.md). It streams: each frame is drawn into
// the sheet as it is decoded, so only the sheet is held, never the clip's frames.
#include <algorithm>
#include <cmath>

#include "picture.hpp"

namespace vidpipe::nodes {
namespace {

const cv::Scalar kBackground(32, 32, 32), kText(235, 235, 235), kCut(40, 40, 230), kDim(150, 150, 150);
constexpr int kMaxSide = 65000;  // JPEG's limit is 65535 pixels a side

// Printable ASCII only: Hershey fonts draw nothing else, and names from inputs are data.
std::string printable_ascii(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

// Draws `text` from (x, baseline y), cut with "..." to fit `width` pixels.
void draw_text(cv::Mat& img, std::string text, int x, int y, int width, double scale, const cv::Scalar& colour) {
  int base = 0;
  auto fits = [&](const std::string& t) { return cv::getTextSize(t, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base).width <= width; };
  if (!fits(text)) {
    while (!text.empty() && !fits(text + "...")) text.pop_back();
    text += "...";
  }
  cv::putText(img, text, {x, y}, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
}

class FormatContactSheet final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.contact_sheet",
                    "Writes one JPEG grid of the frames with index, timestamp and reason; new shots marked")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the sheet listed in its artifacts")
        .text("file", "contact_sheet.jpg", "file name inside the input's output folder")
        .integer("columns", 0, 0, 64, "tiles per row; 0: about the square root of the frame count, at most 8")
        .integer("tile_width", 320, 32, 1920, "width of each tile in pixels (its height follows the frames' aspect)")
        .integer("quality", 90, 1, 100, "JPEG quality");
  }
  explicit FormatContactSheet(const Params& p)
      : file_(p.get<std::string>("file")), columns_(static_cast<int>(p.get<int64_t>("columns"))),
        tile_width_(static_cast<int>(p.get<int64_t>("tile_width"))), quality_(static_cast<int>(p.get<int64_t>("quality"))) {
    if (file_.empty() || file_.find('/') != std::string::npos)
      throw Error("format.contact_sheet: 'file' must be a plain file name", "set file to a name such as sheet.jpg");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open_frames(std::get<ClipPtr>(in)->plan, job), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr& plan, Job& job) override {
    if (job.video().out_dir.empty()) return nullptr;
    return std::make_unique<Sheet>(*this, plan, job.video().out_dir);
  }

 private:
  class Sheet final : public FrameStream {
   public:
    Sheet(const FormatContactSheet& node, const PlanPtr& plan, const std::string& out_dir)
        : node_(node), plan_(plan), file_(out_dir, node.file_) {
      analysed_ = plan->info && plan->info->extra.contains("scenes");
      if (analysed_)
        for (const auto& c : plan->info->extra["scenes"].value("cuts", json::array())) cuts_.push_back(c.at("frame").get<int64_t>());
      std::sort(cuts_.begin(), cuts_.end());
    }
    void write(const FramePtr& frame) override {
      const FramePtr host = host_frame(frame);
      const Frame& f = *host;
      if (sheet_.empty()) layout(f);
      const int slot = drawn_++;
      if (slot >= count_) throw Error("format.contact_sheet: more frames than the plan has", "");
      const int x = (slot % cols_) * tile_w_, y = header_ + (slot / cols_) * (tile_h_ + caption_);
      draw_tile(f, x, y);
      const std::size_t pos = static_cast<std::size_t>(slot);
      const int64_t index = pos < plan_->indices.size() ? plan_->indices[pos] : f.index;
      const int64_t shot = std::upper_bound(cuts_.begin(), cuts_.end(), index) - cuts_.begin();
      const bool new_shot = analysed_ && slot > 0 && shot != last_shot_;
      last_shot_ = shot;
      if (new_shot) cv::rectangle(sheet_, cv::Rect(x, y, std::max(3, tile_w_ / 60), tile_h_ + caption_), kCut, cv::FILLED);
      const std::string reason = pos < plan_->reasons.size() ? plan_->reasons[pos] : "";
      const int pad = std::max(3, tile_w_ / 50), line = caption_ / 2;
      std::string first = fmt::format("#{}  {:.3f}s", index, f.timestamp);
      if (analysed_) first += fmt::format("  shot {}", shot + 1);
      draw_text(sheet_, first, x + 2 * pad, y + tile_h_ + line - pad, tile_w_ - 3 * pad, scale_, new_shot ? kCut : kText);
      draw_text(sheet_, printable_ascii(reason), x + 2 * pad, y + tile_h_ + 2 * line - pad, tile_w_ - 3 * pad, scale_, kDim);
    }
    void close(const ClipPtr& clip, Emitter& out, Job&) override {
      std::vector<uchar> bytes;
      if (sheet_.empty()) throw Error("format.contact_sheet: the clip has no frames", "");
      if (!cv::imencode(".jpg", sheet_, bytes, {cv::IMWRITE_JPEG_QUALITY, node_.quality_}))
        throw Error("format.contact_sheet: JPEG encoding failed");
      file_.write(bytes.data(), bytes.size());
      auto next = std::make_shared<Clip>(*clip);
      next->artifacts.push_back({node_.file_, "contact_sheet", file_.commit(),
                                 {{"tiles", drawn_}, {"columns", cols_}, {"tile_width", tile_w_}, {"tile_height", tile_h_},
                                  {"shots_marked", analysed_}}});
      out.emit(ClipPtr(std::move(next)));
    }

   private:
    // The grid from the first frame's aspect and the plan's frame count.
    void layout(const Frame& f) {
      if (!f.packed() || (channels(f.format) != 1 && channels(f.format) != 3))
        throw Error("format.contact_sheet: frames in " + std::string(to_string(f.format)) + " cannot be drawn",
                    "convert to rgb24 before the writer (process.smart_resize or process.convert_scale does)");
      count_ = std::max<int>(1, static_cast<int>(plan_->indices.size()));
      cols_ = node_.columns_ > 0 ? std::min(node_.columns_, count_)
                                 : std::min({8, count_, static_cast<int>(std::ceil(std::sqrt(count_)))});
      const int rows = (count_ + cols_ - 1) / cols_;
      tile_w_ = node_.tile_width_;
      tile_h_ = std::max(8, static_cast<int>(std::lround(static_cast<double>(tile_w_) * f.height / f.width)));
      scale_ = 0.4 * tile_w_ / 320.0;
      caption_ = std::max(18, static_cast<int>(std::lround(2 * 16 * tile_w_ / 320.0)));
      header_ = caption_ / 2 + 4;
      const int64_t width = static_cast<int64_t>(cols_) * tile_w_, height = header_ + static_cast<int64_t>(rows) * (tile_h_ + caption_);
      if (width > kMaxSide || height > kMaxSide)
        throw Error(fmt::format("format.contact_sheet: a {}x{} sheet is larger than JPEG allows", width, height),
                    "set a smaller tile_width, or sample fewer frames");
      sheet_ = cv::Mat(static_cast<int>(height), static_cast<int>(width), CV_8UC3, kBackground);
      const VideoInfo* info = plan_->info.get();
      std::string title = info ? printable_ascii(info->input) : "";
      title += fmt::format("   {} frames, {}", count_, plan_->sampler.empty() ? "sampler unknown" : plan_->sampler);
      if (analysed_) title += fmt::format(", {} shots", cuts_.size() + 1);
      draw_text(sheet_, title, 4, header_ - 4, static_cast<int>(width) - 8, scale_, kText);
    }
    // The frame scaled to fit its tile (area averaging), centred, RGB to the sheet's BGR.
    void draw_tile(const Frame& f, int x, int y) {
      const int c = channels(f.format);
      cv::Mat src(f.height, f.width, c == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(f.data.get()), f.stride);
      const double k = std::min(static_cast<double>(tile_w_) / f.width, static_cast<double>(tile_h_) / f.height);
      const int w = std::max(1, static_cast<int>(std::lround(f.width * k))), h = std::max(1, static_cast<int>(std::lround(f.height * k)));
      cv::Mat small;
      cv::resize(src, small, {w, h}, 0, 0, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      cv::Mat roi = sheet_(cv::Rect(x + (tile_w_ - w) / 2, y + (tile_h_ - h) / 2, w, h));
      if (c == 1) cv::cvtColor(small, roi, cv::COLOR_GRAY2BGR);
      else if (f.format == PixelFormat::RGB24) cv::cvtColor(small, roi, cv::COLOR_RGB2BGR);
      else small.copyTo(roi);
    }

    const FormatContactSheet& node_;
    const PlanPtr plan_;
    OutputFile file_;
    std::vector<int64_t> cuts_;  // first frame of each new shot, ascending
    bool analysed_ = false;
    cv::Mat sheet_;
    int count_ = 0, cols_ = 1, tile_w_ = 0, tile_h_ = 0, caption_ = 0, header_ = 0, drawn_ = 0;
    int64_t last_shot_ = -1;
    double scale_ = 0.4;
  };

  std::string file_;
  int columns_, tile_width_, quality_;
};

}  // namespace

void register_format_images_contact_sheet(Registry& r) { r.add<FormatContactSheet>(); }

}  // namespace vidpipe::nodes
