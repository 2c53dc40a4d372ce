// `vidpipe eval scenes --truth TRUTH.json INPUT... [--tolerance N] [--json]`: how well the scene
// detector's cuts match a ground truth (docs/sampling.md §8). TRUTH.json maps each video's file
// name to {"cuts": [first frame of each new shot], "ambiguous": [...], "gradual": [[first, last]]}
// (the last two optional). Counts are summed over all videos (micro-average).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "eval.hpp"
#include "scenes.hpp"
#include "vidpipe/runtime/text.hpp"

namespace vidpipe::cli {
namespace {

struct Counts {
  int64_t tp = 0, fp = 0, fn = 0;
  json summary() const {
    const double p = tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0;
    const double r = tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1.0;
    return {{"tp", tp}, {"fp", fp}, {"fn", fn}, {"precision", p}, {"recall", r},
            {"f1", p + r > 0 ? 2 * p * r / (p + r) : 0.0}};
  }
};

// Gradual transitions first: the first prediction inside an interval (widened by the tolerance)
// matches it, later ones there are false. Then hard cuts: every (prediction, truth) pair within
// the tolerance, closest first, claimed one-to-one. An unmatched prediction within the tolerance
// of an ambiguous frame counts neither way.
Counts score(std::vector<int64_t> found, const json& truth, int64_t tol) {
  Counts c;
  std::sort(found.begin(), found.end());
  std::vector<bool> used(found.size(), false);
  for (const auto& g : truth.value("gradual", json::array())) {
    const int64_t first = g.at(0).get<int64_t>() - tol, last = g.at(1).get<int64_t>() + tol;
    bool hit = false;
    for (std::size_t i = 0; i < found.size(); ++i)
      if (!used[i] && found[i] >= first && found[i] <= last) used[i] = true, hit ? ++c.fp : ++c.tp, hit = true;
    if (!hit) ++c.fn;
  }
  const std::vector<int64_t> cuts = truth.value("cuts", std::vector<int64_t>{});
  std::vector<std::tuple<int64_t, std::size_t, std::size_t>> pairs;  // distance, prediction, truth
  for (std::size_t i = 0; i < found.size(); ++i)
    for (std::size_t j = 0; j < cuts.size(); ++j)
      if (!used[i] && std::llabs(found[i] - cuts[j]) <= tol) pairs.emplace_back(std::llabs(found[i] - cuts[j]), i, j);
  std::sort(pairs.begin(), pairs.end());
  std::vector<bool> claimed(cuts.size(), false);
  for (const auto& [d, i, j] : pairs)
    if (!used[i] && !claimed[j]) used[i] = claimed[j] = true, ++c.tp;
  c.fn += static_cast<int64_t>(std::count(claimed.begin(), claimed.end(), false));
  const std::vector<int64_t> ambiguous = truth.value("ambiguous", std::vector<int64_t>{});
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (used[i]) continue;
    const bool near = std::any_of(ambiguous.begin(), ambiguous.end(),
                                  [&](int64_t a) { return std::llabs(found[i] - a) <= tol; });
    if (!near) ++c.fp;
  }
  return c;
}

}  // namespace

json load_truth(const std::string& path) {
  std::ifstream is(path);
  if (!is) throw Error("cannot read the truth file " + path, "give --truth an existing JSON file");
  json j = json::parse(is, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error("the truth file " + path + " is not a JSON object",
                "write {\"video.mp4\": {\"cuts\": [50, 100], \"ambiguous\": [], \"gradual\": [[200, 224]]}}");
  return j;
}

const json& truth_for(const json& truth, const std::string& input) {
  const std::string name = std::filesystem::path(input).filename().string();
  if (!truth.contains(name))
    throw Error("the truth file has no entry for " + name, "add \"" + name + "\": {\"cuts\": [...]} to it");
  return truth[name];
}

int cmd_eval_scenes(const CommonOptions& common, const EvalOptions& opt) {
  json truth;
  std::unique_ptr<SceneFinder> finder;
  try {
    truth = load_truth(opt.truth);
    finder = std::make_unique<SceneFinder>(common, opt.detector, opt.threshold, opt.min_scene_len);
  } catch (const std::exception& e) {
    print_error(e);
    return kUsage;
  }
  Counts all;
  json videos = json::array();
  int rc = kOk;
  for (const std::string& input : opt.inputs) {
    const std::string name = std::filesystem::path(input).filename().string();
    try {
      const json& entry = truth_for(truth, input);
      const json scenes = finder->find(input);
      std::vector<int64_t> found;
      for (const auto& c : scenes.at("cuts")) found.push_back(c.at("frame"));
      const Counts c = score(found, entry, opt.tolerance);
      all.tp += c.tp, all.fp += c.fp, all.fn += c.fn;
      json row = c.summary();
      row["input"] = name;
      row["cuts"] = found;
      videos.push_back(std::move(row));
    } catch (const std::exception& e) {
      print_error(e);
      rc = kFailed;
    }
  }
  const json overall = all.summary();
  if (opt.json) {
    std::cout << json_text({{"detector", opt.detector}, {"tolerance", opt.tolerance}, {"videos", videos},
                            {"overall", overall}}, 2)
              << "\n";
    return rc;
  }
  std::cout << fmt::format("{:<32} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}\n", "video", "tp", "fp", "fn", "precision",
                           "recall", "f1");
  auto line = [](const std::string& name, const json& r) {
    std::cout << fmt::format("{:<32} {:>5} {:>5} {:>5} {:>9.3f} {:>7.3f} {:>6.3f}\n", runtime::printable(name),
                             r["tp"].get<int64_t>(), r["fp"].get<int64_t>(), r["fn"].get<int64_t>(),
                             r["precision"].get<double>(), r["recall"].get<double>(), r["f1"].get<double>());
  };
  for (const auto& r : videos) line(r["input"], r);
  line(fmt::format("overall (±{} frames)", opt.tolerance), overall);
  return rc;
}

}  // namespace vidpipe::cli
