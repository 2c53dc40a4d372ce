// Clip -> NumPy: a strided view of the frame slab (zero copy) or a packed copy.
#include "clip_array.hpp"

#include <cstring>

#include <pybind11/numpy.h>

namespace py = pybind11;

namespace vidpipe::python {
namespace {

// What keeps the array's memory alive: the clip (its frames alias the slab) and the slab.
struct Owner {
  std::shared_ptr<const void> plugins;  // first, so freed last: the clip's code lives there
  ClipPtr clip;
  std::shared_ptr<const FrameSlab> slab;
};

// True when frame k's pixels are slot k of `slab`, for every frame, all of the slab's size.
bool frames_are_the_slab(const Clip& clip, const FrameSlab* slab) {
  if (!slab || clip.frames.size() != slab->frames() || !slab->complete()) return false;
  for (std::size_t k = 0; k < clip.frames.size(); ++k) {
    const Frame& f = *clip.frames[k];
    if (!f.data || f.data.get() != slab->slot(k) || f.width != slab->width() || f.height != slab->height() ||
        f.stride != slab->stride() || f.format != slab->format())
      return false;
  }
  return true;
}

py::array frames_array(const runtime::Result& r, const std::shared_ptr<const void>& keep, bool& zero_copy) {
  zero_copy = false;
  const ClipPtr clip = r.clip();
  if (!clip || clip->frames.empty() || !clip->frames[0]->data) return py::none();
  const Frame& first = *clip->frames[0];
  const auto t = static_cast<py::ssize_t>(clip->frames.size());
  const py::ssize_t h = first.height, w = first.width, c = channels(first.format);
  const FrameSlab* slab = r.job.frame_slab.get();
  if (frames_are_the_slab(*clip, slab)) {
    auto* owner = new Owner{keep, clip, r.job.frame_slab};
    py::capsule base(owner, [](void* p) { delete static_cast<Owner*>(p); });
    zero_copy = true;
    const auto pitch = static_cast<py::ssize_t>(slab->pitch());
    py::array a(py::dtype::of<uint8_t>(), {t, h, w, c}, {pitch, static_cast<py::ssize_t>(first.stride), c, py::ssize_t{1}},
                slab->slot(0), base);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;  // frames are const
    return a;
  }
  // Frames made elsewhere (passed through, repeated picks, another size): one packed copy.
  py::array_t<uint8_t> a({t, h, w, c});
  uint8_t* out = a.mutable_data();
  const std::size_t row = static_cast<std::size_t>(w * c);
  for (const auto& f : clip->frames) {
    if (!f->data || f->width != w || f->height != h || channels(f->format) != c)
      throw Error("the clip's frames differ in size", "give the graph a resize node so every frame has one size",
                  ErrorKind::Configuration);
    for (int y = 0; y < h; ++y, out += row) std::memcpy(out, f->row(y), row);
  }
  return a;
}

}  // namespace

json result_metadata(const runtime::Result& r, bool zero_copy) {
  const runtime::JobResult& j = r.job;
  json m = {{"input", j.input}, {"status", j.status}};
  if (!j.damage.empty()) m["damage"] = j.damage;
  if (const ClipPtr clip = r.clip(); clip && clip->plan) {
    const SamplePlan& plan = *clip->plan;
    m["num_frames"] = clip->frames.size();
    m["frame_indices"] = plan.indices;
    m["timestamps"] = plan.timestamps;
    m["sample_fps"] = plan.sample_fps;
    m["sampled_from_frames"] = plan.total_frames;  // the time range's frames (all without one)
    m["sampler"] = plan.sampler;
    if (!clip->frames.empty()) m["resized_height"] = clip->frames[0]->height, m["resized_width"] = clip->frames[0]->width;
    if (plan.info) {
      const VideoInfo& info = *plan.info;
      m["original_fps"] = info.fps, m["duration"] = info.duration, m["total_frames"] = info.frame_count;
      m["rotation"] = info.rotation;
    }
    m["grid_thw"] = nullptr, m["total_tokens"] = nullptr;
    if (clip->tokens) {
      m["grid_thw"] = clip->tokens->grid_thw;
      m["total_tokens"] = clip->tokens->total_tokens;
      m["padded_frames"] = clip->tokens->padded_frames;
      for (const auto& [k, v] : clip->tokens->extra.items()) m[k] = v;  // second_per_grid_ts ...
    }
    m["zero_copy"] = zero_copy;
  }
  if (!j.output_dir.empty()) m["output_dir"] = j.output_dir;
  m["notes"] = j.notes;
  m["timing"] = j.timing;
  return m;
}

py::dict result_dict(const runtime::Result& r, std::shared_ptr<const void> keep) {
  bool zero_copy = false;
  py::object frames = frames_array(r, keep, zero_copy);
  const std::string text = json_text(result_metadata(r, zero_copy));
  py::dict d;
  d["frames"] = frames;
  d["zero_copy"] = zero_copy;
  d["metadata"] = py::module_::import("json").attr("loads")(text);
  return d;
}

}  // namespace vidpipe::python
