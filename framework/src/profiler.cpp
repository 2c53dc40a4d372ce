#include "vidpipe/runtime/profiler.hpp"

#include <bit>
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

namespace vidpipe::runtime {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static constexpr std::size_t kTraceCapPerThread = 1 << 20;  // bounded: ~40 MB per thread at most

void Histogram::add(int64_t ns) {
  uint64_t v = ns > 0 ? static_cast<uint64_t>(ns) : 1;
  int msb = 63 - std::countl_zero(v);
  unsigned sub = msb >= 3 ? (v >> (msb - 3)) & 7 : (v << (3 - msb)) & 7;
  buckets[msb * 8 + sub]++;
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += o.buckets[i];
}

double Histogram::quantile_ns(double q) const {
  uint64_t total = 0;
  for (auto b : buckets) total += b;
  if (!total) return 0;
  uint64_t rank = static_cast<uint64_t>(q * (total - 1)), seen = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen > rank) {  // midpoint of bucket i: [2^m (1 + s/8), 2^m (1 + (s+1)/8))
      double base = std::ldexp(1.0, static_cast<int>(i / 8));
      return base * (1.0 + (static_cast<double>(i % 8) + 0.5) / 8.0);
    }
  }
  return 0;
}

void NodeStats::merge(const NodeStats& o) {
  calls += o.calls, items_in += o.items_in, items_out += o.items_out, bytes_out += o.bytes_out, errors += o.errors;
  busy_ns += o.busy_ns, wait_ns += o.wait_ns, stall_ns += o.stall_ns;
  busy.merge(o.busy);
}

Profiler::Profiler(std::vector<std::string> ids, std::vector<std::string> types, bool timing, bool trace)
    : ids_(std::move(ids)), types_(std::move(types)), timing_(timing), trace_(trace), t_start_(now_ns()) {}

Profiler::Slot& Profiler::slot() {
  bool exists = false;
  Slot& s = slots_.local(exists);
  if (!exists) {
    s.thread = next_thread_++;
    s.stats.resize(ids_.size());
  }
  return s;
}

void Profiler::record(int node, int64_t t0, int64_t dur, int64_t wait, uint32_t in, uint32_t out, uint64_t bytes,
                      int64_t job, int64_t seq, bool error) {
  Slot& s = slot();
  NodeStats& st = s.stats[node];
  st.calls++, st.items_in += in, st.items_out += out, st.bytes_out += bytes, st.errors += error;
  if (!timing_) return;
  st.busy_ns += dur;
  st.wait_ns += wait > 0 ? wait : 0;
  st.busy.add(dur);
  if (trace_ && s.events.size() < kTraceCapPerThread) s.events.push_back({node, job, seq, t0, dur});
}

void Profiler::add_stall(int node, int64_t ns) { slot().stats[node].stall_ns += ns; }

std::vector<NodeStats> Profiler::merged() const {
  std::vector<NodeStats> out(ids_.size());
  for (const auto& s : slots_)
    for (std::size_t i = 0; i < s.stats.size(); ++i) out[i].merge(s.stats[i]);
  return out;
}

std::string Profiler::table(double wall_s) const {
  auto stats = merged();
  std::string s = fmt::format("{:<12} {:<22} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}\n", "node", "type",
                              "calls", "in", "out", "busy s", "mean ms", "p50 ms", "p95 ms", "wait ms", "share");
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const auto& st = stats[i];
    double mean = st.calls ? st.busy_ns / 1e6 / st.calls : 0;
    double wait = st.items_in ? st.wait_ns / 1e6 / st.items_in : 0;
    s += fmt::format("{:<12} {:<22} {:>7} {:>7} {:>7} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>6.1f}%\n", ids_[i],
                     types_[i], st.calls, st.items_in, st.items_out, st.busy_ns / 1e9, mean,
                     st.busy.quantile_ns(0.5) / 1e6, st.busy.quantile_ns(0.95) / 1e6, wait,
                     wall_s > 0 ? 100.0 * st.busy_ns / 1e9 / wall_s : 0.0);
    if (st.stall_ns > 1000000)
      s += fmt::format("{:<12}   blocked {:.3f} s waiting for in-flight items to retire (max_in_flight)\n", "", st.stall_ns / 1e9);
  }
  s += fmt::format("wall time {:.3f} s; share = busy time / wall time (parallel nodes can exceed 100%)\n", wall_s);
  return s;
}

json Profiler::to_json(double wall_s) const {
  auto stats = merged();
  json nodes = json::array();
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const auto& st = stats[i];
    nodes.push_back({{"node", ids_[i]},
                     {"type", types_[i]},
                     {"calls", st.calls},
                     {"items_in", st.items_in},
                     {"items_out", st.items_out},
                     {"bytes_out", st.bytes_out},
                     {"errors", st.errors},
                     {"busy_s", st.busy_ns / 1e9},
                     {"wait_s", st.wait_ns / 1e9},
                     {"stall_s", st.stall_ns / 1e9},
                     {"mean_ms", st.calls ? st.busy_ns / 1e6 / st.calls : 0.0},
                     {"p50_ms", st.busy.quantile_ns(0.5) / 1e6},
                     {"p95_ms", st.busy.quantile_ns(0.95) / 1e6},
                     {"share", wall_s > 0 ? st.busy_ns / 1e9 / wall_s : 0.0}});
  }
  return {{"wall_s", wall_s}, {"nodes", nodes}};
}

bool Profiler::write_trace(const std::string& path) const {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) return false;
  std::fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", f.get());
  bool first = true;
  auto sep = [&] { std::fputs(first ? "" : ",\n", f.get()); first = false; };
  for (const auto& s : slots_) {
    sep();
    fmt::print(f.get(), R"({{"ph":"M","name":"thread_name","pid":1,"tid":{},"args":{{"name":"vidpipe-{}"}}}})", s.thread, s.thread);
    for (const auto& e : s.events) {
      sep();
      fmt::print(f.get(), R"({{"ph":"X","name":{},"cat":{},"pid":1,"tid":{},"ts":{:.3f},"dur":{:.3f},"args":{{"job":{},"seq":{}}}}})",
                 json(ids_[e.node]).dump(), json(types_[e.node]).dump(), s.thread, (e.t0_ns - t_start_) / 1e3,
                 e.dur_ns / 1e3, e.job, e.seq);
    }
  }
  std::fputs("\n]}\n", f.get());
  return std::ferror(f.get()) == 0;
}

}  // namespace vidpipe::runtime
