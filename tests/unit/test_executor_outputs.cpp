// The executor's output folders and partial jobs, with the test nodes of executor_harness.hpp.
#include <doctest/doctest.h>

// GraphOpts is filled with designated initializers; the members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "executor_harness.hpp"
#include "temp_dir.hpp"
#include "vidpipe/runtime/report.hpp"

namespace fs = std::filesystem;
using namespace harness;

TEST_CASE("output folders: published on success, nothing left on failure") {
  TempDir tmp;
  std::vector<std::string> in = {"okA_frames=3", "bad_frames=3", "okB_frames=4", "okA_frames=3", "badmap_frames=4"};
  // `bad` fails in the sink after it wrote its file; `badmap` fails before anything is written.
  auto g = make_graph({.map = "fail_input: badmap_frames=4, fail_at: 1", .sink = "fail_input: bad_frames=3"}, in);
  RunOptions opt;
  opt.output_dir = (tmp.path / "out").string();  // created by run()
  auto report = run(g, opt);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 5);
  CHECK(report.jobs[0].status == "ok");
  CHECK(report.jobs[1].status == "failed");
  CHECK(report.jobs[2].status == "ok");
  CHECK(report.jobs[3].status == "skipped");  // the same input again: processed once
  CHECK(report.jobs[4].status == "failed");
  CHECK(report.jobs[0].name == "okA_frames=3");
  CHECK(report.failed() == 2);
  const fs::path out = opt.output_dir;
  for (int i : {0, 2}) {
    const auto& j = report.jobs[i];
    CHECK(j.output_dir == (out / j.name).string());
    CHECK(fs::is_directory(out / j.name));
    CHECK(fs::exists(out / j.name / "clip.txt"));
  }
  CHECK(report.jobs[1].output_dir.empty());
  CHECK(report.jobs[4].output_dir.empty());
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(out)) entries.push_back(e.path().filename().string());
  std::sort(entries.begin(), entries.end());
  CHECK(entries == std::vector<std::string>{"okA_frames=3", "okB_frames=4"});
}


TEST_CASE("partial: a job reported damaged is published, counted and described, unless it fails") {
  TempDir tmp;
  std::vector<std::string> in = {"ok_frames=3", "damaged_frames=3", "worse_frames=3"};
  // `worse` is reported damaged too, then fails in the sink: failed wins.
  auto g = make_graph({.expand = "damage_input: damaged_frames=3", .sink = "fail_input: worse_frames=3"}, in);
  auto g2 = make_graph({.expand = "damage_input: worse_frames=3", .sink = "fail_input: worse_frames=3"}, in);
  RunOptions opt;
  opt.output_dir = (tmp.path / "out").string();
  auto report = run(g, opt);
  INFO(describe(report));
  REQUIRE(report.jobs.size() == 3);
  CHECK(report.jobs[0].status == "ok");
  CHECK(report.jobs[0].damage.empty());
  const JobResult& d = report.jobs[1];
  CHECK(d.status == "partial");
  CHECK(d.damage == "2 frames do not decode; truncated at 5 s; truncated");
  CHECK(d.damage_line() ==
        "damaged_frames=3: partial output from a damaged input: 2 frames do not decode; truncated at 5 s; truncated");
  CHECK(d.output_dir == (fs::path(opt.output_dir) / d.name).string());
  CHECK(fs::exists(fs::path(d.output_dir) / "clip.txt"));
  CHECK(report.jobs[2].status == "failed");
  CHECK(report.failed() == 1);
  CHECK(report.partial() == 1);
  const std::string text = summary_text(report);
  CHECK(text.find("3 inputs, 1 ok, 1 partial, 1 failed") != std::string::npos);
  const json j = summary_json(report, false);
  CHECK(j["partial"] == 1);
  CHECK(j["failed"] == 1);
  CHECK(j["jobs"][1]["status"] == "partial");
  CHECK(j["jobs"][1]["damage"] == d.damage);
  CHECK_FALSE(j["jobs"][0].contains("damage"));

  opt.output_dir = (tmp.path / "out2").string();  // fresh: the first run's outputs are not in the way
  auto report2 = run(g2, opt);
  INFO(describe(report2));
  REQUIRE(report2.jobs.size() == 3);
  CHECK(report2.jobs[0].status == "ok");
  CHECK(report2.jobs[2].status == "failed");  // damaged, then failed: failed
  CHECK(report2.jobs[2].damage.empty());
  CHECK(report2.partial() == 0);
}

