// NodeRunner (vidpipe/testing.hpp): one node, the runtime's parameter rules, a recording Job.
#include "vidpipe/testing.hpp"

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "vidpipe/runtime/executor.hpp"
#include "vidpipe/runtime/params_check.hpp"
#include "vidpipe/runtime/registry.hpp"

namespace vidpipe::testing {
namespace {

// Defaults < profile < given, each value checked as resolve_graph checks it.
Params layer(const NodeSpec& spec, const json& profile, const json& given) {
  json values = json::object();
  std::vector<std::pair<std::string, Origin>> origins;
  for (const auto& p : spec.params) values[p.name] = p.default_value;
  auto set = [&](const std::string& name, json value, Origin origin) {
    if (auto problem = runtime::check_param(spec, name, value))
      throw Error(problem->message(spec.type, spec.type), problem->hint, ErrorKind::Configuration);
    values[name] = std::move(value);
    std::erase_if(origins, [&](const auto& o) { return o.first == name; });
    origins.emplace_back(name, origin);
  };
  for (const auto& [name, value] : profile.items())
    if (runtime::profile_sets(spec, name)) set(name, value, Origin::Profile);
  for (const auto& [name, value] : given.items()) set(name, value, Origin::Graph);
  return Params(std::move(values), std::move(origins));
}

}  // namespace

struct NodeRunner::State final : Job, Emitter {
  std::shared_ptr<runtime::NodeRegistry> registry;  // the plugin's (loaded(): never unloaded)
  NodeSpec spec;
  Params params;
  std::unique_ptr<Node> node;
  VideoJob job{"test-input", "test", 0, ""};
  json config_;
  mutable std::mutex mu;
  std::vector<std::vector<Data>> out;
  json notes_ = json::object();
  runtime::DamageReport damage_;

  // Job
  const VideoJob& video() const override { return job; }
  void note(const std::string& key, json value) override {
    std::lock_guard lock(mu);
    notes_[key] = std::move(value);
  }
  json notes() const override {
    std::lock_guard lock(mu);
    return notes_;
  }
  const json& config() const override { return config_; }
  json timing() const override { return json::object(); }
  bool cancelled() const override { return false; }
  void mark_partial(const std::string& damage) override {
    std::lock_guard lock(mu);
    damage_.add(damage);
  }
  std::string damage() const override {
    std::lock_guard lock(mu);
    return damage_.line();
  }
  // Emitter
  bool emit(Data item, int port) override {
    if (port < 0 || port >= static_cast<int>(out.size()))
      throw Error(fmt::format("emit() to output port {} but the node has {} outputs", port, out.size()), "",
                  ErrorKind::Internal);
    std::lock_guard lock(mu);
    out[port].push_back(std::move(item));
    return true;
  }
};

// Plugins stay loaded for the whole process, as for a whole run: what a node made (a VideoInfo,
// a Frame) may outlive its runner, and its code must stay mapped until the last one is gone.
static std::shared_ptr<runtime::NodeRegistry> loaded(const std::string& plugin_path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<runtime::NodeRegistry>> registries;
  std::lock_guard lock(mu);
  auto& registry = registries[plugin_path];
  if (!registry) {
    auto fresh = std::make_shared<runtime::NodeRegistry>();
    fresh->load(plugin_path);
    registry = std::move(fresh);
  }
  return registry;
}

NodeRunner NodeRunner::from_plugin(const std::string& plugin_path, const std::string& type, const json& params,
                                   const json& profile) {
  std::shared_ptr<runtime::NodeRegistry> registry = loaded(plugin_path);
  const runtime::NodeEntry* e = registry->find_node(type);
  if (!e) throw Error(plugin_path + " registers no node type '" + type + "'", "", ErrorKind::Configuration);
  NodeRunner r(e->spec, e->make, params, profile);
  r.s_->registry = std::move(registry);
  return r;
}

NodeRunner::NodeRunner(NodeSpec spec, const NodeFactory& make, const json& params, const json& profile)
    : s_(std::make_unique<State>()) {
  s_->params = layer(spec, profile, params);
  s_->spec = std::move(spec);
  s_->out.resize(std::max<std::size_t>(1, s_->spec.outputs.size()));
  s_->config_ = {{"nodes", {{s_->spec.type, {{"type", s_->spec.type}, {"params", s_->params.values()}}}}}};
  s_->node = make(s_->params);
}

NodeRunner::~NodeRunner() {
  if (s_) s_->node.reset();  // before the registry unmaps its code
}
NodeRunner::NodeRunner(NodeRunner&&) noexcept = default;
NodeRunner& NodeRunner::operator=(NodeRunner&&) noexcept = default;

const NodeSpec& NodeRunner::spec() const { return s_->spec; }
const Params& NodeRunner::params() const { return s_->params; }
VideoJob& NodeRunner::video() { return s_->job; }

void NodeRunner::process(const Data& in) { s_->node->process(in, *s_, *s_); }

void NodeRunner::collect(const Data& parent, std::vector<Data> items) {
  s_->node->collect(parent, std::move(items), *s_, *s_);
}

void NodeRunner::stream(const PlanPtr& plan, const ClipPtr& clip) {
  std::unique_ptr<FrameStream> stream = s_->node->open_frames(plan, *s_);
  auto descriptors = std::make_shared<Clip>(*clip);  // the clip as it arrives after its frames
  for (auto& f : descriptors->frames) {
    if (stream) stream->write(f);
    auto d = std::make_shared<Frame>(*f);
    d->drop_pixels();
    f = std::move(d);
  }
  if (stream) stream->close(descriptors, *s_, *s_);
  else s_->node->process(ClipPtr(descriptors), *s_, *s_);
}

const std::vector<Data>& NodeRunner::outputs(int port) const {
  if (port < 0 || port >= static_cast<int>(s_->out.size()))
    throw Error(fmt::format("{} has no output port {}", s_->spec.type, port), "", ErrorKind::Internal);
  return s_->out[port];
}

const std::vector<Data>& NodeRunner::outputs(const std::string& port) const {
  for (std::size_t i = 0; i < s_->spec.outputs.size(); ++i)
    if (s_->spec.outputs[i].name == port) return s_->out[i];
  throw Error(fmt::format("{} has no output port '{}'", s_->spec.type, port), "", ErrorKind::Internal);
}

json NodeRunner::notes() const { return s_->notes(); }
std::string NodeRunner::damage() const { return s_->damage(); }

void NodeRunner::clear() {
  std::lock_guard lock(s_->mu);
  for (auto& port : s_->out) port.clear();
  s_->notes_ = json::object();
  s_->damage_ = runtime::DamageReport{};
}

}  // namespace vidpipe::testing
