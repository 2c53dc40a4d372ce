// Fields a sampler fills in a SamplePlan from its indices: timestamps and the repeat record.
#pragma once

#include <vidpipe/sdk/data.hpp>

#include "common/sampling.hpp"

namespace vidpipe::ref {

// Fills plan.timestamps from plan.indices: the packet index's presentation times when the
// prober built one (exact for VFR), else index / fps (the reference's rule); records which in
// extra["timestamps_from"].
void set_timestamps(SamplePlan& plan);

// Records frames repeated by short_video pad in extra["short_video"] (removes a stale record).
void note_repeats(SamplePlan& plan, const UniformSample& picked);

}  // namespace vidpipe::ref
