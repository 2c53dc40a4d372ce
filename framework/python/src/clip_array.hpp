// A job's result as Python sees it: the clip's frames as one NumPy array and its metadata.
#pragma once

#include <pybind11/pybind11.h>

#include "vidpipe/runtime/session.hpp"

namespace vidpipe::python {

// {"frames": uint8 array T x H x W x C (or None), "zero_copy": bool, "metadata": dict}.
// The array views the clip's frame slab when every frame lies in it (no copy; the array holds
// the clip and slab alive), else it is one packed copy (docs in README.md: Python).
// `keep` (the plugins the clip's objects come from) lives as long as the array.
pybind11::dict result_dict(const runtime::Result& result, std::shared_ptr<const void> keep);

// The metadata alone, as JSON (what result_dict's "metadata" holds).
json result_metadata(const runtime::Result& result, bool zero_copy);

}  // namespace vidpipe::python
