// format.jsonl: one JSON line per frame, written and flushed as soon as the frame is decoded
// (index, timestamp, size, and the picture as base64 JPEG/PNG or the path format.images gives it),
// so a consumer can start before the video is done (docs/outputs.md "Streaming"), into the
// input's output folder or, with `to: stdout`, onto the process's stdout (lines then carry the
// input; the CLI prints its report on stderr).
#include <cstdio>
#include <mutex>

#include "picture.hpp"

namespace vidpipe::nodes {
namespace {

class FormatJsonl final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.jsonl", "Writes one JSON line per frame as it is decoded (index, timestamp, picture)")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "frames.jsonl", "file name inside the input's output folder")
        .choice("image", "base64", {"base64", "path", "none"},
                "base64: a data: URI in the line; path: the file format.images writes (give it the same folder and format); none")
        .choice("format", "jpeg", {"jpeg", "png"}, "picture format (base64) or file extension (path)")
        .integer("quality", 90, 1, 100, "JPEG quality (base64)")
        .text("folder", "frames", "format.images' folder (image: path)")
        .choice("to", "file", {"file", "stdout"},
                "file: `file` in the input's output folder; stdout: the process's stdout, each line with its input");
  }
  explicit FormatJsonl(const Params& p)
      : file_(p.get<std::string>("file")), image_(p.get<std::string>("image")),
        png_(p.get<std::string>("format") == "png"), quality_(static_cast<int>(p.get<int64_t>("quality"))),
        folder_(p.get<std::string>("folder")), stdout_(p.get<std::string>("to") == "stdout") {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open_frames(std::get<ClipPtr>(in)->plan, job), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr&, Job& job) override {
    if (stdout_) return std::make_unique<StdoutStream>(*this, job.video().input);
    if (job.video().out_dir.empty()) return nullptr;
    return std::make_unique<Stream>(*this, job.video().out_dir);
  }

 private:
  json line_of(const FramePtr& frame) const {
    const Frame& f = *frame;
    json line = {{"index", f.index}, {"timestamp", f.timestamp}, {"width", f.width}, {"height", f.height}};
    if (image_ == "base64")
      line["image"] = std::string("data:image/") + (png_ ? "png" : "jpeg") + ";base64," +
                      base64(encode_picture(frame, png_, quality_));
    else if (image_ == "path")
      line["path"] = folder_ + "/" + picture_name(f, png_ ? "png" : "jpg");
    return line;
  }

  // Lines of every job in flight share stdout: each is written whole, under one lock.
  class StdoutStream final : public FrameStream {
   public:
    StdoutStream(const FormatJsonl& node, std::string input) : node_(node), input_(std::move(input)) {}
    void write(const FramePtr& frame) override {
      json line = node_.line_of(frame);
      line["input"] = input_;
      const std::string text = json_text(line) + "\n";
      static std::mutex mu;
      std::lock_guard lock(mu);
      if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        throw Error("format.jsonl: cannot write to stdout", "keep the reader of vidpipe's stdout open", ErrorKind::Resource);
    }
    void close(const ClipPtr& clip, Emitter& out, Job&) override { out.emit(clip); }

   private:
    const FormatJsonl& node_;
    std::string input_;
  };

  class Stream final : public FrameStream {
   public:
    Stream(const FormatJsonl& node, const std::string& out_dir) : node_(node), file_(out_dir, node.file_) {}
    void write(const FramePtr& frame) override {
      const std::string text = json_text(node_.line_of(frame)) + "\n";
      file_.write(text.data(), text.size());
      file_.flush();  // the line is readable now, not when the clip ends
      ++lines_;
    }
    void close(const ClipPtr& clip, Emitter& out, Job&) override {
      auto next = std::make_shared<Clip>(*clip);
      next->artifacts.push_back({node_.file_, "jsonl", file_.commit(), {{"lines", lines_}}});
      out.emit(ClipPtr(std::move(next)));
    }

   private:
    const FormatJsonl& node_;
    OutputFile file_;
    int64_t lines_ = 0;
  };

  std::string file_, image_;
  bool png_;
  int quality_;
  std::string folder_;
  bool stdout_;
};

}  // namespace

void register_format_images_jsonl(Registry& r) { r.add<FormatJsonl>(); }

}  // namespace vidpipe::nodes
