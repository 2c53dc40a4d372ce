// Everything a plugin author includes.
#pragma once
#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/error.hpp"
#include "vidpipe/sdk/input.hpp"
#include "vidpipe/sdk/node.hpp"
#include "vidpipe/sdk/output_file.hpp"
#include "vidpipe/sdk/params.hpp"
#include "vidpipe/sdk/plan.hpp"
#include "vidpipe/sdk/plugin.hpp"
#include "vidpipe/sdk/version.hpp"
