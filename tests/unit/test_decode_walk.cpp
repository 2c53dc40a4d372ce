// The walk (decode_frames, sdk/src/decode_walk.cpp) over a fake in-memory backend, no FFmpeg:
// seeking policy, restarts after damage under frame threads, neighbours for frames that do not
// decode, the damage ratio, fail mode, cancellation, duplicates, limits. The real backends
// against the ffmpeg CLI: test_ffmpeg_reader.cpp, test_decode_backends.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <vidpipe/sdk/decoder_backend.hpp>
#include <vidpipe/sdk/error.hpp>

using namespace vidpipe;

namespace {

// A video of `frames` frames in presentation order (no reordering), frame i at pts 10 i; each
// decoded picture is 4x2 pixels of value i (i + 100 once a frame-threaded decode is troubled).
struct FakeVideo {
  int64_t frames = 100;
  std::vector<int64_t> keyframes = {0, 30, 60, 90};
  std::set<int64_t> lost;     // never come out of the decoder
  std::set<int64_t> damaged;  // come out with concealed errors
  int64_t trouble_at = -1;    // frame-threaded only: troubled from this frame on, pictures garbage
  std::function<int64_t(int64_t)> land;  // seek(key) -> frame landed on, -1 or kSeekFailed; null: the keyframe
  bool with_index = true;
};

class FakeBackend final : public DecoderBackend {
 public:
  explicit FakeBackend(FakeVideo v) : v_(std::move(v)) {
    auto ix = std::make_shared<PacketIndex>();
    for (int64_t i = 0; i < v_.frames; ++i) ix->pts.push_back(10 * i);
    ix->keyframes = v_.keyframes;
    for (int64_t k : v_.keyframes) ix->key_dts.push_back(10 * k);
    ix->time_base = 0.01;
    ix->usable = true;
    ix_ = ix;
  }
  BackendCaps open(const BackendOpen& how) override {
    how_ = how;
    pos_ = 0, c_ = {};
    return new_decoder(how.threads);
  }
  std::shared_ptr<const PacketIndex> index() const override { return v_.with_index ? ix_ : nullptr; }
  int64_t seek(int64_t key) override {
    ++c_.seeks;
    const int64_t at = v_.land ? v_.land(key) : v_.keyframes[key];
    if (at != kSeekFailed) pos_ = at >= 0 ? at : v_.keyframes[key] + 1;
    return at;
  }
  void rewind() override { pos_ = 0, ++rewinds; }
  BackendCaps new_decoder(int threads) override {
    threaded_ = threads != 1, troubled_ = false;
    return {threaded_};
  }
  int next(Picture& out) override {
    if (how_.cancelled && how_.cancelled()) return -1;
    while (pos_ < v_.frames && v_.lost.count(pos_)) ++pos_;
    if (pos_ >= v_.frames) return 0;
    cur_ = pos_++;
    ++c_.packets_sent;
    if (threaded_ && cur_ == v_.trouble_at) troubled_ = true;
    out.pts = 10 * cur_;
    out.seconds = 0.5 * static_cast<double>(cur_);
    out.damaged = v_.damaged.count(cur_) != 0;
    return 1;
  }
  std::shared_ptr<Frame> frame() override {
    FrameBuffer fb = make_frame(4, 2);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 12; ++x) fb.pixels[y * fb.frame->stride + x] = static_cast<uint8_t>(cur_ + (troubled_ ? 100 : 0));
    return fb.frame;
  }
  bool troubled() const override { return troubled_; }
  DecoderCounters counters() const override { return c_; }
  void restore(const DecoderCounters& c) override { c_ = c; }

  int rewinds = 0;

 private:
  FakeVideo v_;
  std::shared_ptr<const PacketIndex> ix_;
  BackendOpen how_;
  int64_t pos_ = 0, cur_ = -1;
  bool threaded_ = false, troubled_ = false;
  DecoderCounters c_;
};

PlanPtr plan_of(std::vector<int64_t> indices, VideoInfo info = {}) {
  info.input = "fake.mp4";
  auto plan = std::make_shared<SamplePlan>();
  plan->info = std::make_shared<const VideoInfo>(info);
  plan->indices = std::move(indices);
  return plan;
}

std::vector<int64_t> iota(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

struct Run {
  std::vector<FramePtr> frames;
  WalkStats stats;
  int rewinds = 0;
  int value(std::size_t k) const { return frames[k]->row(0)[0]; }
};

Run walk(const FakeVideo& v, std::vector<int64_t> plan, WalkOptions opt = {}, VideoInfo info = {}) {
  FakeBackend b(v);
  Run r;
  r.stats = decode_frames(b, plan_of(std::move(plan), info), opt, [&](FramePtr f) {
    r.frames.push_back(f);
    return true;
  });
  r.rewinds = b.rewinds;
  return r;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a sparse plan seeks; a seek that lands off a keyframe tries an earlier one, then rewinds") {
  const Run plain = walk({}, {95});
  REQUIRE(plain.frames.size() == 1);
  CHECK(plain.value(0) == 95);
  CHECK(plain.stats.seeks == 1);
  CHECK(plain.stats.decoded_frames == 6);  // 90..95
  CHECK(plain.stats.strategy == "seek");

  FakeVideo late;  // keyframe 90 cannot be reached: the seek lands on a non-keyframe
  late.land = [](int64_t key) { return key == 3 ? -1 : int64_t{30} * key; };
  const Run r = walk(late, {95});
  REQUIRE(r.frames.size() == 1);
  CHECK(r.value(0) == 95);
  CHECK(r.frames[0]->index == 95);
  CHECK(r.stats.seeks == 2);
  CHECK(r.stats.decoded_frames == 36);  // 60..95
  CHECK(r.rewinds == 0);

  FakeVideo never;  // no seek lands (3 attempts): decode from the start
  never.land = [](int64_t key) { return key == 0 ? int64_t{0} : -1; };
  const Run g = walk(never, {95});
  REQUIRE(g.frames.size() == 1);
  CHECK(g.value(0) == 95);
  CHECK(g.rewinds == 1);
  CHECK(g.stats.seeks == 4);  // keyframes 90, 60, 30, then the first one after rewinding
  CHECK(g.stats.decoded_frames == 96);

  FakeVideo fails;  // the input cannot seek: no further attempts
  fails.land = [](int64_t key) { return key == 0 ? int64_t{0} : kSeekFailed; };
  const Run f = walk(fails, {95});
  CHECK(f.value(0) == 95);
  CHECK(f.stats.seeks == 2);
  CHECK(f.rewinds == 1);
}

TEST_CASE("damage under frame threads: restart single-threaded from the checkpoint, nothing twice") {
  WalkOptions one;
  one.threads = 1;
  struct Case {
    const char* what;
    FakeVideo v;
    std::vector<int64_t> plan;
    int64_t restart_from;
  };
  FakeVideo troubled;
  troubled.trouble_at = 45;
  FakeVideo troubled_late;
  troubled_late.trouble_at = 80;
  FakeVideo damaged;
  damaged.damaged = {85};
  FakeVideo lost;
  lost.lost = {72};
  const std::vector<Case> cases = {{"troubled, dense", troubled, iota(0, 60), 0},
                                   {"troubled after a seek", troubled_late, {3, 70, 75, 95}, 60},
                                   {"a damaged frame after a seek", damaged, {3, 70, 75, 85, 95}, 60},
                                   {"a lost frame after a seek", lost, {3, 70, 72, 95}, 60}};
  for (const Case& c : cases) {
    INFO(c.what);
    const Run ref = walk(c.v, c.plan, one);
    CHECK(ref.stats.restart_from == -1);
    const Run r = walk(c.v, c.plan, {});
    CHECK(r.stats.restart_from == c.restart_from);
    CHECK(!r.stats.restart_reason.empty());
    REQUIRE(r.frames.size() == c.plan.size());  // each planned frame handed out once
    for (std::size_t k = 0; k < c.plan.size(); ++k) {
      CHECK(r.frames[k]->index == c.plan[k]);
      CHECK(r.value(k) == ref.value(k));
      CHECK(r.value(k) < 100);  // no picture of the troubled decoder
    }
    CHECK(r.stats.decoded_frames == ref.stats.decoded_frames);
    CHECK(r.stats.returned_frames == ref.stats.returned_frames);
    CHECK(r.stats.packets_sent == ref.stats.packets_sent);
    CHECK(r.stats.seeks == ref.stats.seeks);
    CHECK(r.stats.corrupt_frames == ref.stats.corrupt_frames);
    CHECK(r.stats.missing_frames == ref.stats.missing_frames);
  }
}

TEST_CASE("frames that do not decode are answered by a neighbour and counted; fail mode throws") {
  FakeVideo v;
  v.lost = {10, 97, 98, 99};
  const Run r = walk(v, {10, 11, 96, 99});
  REQUIRE(r.frames.size() == 4);
  CHECK(r.frames[0]->index == 10);  // answered by frame 11, under its own index and time
  CHECK(r.value(0) == 11);
  CHECK(r.frames[0]->timestamp == doctest::Approx(1.0));
  CHECK(r.frames[3]->index == 99);  // past the last frame that decodes: the last one
  CHECK(r.value(3) == 96);
  CHECK(r.stats.missing_frames == 2);
  WalkOptions fail;
  fail.on_decode_error = "fail";
  CHECK(error_of([&] { walk(v, {10}, fail); }).find("fake.mp4: frame 10 does not decode") == 0);
  FakeVideo d;
  d.damaged = {5};
  CHECK(walk(d, {5}).stats.corrupt_frames == 1);
  CHECK(error_of([&] { walk(d, {5}, fail); }).find("frame 5 is damaged") != std::string::npos);
  FakeVideo none;
  none.lost = {0, 1, 2, 3, 4, 5};
  none.frames = 6;
  none.keyframes = {0};
  CHECK(error_of([&] { walk(none, {2}); }).find("has no video frames") != std::string::npos);
}

TEST_CASE("the damage ratio: skip mode fails above max_corrupt_ratio") {
  FakeVideo v;
  v.damaged = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  WalkOptions opt;
  opt.max_corrupt_ratio = 0.25;
  CHECK(error_of([&] { walk(v, iota(0, 20), opt); }).find("too damaged: 10 damaged of 20") != std::string::npos);
  opt.max_corrupt_ratio = 0.5;
  CHECK(walk(v, iota(0, 20), opt).stats.corrupt_frames == 10);
}

TEST_CASE("cancellation ends the walk quietly; on_frame's false stops it") {
  bool cancel = false;
  WalkOptions opt;
  opt.cancelled = [&] { return cancel; };
  FakeBackend b({});
  std::vector<FramePtr> got;
  CHECK_NOTHROW(decode_frames(b, plan_of(iota(0, 20)), opt, [&](FramePtr f) {
    got.push_back(f);
    cancel = got.size() == 3;
    return true;
  }));
  CHECK(got.size() == 3);
  FakeBackend b2({});
  int calls = 0;
  decode_frames(b2, plan_of(iota(0, 20)), {}, [&](FramePtr) { return ++calls < 2; });
  CHECK(calls == 2);
}

TEST_CASE("duplicates in the plan, approximate mode, no index, bad plans") {
  const Run d = walk({}, {5, 5, 7});
  REQUIRE(d.frames.size() == 3);
  CHECK(d.frames[0] == d.frames[1]);  // the same frame, decoded once
  CHECK(d.value(2) == 7);
  CHECK(d.stats.returned_frames == 3);
  CHECK(d.stats.decoded_frames == 8);

  WalkOptions approx;
  approx.seek_mode = "approximate";
  const Run a = walk({}, {40, 95}, approx);
  REQUIRE(a.frames.size() == 2);
  CHECK(a.frames[0]->index == 30);
  CHECK(a.frames[1]->index == 90);
  CHECK(a.stats.decoded_frames == 2);
  CHECK(a.stats.strategy == "keyframes");
  CHECK(a.stats.approximate_from == std::vector<int64_t>{40, 95});

  FakeVideo bare;  // frame i = the i-th picture
  bare.with_index = false;
  bare.lost = {3};
  const Run n = walk(bare, {0, 5});
  CHECK(n.value(1) == 6);
  CHECK(n.frames[1]->timestamp == doctest::Approx(3.0));  // the backend's own time
  CHECK(n.stats.seeks == 0);

  CHECK(error_of([] { walk({}, {5, 3}); }).find("ascending") != std::string::npos);
  CHECK(error_of([] { walk({}, {100}); }).find("only 100 decodable frames") != std::string::npos);
  VideoInfo timed;  // the probe's frame times win
  timed.frame_count = 100;
  for (int i = 0; i < 100; ++i) timed.frame_times.push_back(2.0 * i);
  CHECK(walk({}, {7}, {}, timed).frames[0]->timestamp == doctest::Approx(14.0));
}

TEST_CASE("limits throw LimitError") {
  WalkOptions opt;
  opt.limits.max_frames = 3;
  CHECK_THROWS_AS(walk({}, {10}, opt), LimitError);
  WalkOptions late;
  late.limits.deadline = DecodeLimits::Clock::now() - std::chrono::seconds(1);
  late.limits.deadline_s = 1;
  CHECK_THROWS_AS(walk({}, {10}, late), LimitError);
  VideoInfo big;
  big.width = big.height = 100;
  WalkOptions px;
  px.limits.max_pixels = 50;
  CHECK_THROWS_AS(walk({}, {1}, px, big), LimitError);
  VideoInfo longer;
  longer.duration = 10;
  WalkOptions dur;
  dur.limits.max_duration = 5;
  CHECK_THROWS_AS(walk({}, {1}, dur, longer), LimitError);
}
