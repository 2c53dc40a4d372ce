// Out-of-line members of decoder_backend.hpp (the walk itself: decode_walk.cpp).
#include "vidpipe/sdk/decoder_backend.hpp"

namespace vidpipe {

DecoderBackend::~DecoderBackend() = default;

std::string DecoderBackendSpec::name() const {
  const std::string& t = contract.type;
  return t.rfind("decode.", 0) == 0 ? t.substr(7) : t;
}

}  // namespace vidpipe
