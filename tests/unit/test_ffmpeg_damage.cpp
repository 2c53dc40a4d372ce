// FrameReader on damaged and hostile inputs: clear errors naming the input, damage counted
// (or an error with on_decode_error=fail), never a hang; the same frames and counts at any
// thread count; the limits. Formats and seeking: test_ffmpeg_reader.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ffmpeg_test_videos.hpp"

using namespace vidpipe::test;
using vidpipe::Error;
using vidpipe::FramePtr;
using vidpipe::LimitError;

TEST_CASE("bad inputs throw vidpipe::Error naming the input") {
  auto& vs = videos();
  const std::vector<std::string> bad = {(vs.dir / "missing.mp4").string(), vs.file("text"),
                                        vs.file("empty"), vs.file("audio")};
  for (const auto& in : bad) {
    REQUIRE(!in.empty());
    check_throws_naming(in, [&] { av::probe(in); });
    check_throws_naming(in, [&] { av::FrameReader r(in); });
  }
  try {
    av::probe(vs.file("audio"));
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("no video stream") != std::string::npos);
  }
  check_throws_naming("http://example.com/a.mp4", [] { av::probe("http://example.com/a.mp4"); });
  // file:// URLs name local files.
  CHECK(av::probe("file://" + vs.file("h264")).width == 320);
}

TEST_CASE("a frame beyond the end throws with the decodable count") {
  const std::string v = videos().file("h264");
  const int64_t n = av::probe(v).frame_count;
  try {
    decode(v, {0, n});
    FAIL("no error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find(v) != std::string::npos);
    CHECK(msg.find("only " + std::to_string(n) + " decodable frames") != std::string::npos);
    CHECK(!e.hint().empty());
  }
}

TEST_CASE("truncated faststart mp4: the probe finds the true count, the reader uses its index") {
  const std::string v = videos().file("trunc");
  REQUIRE(!v.empty());
  const auto t0 = std::chrono::steady_clock::now();
  const auto info = av::probe(v);
  const int64_t n = info.frame_count;
  CHECK(n < 90);
  CHECK(n > 0);
  CHECK(info.extra.contains("frame_count_mismatch"));
  CHECK(info.extra.contains("end_check"));  // the header disagrees: the tail was decoded
  REQUIRE(info.index);
  CHECK(info.index->size() == n);
  CHECK(static_cast<int64_t>(info.frame_times.size()) == n);
  // The header's 90 is not taken: its end does not decode.
  av::ProbeOptions header;
  header.count_packets = false;
  const auto h = av::probe(v, header);
  CHECK(h.frame_count == n);
  CHECK(h.frame_count_source == info.frame_count_source);
  CHECK(h.duration == doctest::Approx(info.duration));
  // As many frames as the ffmpeg CLI decodes.
  CHECK(std::stoll(capture("ffprobe -v error -count_frames -select_streams v -show_entries "
                           "stream=nb_read_frames -of csv=p=0 " + v)) == n);
  MESSAGE("truncated: header 90, packets " << info.extra["packets"] << ", decodable " << n);
  av::FrameReader r(v, {}, info.index);
  std::vector<FramePtr> got;
  r.read(iota_n(n), {}, [&](FramePtr f) { got.push_back(f); return true; });
  CHECK(static_cast<int64_t>(got.size()) == n);
  CHECK(got.back()->index == n - 1);
  CHECK(max_abs_diff(got.back(), cli_frame(v, n - 1)) == 0);
  CHECK_THROWS_AS(r.read({n}, {}, [](FramePtr) { return true; }), Error);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}

TEST_CASE("bit-flipped stream: skip finishes with a damage count, fail throws; never hangs") {
  const std::string v = videos().file("flip");
  REQUIRE(!v.empty());
  const auto t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  try {
    n = av::probe(v).frame_count;
  } catch (const Error& e) {
    MESSAGE("flipped file refused at open: " << e.what());
    CHECK(std::string(e.what()).find(v) != std::string::npos);
    return;
  }
  REQUIRE(n > 0);
  av::ReadOptions skip;
  skip.max_corrupt_ratio = 1.0;
  av::ReadStats st;
  const auto f = decode(v, iota_n(n), skip, &st);
  CHECK(static_cast<int64_t>(f.size()) == n);
  const int64_t damage = st.corrupt_packets + st.corrupt_frames + st.missing_frames;
  MESSAGE("flipped: " << n << " frames, damage: " << st.corrupt_packets << " packets, "
                      << st.corrupt_frames << " frames, " << st.missing_frames << " missing");
  av::ReadOptions fail;
  fail.on_decode_error = "fail";
  if (damage > 0) CHECK_THROWS_AS(decode(v, iota_n(n), fail), Error);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}

TEST_CASE("limits: max_duration, max_frames, max_pixels, deadline are clear, final errors") {
  // LimitError (not a plain Error) is what tells decode.auto not to try another backend.
  const std::string v = videos().file("long");
  av::ProbeOptions p;
  p.max_duration = 5;
  try {
    av::probe(v, p);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("max_duration") != std::string::npos);
  }
  p.max_duration = 0;
  p.max_pixels = 100;
  CHECK_THROWS_AS(av::probe(v, p), LimitError);
  av::ReadOptions o;
  o.limits.max_frames = 20;
  try {
    decode(v, {100}, o);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("max_decoded_frames") != std::string::npos);
  }
  av::ReadOptions px;
  px.max_pixels = 100;
  try {
    decode(v, {0}, px);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("exceeds max_input_pixels 100") != std::string::npos);
  }
  av::ReadOptions d;
  d.limits.deadline = av::Clock::now() - std::chrono::seconds(1);
  d.limits.deadline_s = 1;
  try {
    decode(v, {100}, d);
    FAIL("no error");
  } catch (const LimitError& e) {
    CHECK(std::string(e.what()).find("deadline") != std::string::npos);
  }
}

namespace {

// A copy of `src` with `flips` bits flipped in its coded pictures (the payload of its mdat
// box), at places drawn from `seed`.
std::string flip_pictures(const std::string& src, const std::string& name, unsigned seed, int flips) {
  std::string bytes = capture("cat " + src);
  std::size_t at = 0, lo = 0, hi = 0;
  while (at + 8 <= bytes.size() && hi == 0) {
    auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<uint8_t>(bytes[at + i])); };
    const std::size_t size = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
    if (bytes.compare(at + 4, 4, "mdat") == 0) lo = at + 8, hi = at + size;
    at += size;
  }
  REQUIRE(hi > lo);
  std::mt19937 rng(seed);
  for (int k = 0; k < flips; ++k) bytes[lo + rng() % (hi - lo)] ^= static_cast<char>(1 << (rng() % 8));
  const std::string out = (videos().dir / name).string();
  std::ofstream(out, std::ios::binary) << bytes;
  return out;
}

std::string error_of(const std::string& v, const std::vector<int64_t>& plan, const av::ReadOptions& opt) {
  try {
    decode(v, plan, opt);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("damaged H.264: the same frames, counts and errors at any thread count as with one") {
  // On these FFmpeg's frame threads alone give other pixels and damage counts from run to run
  // (frame_read.cpp). A clip decoded on, and a long GOP reached by a seek.
  const std::string clip = flip_pictures(videos().file("h264"), "h264_flipped.mp4", 7, 12);
  const std::string gop = flip_pictures(videos().file("long"), "long_flipped.mp4", 7, 24);
  for (const auto& [v, sparse] : {std::pair{clip, false}, std::pair{gop, true}}) {
    INFO(v);
    const int64_t n = av::probe(v).frame_count;
    const std::vector<int64_t> plan = sparse ? std::vector<int64_t>{3, 100, 262, n - 1} : iota_n(n);
    av::ReadOptions opt;
    opt.max_corrupt_ratio = 1;
    opt.threads = 1;
    av::ReadStats one;
    const auto ref = decode(v, plan, opt, &one);
    CHECK(one.restart_from == -1);
    CHECK(one.corrupt_packets + one.corrupt_frames + one.missing_frames > 0);
    CHECK(one.seeks == (sparse ? 1 : 0));
    int restarts = 0;
    for (int threads : {0, 4})
      for (int run = 0; run < 3; ++run) {
        INFO("threads ", threads, " run ", run);
        opt.threads = threads;
        av::ReadStats st;
        const auto got = decode(v, plan, opt, &st);
        REQUIRE(got.size() == ref.size());
        for (std::size_t k = 0; k < ref.size(); ++k) CHECK(same_pixels(got[k], ref[k]));
        CHECK(st.corrupt_packets == one.corrupt_packets);
        CHECK(st.corrupt_frames == one.corrupt_frames);
        CHECK(st.missing_frames == one.missing_frames);
        CHECK(st.unmapped_frames == one.unmapped_frames);
        CHECK(st.decoded_frames == one.decoded_frames);
        CHECK(st.returned_frames == one.returned_frames);
        CHECK(st.seeks == one.seeks);
        restarts += st.restart_from >= 0;
      }
    CHECK(restarts >= 3);  // decode.threads=4 went single-threaded each time
    opt.on_decode_error = "fail";
    opt.threads = 1;
    const std::string first = error_of(v, plan, opt);
    CHECK(!first.empty());
    opt.threads = 4;
    for (int run = 0; run < 3; ++run) CHECK(error_of(v, plan, opt) == first);
  }
}
