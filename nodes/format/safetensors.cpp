// format.safetensors: writes a clip as one safetensors file (docs/outputs.md): `frames` (T×C×H×W
// or T×H×W×C), `indices` (int64, the frames' presentation indices), `timestamps` (float64,
// seconds) and, when a tokens node ran, `grid_thw` (int64 [3]) and `second_per_grid_ts`
// (float64 [1], when the model's tokens node gives it). The format is written here: 8-byte
// little-endian header length, a JSON header (dtype, shape, data_offsets per tensor, and
// __metadata__), then the raw little-endian data. Float dtypes are normalised like format.hf
// ((v/255 - mean)/std in float32, docs/qwen-reference.md §6.1) unless `normalize` says otherwise.
// It streams: frames are written as they are decoded; the header is written first with the planned
// count inside a space-padded reserve and rewritten in place at the end.
#include <vector>

#include <fmt/format.h>

#include "frame_encoder.hpp"
#include "vidpipe/sdk.hpp"

namespace vidpipe::nodes {
namespace {

// A tensor appended after the frames once the clip is complete.
struct Tail {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

class FormatSafetensors final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec spec = NodeSpec("format.safetensors", "Writes frames, indices, timestamps and grid_thw as one .safetensors file")
        .with_role(Role::Formatter)
        .uses_frames(FrameUse::Stream)
        .parallel()
        .input("clip", DataType::Clip)
        .output("clip", DataType::Clip, "the same clip, with the file listed in its artifacts")
        .text("file", "frames.safetensors", "file name inside the input's output folder");
    return declare_tensor_params(spec, "frames dtype", "auto");
  }
  explicit FormatSafetensors(const Params& p)
      : file_(p.get<std::string>("file")), opts_(tensor_options(p, "format.safetensors")) {
    if (file_.empty() || file_.find('/') != std::string::npos) throw Error("'file' must be a plain file name");
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    write_whole_clip(open(job, std::get<ClipPtr>(in)->frames.size()), in, out, job);
  }
  std::unique_ptr<FrameStream> open_frames(const PlanPtr& plan, Job& job) override {
    return open(job, plan->indices.size());
  }

 private:
  class Stream;
  std::unique_ptr<FrameStream> open(Job& job, std::size_t planned_frames) const;

  std::string file_;
  TensorOptions opts_;
};

template <typename T>
std::string le_bytes(const std::vector<T>& v) {  // x86-64 and aarch64 are little-endian
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

class FormatSafetensors::Stream final : public FrameStream {
 public:
  // Room left in the first header for what only the end of the clip tells (the tail tensors and
  // a different frame count): enough for every tail of any clip, so the header is rewritten in
  // place and the frames are never moved.
  static constexpr std::size_t kReserve = 1024;

  Stream(const FormatSafetensors& node, Job& job, std::size_t planned)
      : node_(node), planned_(planned), file_(job.video().out_dir, node.file_) {}

  void write(const FramePtr& frame) override {
    const Frame& f = *frame;
    if (!enc_) start(f);
    else if (!enc_->same_shape(f))
      throw Error(fmt::format("frames differ in size ({} vs {}); one tensor needs one size", size_text(f.width, f.height),
                              size_text(enc_->width(), enc_->height())),
                  "resize all frames to one size before format.safetensors");
    const auto [data, n] = enc_->encode(f);
    file_.write(data, n);
    ++count_;
  }

  void close(const ClipPtr& clip, Emitter& out, Job&) override {
    if (!enc_) throw Error("format.safetensors: the clip has no frames", "check the decoder's damage report");
    std::vector<int64_t> indices;
    std::vector<double> stamps;
    for (const auto& f : clip->frames) indices.push_back(f->index), stamps.push_back(f->timestamp);
    std::vector<Tail> tails = {{"indices", "I64", {static_cast<int64_t>(indices.size())}, le_bytes(indices)},
                               {"timestamps", "F64", {static_cast<int64_t>(stamps.size())}, le_bytes(stamps)}};
    if (clip->tokens) {
      const auto& g = clip->tokens->grid_thw;
      tails.push_back({"grid_thw", "I64", {3}, le_bytes(std::vector<int64_t>(g.begin(), g.end()))});
      const json spg = clip->tokens->extra.value("second_per_grid_ts", json());
      if (spg.is_number()) tails.push_back({"second_per_grid_ts", "F64", {1}, le_bytes(std::vector<double>{spg.get<double>()})});
    }
    json info = json::array();
    const std::string head = header(count_, tails, &info);
    file_.rewrite_head(head_size_, head);
    for (const Tail& t : tails) file_.write(t.bytes.data(), t.bytes.size());
    auto next = std::make_shared<Clip>(*clip);
    next->artifacts.push_back({node_.file_, "tensor", file_.commit(), {{"tensors", std::move(info)}}});
    out.emit(ClipPtr(std::move(next)));
  }

 private:
  void start(const Frame& f) {
    enc_ = std::make_unique<FrameEncoder>(node_.opts_, f);
    std::string head = header(planned_, {}, nullptr);
    head.append(kReserve + (8 - (head.size() + kReserve) % 8) % 8, ' ');  // data 8-byte aligned
    head_size_ = head.size();
    // The length prefix must count the reserve: rewrite it.
    file_.write_header(with_length(head.substr(8)));
  }

  std::vector<int64_t> frame_shape(std::size_t t) const {
    const int64_t T = static_cast<int64_t>(t), c = enc_->channels_(), h = enc_->height(), w = enc_->width();
    return node_.opts_.tchw ? std::vector<int64_t>{T, c, h, w} : std::vector<int64_t>{T, h, w, c};
  }

  static std::string with_length(const std::string& text) {
    const uint64_t len = text.size();
    std::string le(8, '\0');
    for (int i = 0; i < 8; ++i) le[i] = static_cast<char>(static_cast<uint8_t>(len >> (8 * i)));
    return le + text;
  }

  // The whole header for `frames` frames and `tails`; padded with spaces to head_size_ once the
  // first header is written (the data then starts where it did).
  std::string header(std::size_t frames, const std::vector<Tail>& tails, json* info) const {
    static const char* dtypes[] = {"U8", "F32", "F16", "BF16"};
    const std::string layout = node_.opts_.tchw ? "TCHW" : "THWC";
    json h = json::object();
    h["__metadata__"] = {{"format", "pt"}, {"writer", "vidpipe format.safetensors"}, {"layout", layout},
                         {"channel_order", node_.opts_.bgr ? "bgr" : "rgb"}, {"normalize", node_.opts_.normalize}};
    uint64_t at = frames * enc_->frame_bytes();
    h["frames"] = {{"dtype", dtypes[static_cast<int>(node_.opts_.type)]}, {"shape", frame_shape(frames)}, {"data_offsets", {0, at}}};
    if (info) info->push_back(tensor_info("frames", node_.opts_.type, frame_shape(frames), layout));
    for (const Tail& t : tails) {
      h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {at, at + t.bytes.size()}}};
      at += t.bytes.size();
      if (info) info->push_back({{"tensor", t.name}, {"dtype", t.dtype == "I64" ? "int64" : "float64"}, {"shape", t.shape}});
    }
    std::string text = h.dump();
    if (head_size_ > 0) {
      if (8 + text.size() > head_size_)
        throw Error("format.safetensors: the header outgrew its reserve", "report this as a bug");
      text.append(head_size_ - 8 - text.size(), ' ');
    }
    return with_length(text);
  }

  const FormatSafetensors& node_;
  const std::size_t planned_;
  OutputFile file_;
  std::unique_ptr<FrameEncoder> enc_;
  std::size_t count_ = 0, head_size_ = 0;
};

std::unique_ptr<FrameStream> FormatSafetensors::open(Job& job, std::size_t planned_frames) const {
  if (job.video().out_dir.empty()) return nullptr;  // no -o: nothing to write
  return std::make_unique<Stream>(*this, job, planned_frames);
}

}  // namespace

void register_format_safetensors(Registry& r) { r.add<FormatSafetensors>(); }

}  // namespace vidpipe::nodes
