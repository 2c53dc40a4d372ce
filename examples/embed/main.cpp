// Embedding the vidpipe runtime in a C++ program: load the plugins, resolve a graph with
// overrides, run it on some inputs, read the results. Equivalent to
//   vidpipe run graphs/qwen2_5_vl.yaml VIDEO... -o OUTDIR --set sample.nframes=8
#include <iostream>

#include <vidpipe/runtime/executor.hpp>
#include <vidpipe/runtime/graph.hpp>
#include <vidpipe/runtime/registry.hpp>
#include <vidpipe/runtime/report.hpp>

int main(int argc, char** argv) {
  using namespace vidpipe::runtime;
  if (argc < 3) {
    std::cerr << "usage: vidpipe_embed OUTDIR VIDEO...\n";
    return 2;
  }
  try {
    NodeRegistry registry;  // must outlive everything made from it
    registry.load_dirs(plugin_search_path({}));

    Overrides overrides;
    overrides.sets = {"sample.nframes=8"};
    overrides.inputs.assign(argv + 2, argv + argc);
    ResolvedGraph graph = resolve_graph(parse_graph_file(graphs_dir() + "/qwen2_5_vl.yaml"), registry, overrides);

    Executor executor(graph);
    RunOptions options;
    options.output_dir = argv[1];
    options.notice = [](const std::string& line) { std::cerr << line << "\n"; };
    RunReport report = executor.run(options);
    std::cout << summary_text(report);
    for (const auto& job : report.jobs) {
      if (job.status == "ok" || job.status == "partial")  // partial: written from a damaged input
        std::cout << job.name << ": " << job.notes.value("summary", vidpipe::json()).dump() << "\n";
      if (job.status == "partial") std::cout << "  " << job.damage_line() << "\n";
    }
    return report.failed() ? 1 : 0;
  } catch (const vidpipe::Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
