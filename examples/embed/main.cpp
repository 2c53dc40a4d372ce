// Embedding the vidpipe runtime in a C++ program: load the plugins, make a Session from a graph
// once, submit inputs (with per-input parameters), and read each clip in memory: frames, plan,
// tokens. Nothing is written unless an output folder is given:
//   vidpipe_embed [-o OUTDIR] VIDEO...
#include <iostream>
#include <string>
#include <vector>

#include <vidpipe/runtime/graph.hpp>
#include <vidpipe/runtime/registry.hpp>
#include <vidpipe/runtime/session.hpp>

int main(int argc, char** argv) {
  using namespace vidpipe::runtime;
  std::vector<std::string> args(argv + 1, argv + argc);
  SessionOptions options;
  if (args.size() >= 2 && args[0] == "-o") options.output_dir = args[1], args.erase(args.begin(), args.begin() + 2);
  if (args.empty()) {
    std::cerr << "usage: vidpipe_embed [-o OUTDIR] VIDEO...\n";
    return 2;
  }
  try {
    NodeRegistry registry;  // must outlive everything made from it
    registry.load_dirs(plugin_search_path({}));
    Session session(resolve_graph(parse_graph_file(graphs_dir() + "/qwen2_5_vl.yaml"), registry, {}), options);

    // Every input twice: the graph's own settings, and 8 frames at most 128x128 pixels.
    std::vector<std::future<Result>> results;
    for (const auto& video : args) {
      results.push_back(session.submit(video));
      SubmitOptions small;
      small.overrides = {{"nframes", 8}, {"max_pixels", 128 * 128}};
      small.name = "small";
      results.push_back(session.submit(video, small));
    }
    int failed = 0;
    for (auto& future : results) {
      Result r = future.get();
      if (!r.usable()) {
        std::cerr << r.job.error_line() << "\n";
        ++failed;
        continue;
      }
      const vidpipe::Clip& clip = *r.clip();
      const vidpipe::Frame& first = *clip.frames.at(0);
      std::cout << r.job.input << ": " << clip.frames.size() << " frames of " << first.width << "x" << first.height
                << ", first at " << clip.plan->timestamps.at(0) << " s";
      if (clip.tokens) std::cout << ", " << clip.tokens->total_tokens << " tokens";
      if (!r.job.output_dir.empty()) std::cout << ", written to " << r.job.output_dir;
      std::cout << "\n";
      if (r.job.status == "partial") std::cout << "  " << r.job.damage_line() << "\n";  // usable, from a damaged input
    }
    return failed ? 1 : 0;
  } catch (const vidpipe::Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
