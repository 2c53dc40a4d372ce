// --model and --hf-config (README.md: Chat messages, --hf-config): the model profile of a run and
// the constants a Hugging Face model folder replaces in it (hf_config.hpp).
#include "commands.hpp"
#include "vidpipe/runtime/graph.hpp"
#include "vidpipe/runtime/hf_config.hpp"

using namespace vidpipe;
using namespace vidpipe::runtime;

namespace vidpipe::cli {

bool model_overrides(const std::string& model, const std::string& hf_config, Overrides& ov) {
  if (!hf_config.empty()) {
    try {
      HfConfig hf = read_hf_config(hf_config);
      ov.model = hf.profile;
      ov.profile_params = hf.params;
      for (const auto& line : hf.ignored) print_error("--hf-config: not used: " + line);
    } catch (const Error& e) {
      print_error(e);
      return false;
    }
  }
  if (!model.empty()) ov.model = model;
  return true;
}

}  // namespace vidpipe::cli
