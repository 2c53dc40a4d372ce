// What `vidpipe eval scenes` (eval.cpp) and `vidpipe eval sampler` (eval_sampler.cpp) share: the
// truth file (docs/sampling.md §8), which maps each video's file name to
// {"cuts": [first frame of each new shot], "ambiguous": [...], "gradual": [[first, last]]}.
#pragma once

#include <string>

#include "vidpipe/sdk/data.hpp"

namespace vidpipe::cli {

// The parsed truth file; throws vidpipe::Error when it cannot be read or is not a JSON object.
json load_truth(const std::string& path);
// The entry of `input` (looked up by its file name); throws vidpipe::Error when there is none.
const json& truth_for(const json& truth, const std::string& input);

}  // namespace vidpipe::cli
