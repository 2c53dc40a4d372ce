// The TBB flow-graph executor (see executor.hpp for the model).
#include "vidpipe/runtime/executor.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include "blocking_pool.hpp"
#include "job_ledger.hpp"

namespace flow = tbb::flow;

namespace vidpipe::runtime {

namespace {

std::atomic<bool> g_cancel{false};

using MapNode = flow::multifunction_node<Envelope, std::tuple<Envelope, Envelope, Envelope, Envelope>>;
using Ports = MapNode::output_ports_type;
using AsyncNode = flow::async_node<Envelope, Envelope>;

void put(Ports& ports, int port, const Envelope& e) {
  switch (port) {
    case 0: std::get<0>(ports).try_put(e); break;
    case 1: std::get<1>(ports).try_put(e); break;
    case 2: std::get<2>(ports).try_put(e); break;
    default: std::get<3>(ports).try_put(e); break;
  }
}

flow::sender<Envelope>& output_of(MapNode& n, int port) {
  switch (port) {
    case 0: return flow::output_port<0>(n);
    case 1: return flow::output_port<1>(n);
    case 2: return flow::output_port<2>(n);
    default: return flow::output_port<3>(n);
  }
}

uint64_t bytes_of(const Data& d) {
  if (auto* f = std::get_if<FramePtr>(&d)) return *f ? (*f)->bytes() : 0;
  return 0;
}

// Collects what a Map/Gather body emits; the wrapper forwards it after the call returns.
struct CollectingEmitter final : Emitter {
  std::vector<std::pair<int, Data>> items;
  int ports;
  explicit CollectingEmitter(int n) : ports(n) {}
  bool emit(Data item, int port) override {
    if (port < 0 || port >= ports) throw Error(fmt::format("emit() to output port {} but the node has {} outputs", port, ports));
    items.emplace_back(port, std::move(item));
    return true;
  }
};

}  // namespace

void Executor::request_cancel() { g_cancel.store(true); }
bool Executor::cancel_requested() { return g_cancel.load(); }
void Executor::reset_cancel() { g_cancel.store(false); }

struct Executor::Impl {
  const ResolvedGraph& graph;
  json config;
  std::vector<std::string> ids, types;
  std::vector<std::shared_ptr<PluginLibrary>> libraries;  // outlive the instances below
  std::vector<std::unique_ptr<Node>> instances;
  std::vector<std::unique_ptr<CreditPool>> credits;
  std::vector<std::unique_ptr<CreditPool>> call_slots;  // an expander's declared concurrency
  std::vector<std::vector<int>> consumers;  // consumers[i]: nodes fed by node i (any port)
  std::shared_ptr<Profiler> profiler;

  struct Pending {
    std::vector<std::pair<int64_t, Data>> items;
    int64_t dropped = 0, end = -1;
    std::shared_ptr<JobTicket> job;
  };
  std::vector<std::unique_ptr<std::mutex>> gather_mu;
  std::vector<std::map<uint64_t, Pending>> gather_tables;

  std::atomic<uint64_t> next_group{1};
  std::unique_ptr<JobLedger> jobs;

  explicit Impl(const ResolvedGraph& g) : graph(g), config(g.config()) {
    for (const auto& n : g.nodes) {
      ids.push_back(n.id);
      types.push_back(n.entry->spec.type);
      libraries.push_back(n.entry->library);
    }
    jobs = std::make_unique<JobLedger>(config, ids, types, g_cancel);
    consumers.resize(g.nodes.size());
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].upstream >= 0) consumers[g.nodes[i].upstream].push_back(static_cast<int>(i));
  }

  // Node constructors validate their parameters; a refusal is reported at the node's YAML line.
  void instantiate() {
    std::vector<Diagnostic> diags;
    for (const auto& n : graph.nodes) {
      instances.push_back(build_node(n, diags));
      credits.push_back(std::make_unique<CreditPool>(std::max(1, n.max_in_flight)));
      call_slots.push_back(std::make_unique<CreditPool>(n.concurrency == 0 ? 1 << 20 : n.concurrency));
      gather_mu.push_back(std::make_unique<std::mutex>());
    }
    gather_tables.resize(graph.nodes.size());
    if (!diags.empty()) throw GraphError(diags);
  }

  // Runs a node call with timing and error capture. Returns false when the call failed.
  template <class F>
  bool call(int i, const Envelope& in, JobState& job, uint32_t in_items, F&& body, uint32_t& out_items,
            uint64_t& out_bytes, int64_t stall_ns = 0) {
    int64_t t0 = profiler->timing() ? now_ns() : 0;
    bool ok = true;
    try {
      body();
    } catch (const std::exception& e) {
      job.fail(ids[i], types[i], e), ok = false;
    } catch (...) {
      job.fail(ids[i], types[i], "unknown exception", "report this as a bug in the node's plugin"), ok = false;
    }
    int64_t dur = profiler->timing() ? now_ns() - t0 - stall_ns : 0;
    job.add_busy(i, dur);
    profiler->record(i, t0, dur, in.t_emit_ns ? t0 - in.t_emit_ns : 0, in_items, out_items, out_bytes,
                     static_cast<int64_t>(job.video().index), in.seq, !ok);
    if (stall_ns) profiler->add_stall(i, stall_ns);
    return ok;
  }

  Envelope derive(const Envelope& in, Envelope::Kind kind, Data data = {}) const {
    Envelope e = in;
    e.kind = kind;
    e.data = std::move(data);
    e.t_emit_ns = profiler->timing() ? now_ns() : 0;
    return e;
  }

  // ---- Map ----
  void run_map(int i, const Envelope& in, Ports& ports) {
    int nout = static_cast<int>(graph.nodes[i].entry->spec.outputs.size());
    auto broadcast = [&](const Envelope& e) { for (int p = 0; p < nout; ++p) put(ports, p, e); };
    if (in.kind == Envelope::End) return broadcast(in);
    JobState& job = *in.job->state;
    // Inside an expander's group every item must reach the gather, if only as "dropped".
    auto drop = [&] { if (in.group) broadcast(derive(in, Envelope::Dropped)); };
    if (in.kind == Envelope::Dropped || job.cancelled()) return drop();

    CollectingEmitter em(nout);
    uint32_t out_items = 0;
    uint64_t out_bytes = 0;
    bool ok = call(i, in, job, 1, [&] {
      instances[i]->process(in.data, em, job);
      out_items = static_cast<uint32_t>(em.items.size());
      for (const auto& [p, d] : em.items) out_bytes += bytes_of(d);
      if (in.group)
        for (int p = 0; p < nout; ++p)
          if (std::count_if(em.items.begin(), em.items.end(), [&](auto& x) { return x.first == p; }) > 1)
            throw Error("a map node emitted more than one item per input on one port inside a decoded group",
                        "emit at most one item per port, or declare the node as an expander");
    }, out_items, out_bytes);
    if (!ok) return drop();
    std::vector<bool> sent(nout, false);
    for (auto& [p, d] : em.items) {
      put(ports, p, derive(in, Envelope::Item, std::move(d)));
      sent[p] = true;
    }
    if (in.group)
      for (int p = 0; p < nout; ++p)
        if (!sent[p]) put(ports, p, derive(in, Envelope::Dropped));
  }

  // ---- Gather: buffer a group until its End and all its items arrived, then collect ----
  void run_gather(int i, const Envelope& in, Ports& ports) {
    if (!in.group) return;  // validation guarantees an expander upstream
    Pending done;
    {
      std::lock_guard lock(*gather_mu[i]);
      Pending& p = gather_tables[i][in.group->id];
      if (!p.job) p.job = in.job;
      if (in.kind == Envelope::Item) p.items.emplace_back(in.seq, in.data);
      else if (in.kind == Envelope::Dropped) p.dropped++;
      else p.end = in.seq;
      if (p.end < 0 || static_cast<int64_t>(p.items.size()) + p.dropped != p.end) return;
      done = std::move(p);
      gather_tables[i].erase(in.group->id);
    }
    JobState& job = *done.job->state;
    if (job.cancelled()) return;
    std::sort(done.items.begin(), done.items.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<Data> items;
    items.reserve(done.items.size());
    for (auto& [s, d] : done.items) items.push_back(std::move(d));
    done.items.clear();

    Envelope out;
    out.job = done.job;
    out.seq = in.group->parent_seq;
    int nout = static_cast<int>(graph.nodes[i].entry->spec.outputs.size());
    CollectingEmitter em(nout);
    uint32_t n_in = static_cast<uint32_t>(items.size()), out_items = 0;
    uint64_t out_bytes = 0;
    bool ok = call(i, out, job, n_in, [&] {
      instances[i]->collect(in.group->parent, std::move(items), em, job);
      out_items = static_cast<uint32_t>(em.items.size());
    }, out_items, out_bytes);
    if (!ok) return;
    for (auto& [p, d] : em.items) put(ports, p, derive(out, Envelope::Item, std::move(d)));
  }

  // ---- Expand: runs on the blocking pool, emits with backpressure ----
  struct ExpandEmitter final : Emitter {
    Impl& ex;
    int node;
    const Envelope& in;
    JobState& job;
    AsyncNode::gateway_type& gw;
    std::shared_ptr<const Group> group;
    int64_t count = 0, stall_ns = 0;
    uint64_t bytes = 0;
    ExpandEmitter(Impl& e, int n, const Envelope& i, JobState& j, AsyncNode::gateway_type& g, std::shared_ptr<const Group> gr)
        : ex(e), node(n), in(i), job(j), gw(g), group(std::move(gr)) {}
    bool emit(Data item, int port) override {
      if (port != 0) throw Error("an expander has one output port (0)");
      if (job.cancelled()) return false;
      int64_t t = now_ns();
      if (!ex.credits[node]->acquire([&] { return job.cancelled(); })) return false;
      stall_ns += now_ns() - t;
      bytes += bytes_of(item);
      Envelope e = ex.derive(in, Envelope::Item, std::move(item));
      e.credit = std::shared_ptr<Credit>(new Credit{ex.credits[node].get()});
      e.group = group;
      e.seq = count++;
      gw.try_put(e);
      return true;
    }
  };

  void run_expand(int i, const Envelope& in, AsyncNode::gateway_type& gw) {
    if (in.kind == Envelope::End) return (void)gw.try_put(in);
    JobState& job = *in.job->state;
    if (in.kind == Envelope::Dropped || job.cancelled()) {
      if (in.group) gw.try_put(derive(in, Envelope::Dropped));
      return;
    }
    auto group = std::make_shared<const Group>(Group{next_group++, in.data, in.seq});
    ExpandEmitter em(*this, i, in, job, gw, group);
    // TBB's concurrency limit covers only the async_node body (a hand-off), so an expander's
    // declared concurrency is enforced here, on the blocking thread.
    int64_t t_slot = now_ns();
    call_slots[i]->acquire([] { return false; });
    Credit slot{call_slots[i].get()};
    profiler->add_stall(i, now_ns() - t_slot);
    uint32_t out_items = 0;
    uint64_t out_bytes = 0;
    int64_t t0 = now_ns();
    try {
      instances[i]->process(in.data, em, job);
    } catch (const std::exception& e) {
      job.fail(ids[i], types[i], e);
    } catch (...) {
      job.fail(ids[i], types[i], "unknown exception", "report this as a bug in the node's plugin");
    }
    int64_t dur = now_ns() - t0 - em.stall_ns;
    out_items = static_cast<uint32_t>(em.count), out_bytes = em.bytes;
    job.add_busy(i, dur);
    profiler->record(i, t0, dur, in.t_emit_ns ? t0 - in.t_emit_ns : 0, 1, out_items, out_bytes,
                     static_cast<int64_t>(job.video().index), in.seq, job.failed());
    profiler->add_stall(i, em.stall_ns);
    Envelope end = derive(in, Envelope::End);  // always, so the gather can close the group
    end.group = group;
    end.seq = em.count;
    end.credit.reset();
    gw.try_put(end);
  }

  // ---- Source: emits jobs, each holding a job credit until the job completes ----
  struct SourceEmitter final : Emitter {
    Impl& ex;
    int node;
    AsyncNode::gateway_type& gw;
    int64_t stall_ns = 0, count = 0;
    SourceEmitter(Impl& e, int n, AsyncNode::gateway_type& g) : ex(e), node(n), gw(g) {}
    bool emit(Data item, int) override {
      auto* job = std::get_if<JobPtr>(&item);
      if (!job || !*job) throw Error("a source must emit job items");
      if (g_cancel.load()) return false;
      int64_t t = now_ns();
      if (!ex.credits[node]->acquire([] { return g_cancel.load(); })) return false;
      stall_ns += now_ns() - t;
      auto credit = std::shared_ptr<Credit>(new Credit{ex.credits[node].get()});
      Envelope e;
      e.job = ex.jobs->start(**job, std::move(credit));
      if (!e.job) return true;  // skipped or refused (its result is recorded): go on
      e.data = JobPtr(std::make_shared<const VideoJob>(e.job->state->video()));
      e.seq = count++;
      e.t_emit_ns = now_ns();
      gw.try_put(e);
      return true;
    }
  };

  void run_source(int i, AsyncNode::gateway_type& gw) {
    SourceEmitter em(*this, i, gw);
    int64_t t0 = now_ns();
    try {
      // A source has no job of its own; it gets a placeholder for notes it may make.
      JobState run_job(VideoJob{"<run>", "run", 0, ""}, config, ids, types, g_cancel);
      instances[i]->process(Data{}, em, run_job);
    } catch (const std::exception& e) {
      jobs->add_run_error(fmt::format("source '{}' ({}): {}", ids[i], types[i], e.what()));
    }
    profiler->record(i, t0, now_ns() - t0 - em.stall_ns, 0, 0, static_cast<uint32_t>(em.count), 0, -1, 0, false);
    profiler->add_stall(i, em.stall_ns);
  }
};

Executor::Executor(const ResolvedGraph& graph) : impl_(std::make_unique<Impl>(graph)) {}
Executor::~Executor() = default;

RunReport Executor::run(const RunOptions& options) {
  Impl& ex = *impl_;
  ex.profiler = std::make_shared<Profiler>(ex.ids, ex.types, ex.graph.settings.profile, options.trace);
  ex.instantiate();
  ex.jobs->open(options);

  const auto& nodes = ex.graph.nodes;
  int blocking_threads = 0;
  for (const auto& n : nodes) {
    Shape s = n.entry->spec.shape;
    if (s == Shape::Source) blocking_threads += 1;
    if (s == Shape::Expand) blocking_threads += std::max(1, ex.graph.settings.max_jobs_in_flight);
  }
  int64_t t_start = now_ns();
  RunReport report;
  {
    BlockingPool pool(std::max(1, blocking_threads));
    int threads = ex.graph.settings.threads > 0 ? ex.graph.settings.threads : tbb::task_arena::automatic;
    tbb::task_arena arena(threads);
    arena.execute([&] {
      flow::graph g;
      std::vector<std::unique_ptr<MapNode>> maps(nodes.size());
      std::vector<std::unique_ptr<AsyncNode>> asyncs(nodes.size());
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        int i = static_cast<int>(k);
        std::size_t conc = nodes[k].concurrency == 0 ? std::size_t(flow::unlimited) : std::size_t(nodes[k].concurrency);
        switch (nodes[k].entry->spec.shape) {
          case Shape::Map:
            maps[k] = std::make_unique<MapNode>(g, conc, [&ex, i](const Envelope& in, Ports& p) { ex.run_map(i, in, p); });
            break;
          case Shape::Gather:
            maps[k] = std::make_unique<MapNode>(g, flow::unlimited, [&ex, i](const Envelope& in, Ports& p) { ex.run_gather(i, in, p); });
            break;
          case Shape::Expand:
          case Shape::Source: {
            bool source = nodes[k].entry->spec.shape == Shape::Source;
            asyncs[k] = std::make_unique<AsyncNode>(g, flow::unlimited, [&ex, &pool, i, source](const Envelope& in, AsyncNode::gateway_type& gw) {
              gw.reserve_wait();  // keeps wait_for_all() from returning while the pool works
              pool.submit([&ex, &gw, i, in, source] {
                if (source) ex.run_source(i, gw);
                else ex.run_expand(i, in, gw);
                gw.release_wait();
              });
            });
            break;
          }
        }
      }
      auto receiver = [&](int k) -> flow::receiver<Envelope>& {
        if (maps[k]) return *maps[k];
        return *asyncs[k];
      };
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (nodes[k].upstream < 0) continue;
        int up = nodes[k].upstream;
        // async_node registers successors only through its port (its sender base refuses silently).
        flow::sender<Envelope>& from = maps[up] ? output_of(*maps[up], nodes[k].upstream_port)
                                                : flow::output_port<0>(*asyncs[up]);
        flow::make_edge(from, receiver(static_cast<int>(k)));
      }
      for (std::size_t k = 0; k < nodes.size(); ++k)
        if (nodes[k].entry->spec.shape == Shape::Source) asyncs[k]->try_put(Envelope{});
      g.wait_for_all();
      for (auto& t : ex.gather_tables) t.clear();  // leftovers of interrupted jobs complete them
    });
  }
  report.wall_s = (now_ns() - t_start) / 1e9;
  report.profiler = ex.profiler;
  report.run_error = ex.jobs->run_error();
  report.interrupted = g_cancel.load();
  report.jobs = ex.jobs->take_results();
  return report;
}

}  // namespace vidpipe::runtime
