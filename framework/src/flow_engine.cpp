// The TBB flow graph of a session (see flow_engine.hpp for the model).
#include "flow_engine.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include "blocking_pool.hpp"
#include "gather_streams.hpp"

namespace flow = tbb::flow;

namespace vidpipe::runtime {

namespace {

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

struct FlowEngine::Impl {
  const ResolvedGraph& graph;
  std::vector<std::string> ids, types;
  std::shared_ptr<Profiler> profiler;
  int source = -1;
  std::vector<std::unique_ptr<CreditPool>> credits;     // an expander's max_in_flight
  std::vector<std::unique_ptr<CreditPool>> call_slots;  // an expander's or gather's declared concurrency
  std::vector<std::vector<bool>> consumed;              // consumed[i][port]: some node reads it

  std::vector<GatherStreams> streams;  // per Gather node
  std::vector<bool> stream_writer;     // a node some gather streams frames to
  std::vector<bool> makes_clip_frames; // a map node feeding a gather frames (JobState::frame_slot)
  std::vector<std::unique_ptr<std::mutex>> gather_mu;
  std::vector<std::map<uint64_t, GroupItems>> gather_tables;
  std::atomic<uint64_t> next_group{1};

  // Declared in construction order; destroyed (explicitly, in ~FlowEngine) in reverse.
  std::unique_ptr<BlockingPool> pool;
  std::unique_ptr<tbb::task_arena> arena;
  std::unique_ptr<flow::graph> g;
  std::vector<std::unique_ptr<MapNode>> maps;
  std::vector<std::unique_ptr<AsyncNode>> asyncs;
  std::thread driver;  // joins the arena for the session's life, as the thread of a run did

  Impl(const ResolvedGraph& gr, std::shared_ptr<Profiler> p) : graph(gr), profiler(std::move(p)) {
    const auto& nodes = graph.nodes;
    consumed.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      ids.push_back(nodes[i].id);
      types.push_back(nodes[i].entry->spec.type);
      consumed[i].assign(nodes[i].entry->spec.outputs.size(), false);
      credits.push_back(std::make_unique<CreditPool>(std::max(1, nodes[i].max_in_flight)));
      call_slots.push_back(std::make_unique<CreditPool>(nodes[i].concurrency == 0 ? 1 << 20 : nodes[i].concurrency));
      gather_mu.push_back(std::make_unique<std::mutex>());
      if (nodes[i].entry->spec.shape == Shape::Source) {
        if (source >= 0) throw Error("a session runs graphs with one source, this one has two", "remove one source node");
        source = static_cast<int>(i);
      }
    }
    for (const auto& n : nodes)
      if (n.upstream >= 0) consumed[n.upstream][n.upstream_port] = true;
    if (source < 0) throw Error("the graph has no source node", "wire the first node with `in: input`");
    gather_tables.resize(nodes.size());
    streams = plan_gather_streams(graph);
    stream_writer.assign(nodes.size(), false);
    for (const auto& s : streams)
      for (int w : s.writers) stream_writer[w] = true;
    makes_clip_frames = clip_frame_makers(graph);
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

  // An item on a port no node reads is the graph's output: the job may keep it.
  void forward(int i, Ports& ports, int port, const Envelope& e, JobState& job) {
    if (!consumed[i][port]) job.keep_output(e.data);
    put(ports, port, e);
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
      // A writer whose frames were streamed finishes with the clip (node.hpp: FrameStream).
      auto stream = stream_writer[i] ? job.take_stream(i, in.seq) : nullptr;
      if (stream) stream->close(std::get<ClipPtr>(in.data), em, job);
      else {
        FrameSlabScope slot = makes_clip_frames[i] ? job.frame_slot(in.data) : FrameSlabScope{};
        job.node(i).process(in.data, em, job);
      }
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
      forward(i, ports, p, derive(in, Envelope::Item, std::move(d)), job);
      sent[p] = true;
    }
    if (in.group)
      for (int p = 0; p < nout; ++p)
        if (!sent[p]) put(ports, p, derive(in, Envelope::Dropped));
  }

  // ---- Gather: items handed on in order as they become contiguous (gather_streams.hpp),
  // collected at the group's end ----
  void run_gather(int i, const Envelope& in, Ports& ports) {
    if (!in.group) return;  // validation guarantees an expander upstream
    std::unique_lock lock(*gather_mu[i]);
    GroupItems& p = gather_tables[i][in.group->id];  // stays put: only its drainer erases it
    if (!p.job) p.job = in.job, p.keep_pixels = streams[i].keep_pixels || in.job->state->keep_pixels;
    if (in.kind == Envelope::End) p.end = in.seq;
    else p.waiting.emplace(in.seq, in);
    if (p.draining) return;  // the thread draining this group takes it
    p.draining = true;
    for (;;) {
      std::vector<Envelope> run = p.take_run();
      if (run.empty()) {
        if (!p.complete()) return (void)(p.draining = false);
        GroupItems done = std::move(p);
        gather_tables[i].erase(in.group->id);
        lock.unlock();
        return collect(i, done, *in.group, ports);
      }
      lock.unlock();
      p.hand_on(run, in.group->parent, streams[i].writers, [&](int w, const auto& body) { return stream_call(w, *p.job->state, body); });
      lock.lock();
    }
  }

  // A writer's stream call, timed, failing the job as a call of that writer would.
  std::unique_ptr<FrameStream> stream_call(int w, JobState& job, const std::function<std::unique_ptr<FrameStream>()>& body) {
    if (job.cancelled()) return nullptr;
    const int64_t t0 = profiler->timing() ? now_ns() : 0;
    std::unique_ptr<FrameStream> opened;
    try {
      opened = body();
    } catch (const std::exception& e) {
      job.fail(ids[w], types[w], e);
    } catch (...) {
      job.fail(ids[w], types[w], "unknown exception", "report this as a bug in the node's plugin");
    }
    if (t0) {  // the writer's row in the profile counts its stream's open and each frame as calls
      const int64_t dur = now_ns() - t0;
      job.add_busy(w, dur);
      profiler->record(w, t0, dur, 0, 0, 0, 0, static_cast<int64_t>(job.video().index), -1, job.failed());
    }
    return opened;
  }

  void collect(int i, GroupItems& done, const Group& group, Ports& ports) {
    JobState& job = *done.job->state;
    if (job.cancelled()) return;  // the streams close unfinished: their files go
    for (std::size_t w = 0; w < done.streams.size(); ++w)
      if (done.streams[w]) job.adopt_stream(streams[i].writers[w], group.parent_seq, std::move(done.streams[w]));
    Envelope out;
    out.job = done.job;
    out.seq = group.parent_seq;
    int nout = static_cast<int>(graph.nodes[i].entry->spec.outputs.size());
    CollectingEmitter em(nout);
    uint32_t n_in = static_cast<uint32_t>(done.items.size()), out_items = 0;
    uint64_t out_bytes = 0;
    // A gather runs on a TBB worker; its declared concurrency (serial: 1) is held here.
    const int64_t t_slot = now_ns();
    call_slots[i]->acquire([] { return false; });
    Credit slot{call_slots[i].get()};
    profiler->add_stall(i, now_ns() - t_slot);
    bool ok = call(i, out, job, n_in, [&] {
      job.node(i).collect(group.parent, std::move(done.items), em, job);
      out_items = static_cast<uint32_t>(em.items.size());
    }, out_items, out_bytes);
    if (!ok) return;
    for (auto& [p, d] : em.items) forward(i, ports, p, derive(out, Envelope::Item, std::move(d)), job);
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
    int64_t t0 = now_ns();
    try {
      job.node(i).process(in.data, em, job);
    } catch (const std::exception& e) {
      job.fail(ids[i], types[i], e);
    } catch (...) {
      job.fail(ids[i], types[i], "unknown exception", "report this as a bug in the node's plugin");
    }
    int64_t dur = now_ns() - t0 - em.stall_ns;
    job.add_busy(i, dur);
    profiler->record(i, t0, dur, in.t_emit_ns ? t0 - in.t_emit_ns : 0, 1, static_cast<uint32_t>(em.count), em.bytes,
                     static_cast<int64_t>(job.video().index), in.seq, job.failed());
    profiler->add_stall(i, em.stall_ns);
    Envelope end = derive(in, Envelope::End);  // always, so the gather can close the group
    end.group = group;
    end.seq = em.count;
    end.credit.reset();
    gw.try_put(end);
  }

  // Builds the TBB nodes and edges; runs inside the arena so the graph's tasks run there.
  void build() {
    const auto& nodes = graph.nodes;
    g = std::make_unique<flow::graph>();
    maps.resize(nodes.size());
    asyncs.resize(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      int i = static_cast<int>(k);
      std::size_t conc = nodes[k].concurrency == 0 ? std::size_t(flow::unlimited) : std::size_t(nodes[k].concurrency);
      switch (nodes[k].entry->spec.shape) {
        case Shape::Map:
          maps[k] = std::make_unique<MapNode>(*g, conc, [this, i](const Envelope& in, Ports& p) { run_map(i, in, p); });
          break;
        case Shape::Gather:
          maps[k] = std::make_unique<MapNode>(*g, flow::unlimited, [this, i](const Envelope& in, Ports& p) { run_gather(i, in, p); });
          break;
        case Shape::Expand:
          asyncs[k] = std::make_unique<AsyncNode>(*g, flow::unlimited, [this, i](const Envelope& in, AsyncNode::gateway_type& gw) {
            gw.reserve_wait();  // keeps the graph busy while the pool works
            pool->submit([this, &gw, i, in] {
              run_expand(i, in, gw);
              gw.release_wait();
            });
          });
          break;
        case Shape::Source:
          break;  // jobs are injected (inject())
      }
    }
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      int up = nodes[k].upstream;
      if (up < 0 || up == source) continue;
      // async_node registers successors only through its port (its sender base refuses silently).
      flow::sender<Envelope>& from = maps[up] ? output_of(*maps[up], nodes[k].upstream_port) : flow::output_port<0>(*asyncs[up]);
      flow::make_edge(from, receiver(static_cast<int>(k)));
    }
  }

  flow::receiver<Envelope>& receiver(int k) {
    if (maps[k]) return *maps[k];
    return *asyncs[k];
  }
};

FlowEngine::FlowEngine(const ResolvedGraph& graph, std::shared_ptr<Profiler> profiler)
    : impl_(std::make_unique<Impl>(graph, std::move(profiler))) {
  Impl& ex = *impl_;
  int blocking_threads = 0;
  for (const auto& n : graph.nodes)
    if (n.entry->spec.shape == Shape::Expand) blocking_threads += std::max(1, graph.settings.max_jobs_in_flight);
  ex.pool = std::make_unique<BlockingPool>(std::max(1, blocking_threads));
  const int threads = graph.settings.threads > 0 ? graph.settings.threads : int(tbb::task_arena::automatic);
  ex.arena = std::make_unique<tbb::task_arena>(threads);
  ex.arena->execute([&] { ex.build(); });
  // One thread waits in the arena for the whole session (and works there, as the thread of a
  // one-shot run did); the reservation keeps its wait from returning between jobs.
  ex.g->reserve_wait();
  ex.driver = std::thread([&ex] { ex.arena->execute([&] { ex.g->wait_for_all(); }); });
}

FlowEngine::~FlowEngine() {
  Impl& ex = *impl_;
  ex.g->release_wait();
  ex.driver.join();
  ex.pool.reset();  // joins the blocking threads (idle: no job is in flight)
  ex.arena->execute([&] {
    ex.g->wait_for_all();
    for (auto& t : ex.gather_tables) t.clear();
    ex.maps.clear();
    ex.asyncs.clear();
    ex.g.reset();
  });
}

void FlowEngine::inject(const std::shared_ptr<JobTicket>& job) {
  Impl& ex = *impl_;
  Envelope e;
  e.job = job;
  e.data = JobPtr(std::make_shared<const VideoJob>(job->state->video()));
  e.seq = static_cast<int64_t>(job->state->video().index);
  e.t_emit_ns = now_ns();
  for (std::size_t k = 0; k < ex.graph.nodes.size(); ++k)
    if (ex.graph.nodes[k].upstream == ex.source) ex.receiver(static_cast<int>(k)).try_put(e);
}

int FlowEngine::source() const { return impl_->source; }

}  // namespace vidpipe::runtime
