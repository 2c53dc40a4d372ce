// InputData (vidpipe/media/input_data.hpp): a memory input is decoded once and read at any
// position; bytes handed on by a prober are checked against the reader's own byte cap.
#include <doctest/doctest.h>

#include <string>

#include <vidpipe/media/input_data.hpp>

extern "C" {
#include <libavutil/error.h>
}

using vidpipe::av::InputData;

TEST_CASE("a base64 input is decoded once and read at any position") {
  const std::string text = "data:video/mp4;base64,AAECAwQFBgcICQ==";  // bytes 0..9
  vidpipe::av::InputOptions opt;
  auto d = InputData::load(text, opt);
  REQUIRE(d->size() == 10);
  uint8_t buf[16] = {};
  CHECK(d->read_at(7, buf, 16) == 3);
  CHECK((buf[0] == 7 && buf[1] == 8 && buf[2] == 9));
  CHECK(d->read_at(10, buf, 4) == AVERROR_EOF);
  const auto whole = d->whole();
  REQUIRE(whole->size == 10);
  CHECK(whole->data[4] == 4);
  CHECK(d->whole() == whole);  // the same bytes, not a second decode
  CHECK(InputData::load_unless_file("video.mp4", opt) == nullptr);
}

TEST_CASE("bytes handed on are held to the reader's own max_input_bytes") {
  vidpipe::av::InputOptions small;
  small.max_input_bytes = 5;
  auto owner = std::make_shared<std::string>(10, 'x');
  auto bytes = std::make_shared<const vidpipe::InputBytes>(
      vidpipe::InputBytes{reinterpret_cast<const uint8_t*>(owner->data()), owner->size(), owner});
  CHECK_THROWS_WITH_AS(InputData::from_bytes(bytes, "http://host/v.mp4", small),
                       doctest::Contains("download is larger than max_input_bytes 5"), vidpipe::LimitError);
  vidpipe::av::InputOptions enough;
  auto d = InputData::from_bytes(bytes, "http://host/v.mp4", enough);
  CHECK(d->size() == 10);
  CHECK(d->whole() == bytes);
}
