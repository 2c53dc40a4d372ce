// The Session API with the in-process test nodes of executor_harness.hpp: per-input parameters
// (by name, by node, errors for one submit only), per-submit output folders, concurrent
// submits, and cancellation that leaves no work running. With the real plugins and the CLI as
// the reference: test_session_media.cpp.
#include <doctest/doctest.h>

// GraphOpts is filled with designated initializers; the members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "executor_harness.hpp"
#include "temp_dir.hpp"
#include "vidpipe/runtime/session.hpp"

namespace fs = std::filesystem;
using namespace harness;

namespace {

std::string submit_error(Session& s, const json& overrides) {
  SubmitOptions o;
  o.overrides = overrides;
  try {
    s.submit("x_frames=1", o);
  } catch (const Error& e) {
    return std::string(e.what()) + " (fix: " + e.hint() + ")";
  }
  return "";
}

bool ready(std::future<Result>& f) { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

}  // namespace

TEST_CASE("session: per-input overrides reach their job only; a bad one fails that submit only") {
  g_obs.reset();
  Watchdog dog(300);
  auto g = make_graph({.max_jobs = 2, .map = "max_sleep_us: 0"}, {});
  Session session(g);

  // node.param reaches an expander (the decoder's place); the same input without it is fine.
  SubmitOptions failing;
  failing.overrides = {{"expand.fail_input", "a_frames=6"}, {"expand.fail_at", 2}};
  auto broken = session.submit("a_frames=6", failing);
  auto plain = session.submit("a_frames=6");
  // A bare name reaches the nodes working on the clip that declare it (here the map).
  SubmitOptions by_name;
  by_name.overrides = {{"fail_input", "b_frames=4"}, {"fail_at", 1}};
  auto by_name_result = session.submit("b_frames=4", by_name);

  Result r = broken.get();
  CHECK(r.job.status == "failed");
  CHECK(r.job.error_node == "expand");
  CHECK(r.job.error.find("expand broke at frame 2") != std::string::npos);
  CHECK(plain.get().job.status == "ok");
  Result n = by_name_result.get();
  CHECK(n.job.status == "failed");
  CHECK(n.job.error_node == "map");  // the map's fail_input, not only the expander's

  // Errors name the key and say what to do; the session goes on.
  CHECK(submit_error(session, {{"nope", 1}}).find("no node of the graph takes a parameter 'nope'") != std::string::npos);
  CHECK(submit_error(session, {{"max_sleep_ux", 1}}).find("did you mean 'max_sleep_us'") != std::string::npos);
  CHECK(submit_error(session, {{"map.max_sleep_us", "slow"}}).find("must be an integer") != std::string::npos);
  CHECK(submit_error(session, {{"map.max_sleep_us", -5}}).find("out of range") != std::string::npos);
  CHECK(submit_error(session, {{"mapp.copy", true}}).find("no node 'mapp'") != std::string::npos);
  CHECK(submit_error(session, {{"map.nope", true}}).find("node 'map' (test.jitter) has no parameter 'nope'") != std::string::npos);
  CHECK(submit_error(session, {{"map.type", "test.other"}}).find("a node's type is fixed for the session") !=
        std::string::npos);
  // A parameter only an expander declares is a limit on the input: it must be named.
  CHECK(submit_error(session, {{"cancel_at", 3}}).find("expand.cancel_at") != std::string::npos);
  CHECK(submit_error(session, {{"sink.file", "x"}}).find("has no parameter") != std::string::npos);
  CHECK(submit_error(session, json::array({1})).find("must be an object") != std::string::npos);
  CHECK(session.submit("c_frames=3").get().job.status == "ok");
  CHECK(g_obs.parent_mismatch == 0);
}

TEST_CASE("session: an output folder per submit, or none") {
  g_obs.reset();
  Watchdog dog(300);
  TempDir tmp;
  auto g = make_graph({.map = "max_sleep_us: 0"}, {});
  Session session(g);  // no folder for the session
  SubmitOptions to_disk;
  to_disk.output_dir = (tmp.path / "out").string();
  Result written = session.submit("w_frames=3", to_disk).get();
  Result in_memory = session.submit("m_frames=3").get();
  CHECK(written.job.status == "ok");
  CHECK(written.job.output_dir == (tmp.path / "out" / "w_frames=3").string());
  CHECK(fs::exists(tmp.path / "out" / "w_frames=3" / "clip.txt"));
  CHECK(in_memory.job.status == "ok");
  CHECK(in_memory.job.output_dir.empty());
  // The same input into the same folder again: refused by the -o rules (docs/outputs.md).
  Result again = session.submit("w_frames=3", to_disk).get();
  CHECK(again.job.status == "failed");
  CHECK(again.job.error_node == "output");
  // ... but under another name it is another output (e.g. the same video with other settings),
  // whether or not the first job has been published yet.
  to_disk.name = "small";
  Result renamed = session.submit("w_frames=3", to_disk).get();
  CHECK(renamed.job.status == "ok");
  CHECK(fs::exists(tmp.path / "out" / "small" / "clip.txt"));
}

TEST_CASE("session: 4 threads submit concurrently; every job gets its own frames") {
  g_obs.reset();
  Watchdog dog(300);
  auto g = make_graph({.max_jobs = 3, .max_frames = 4, .map = "max_sleep_us: 50"}, {});
  Session session(g);
  std::vector<std::thread> threads;
  std::vector<std::vector<Result>> results(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<std::future<Result>> futures;
      for (int i = 0; i < 25; ++i)
        futures.push_back(session.submit("t" + std::to_string(t) + "_" + std::to_string(i) + "_frames=" + std::to_string(i % 7)));
      for (auto& f : futures) results[t].push_back(f.get());
    });
  for (auto& th : threads) th.join();
  std::lock_guard lock(g_obs.mu);
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 25; ++i) {
      const Result& r = results[t][i];
      CHECK(r.job.status == "ok");
      REQUIRE(g_obs.received[r.job.input].size() == 1);
      CHECK(g_obs.received[r.job.input][0] == iota(i % 7));
    }
  CHECK(g_obs.live_frames == 0);
  CHECK(g_obs.max_jobs_active <= 3);
}

TEST_CASE("session: cancel() mid-run returns with no node call running and every future resolved") {
  g_obs.reset();
  Watchdog dog(300);
  auto g = make_graph({.max_jobs = 2, .max_frames = 8, .map = "max_sleep_us: 100"}, {});
  Session session(g);
  std::vector<std::future<Result>> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(session.submit("long" + std::to_string(i) + "_frames=1000000"));
  while (g_obs.map_calls < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  session.cancel();
  const int64_t calls = g_obs.map_calls;
  for (auto& f : futures) REQUIRE(ready(f));
  CHECK(g_obs.expand_active == 0);
  CHECK(g_obs.sink_active == 0);
  CHECK(g_obs.live_frames == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(g_obs.map_calls == calls);  // nothing ran after cancel() returned
  int interrupted = 0, not_started = 0;
  for (auto& f : futures) {
    Result r = f.get();
    CHECK(r.cancelled());
    interrupted += r.job.status == "interrupted";
    not_started += r.job.status == "not started";
  }
  CHECK(interrupted == 2);  // the jobs in flight
  CHECK(not_started == 4);  // the queued ones never started
  // A cancelled session starts nothing more.
  CHECK(session.submit("late_frames=3").get().job.status == "not started");
}

TEST_CASE("session: destroying a busy session cancels its work") {
  g_obs.reset();
  Watchdog dog(300);
  auto g = make_graph({.max_jobs = 2, .map = "max_sleep_us: 100"}, {});
  std::future<Result> f;
  {
    Session session(g);
    f = session.submit("busy_frames=1000000");
    while (g_obs.map_calls < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(ready(f));
  CHECK(f.get().job.status == "interrupted");
  CHECK(g_obs.live_frames == 0);
}
