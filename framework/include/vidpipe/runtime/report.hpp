// Human and JSON renderings of a RunReport.
#pragma once

#include <string>

#include "vidpipe/runtime/executor.hpp"

namespace vidpipe::runtime {

// One line per job (frames, resized size, grid, tokens, output folder or the error), then totals.
std::string summary_text(const RunReport& report);
// {"jobs": [...], "failed": n, "partial": n, "wall_s": s, "profile": {...}}; a partial job has "damage".
json summary_json(const RunReport& report, bool with_profile);

}  // namespace vidpipe::runtime
