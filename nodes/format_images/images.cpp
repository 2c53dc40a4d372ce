// format.images: a folder of JPEG or PNG frames inside the input's output folder, one file per
// frame named by index and timestamp (`frames/000012_0.480s.jpg`, docs/outputs.md). It streams:
// each frame is encoded and written as it is decoded.
#include <cerrno>
#include <filesystem>
#include <sys/stat.h>

#include "picture.hpp"

namespace vidpipe::nodes {
namespace {

class FormatImages final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("format.images", "Writes each frame as a JPEG or PNG file, named by index and timestamp")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the folder listed in its artifacts")
        .text("folder", "frames", "folder inside the input's output folder")
        .choice("format", "jpeg", {"jpeg", "png"}, "jpeg (lossy, small) or png (lossless: the exact pixels)")
        .integer("quality", 95, 1, 100, "JPEG quality");
  }
  explicit FormatImages(const Params& p)
      : folder_(p.get<std::string>("folder")), png_(p.get<std::string>("format") == "png"),
        quality_(static_cast<int>(p.get<int64_t>("quality"))) {
    if (folder_.empty() || folder_ == "." || folder_ == ".." || folder_.find('/') != std::string::npos ||
        folder_.rfind(".vidpipe", 0) == 0)
      throw Error("format.images: 'folder' must be a plain folder name", "set folder to a name such as frames");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open_frames(std::get<ClipPtr>(in)->plan, job), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr&, Job& job) override {
    if (job.video().out_dir.empty()) return nullptr;
    return std::make_unique<Stream>(*this, job.video().out_dir);
  }

 private:
  class Stream final : public FrameStream {
   public:
    Stream(const FormatImages& node, const std::string& out_dir)
        : node_(node), dir_((std::filesystem::path(out_dir) / node.folder_).string()) {
      if (::mkdir(dir_.c_str(), 0777) != 0)  // exclusive: two writers of one folder must not mix
        throw Error(errno == EEXIST ? "two formatters write " + node.folder_ + " for this input" : "cannot create " + dir_,
                    errno == EEXIST ? "give each formatter its own folder" : "check that the output folder is writable");
    }
    void write(const FramePtr& frame) override {
      const auto bytes = encode_picture(frame, node_.png_, node_.quality_);
      OutputFile f(dir_, picture_name(*frame, node_.png_ ? "png" : "jpg"));
      f.write(bytes.data(), bytes.size());
      total_ += f.commit();
      ++files_;
    }
    void close(const ClipPtr& clip, Emitter& out, Job&) override {
      auto next = std::make_shared<Clip>(*clip);
      next->artifacts.push_back({node_.folder_, "images", total_,
                                 {{"files", files_}, {"format", node_.png_ ? "png" : "jpeg"},
                                  {"names", "<index:06d>_<timestamp:.3f>s." + std::string(node_.png_ ? "png" : "jpg")}}});
      out.emit(ClipPtr(std::move(next)));
    }

   private:
    const FormatImages& node_;
    const std::string dir_;
    uint64_t total_ = 0;
    int64_t files_ = 0;
  };

  std::string folder_;
  bool png_;
  int quality_;
};

}  // namespace

void register_format_images_images(Registry& r) { r.add<FormatImages>(); }

}  // namespace vidpipe::nodes
