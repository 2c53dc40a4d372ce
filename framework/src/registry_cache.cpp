#include "registry_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <fmt/format.h>

namespace fs = std::filesystem;

namespace vidpipe::runtime {
namespace {

// Every field of these structs must round-trip through the cache, or a cached contract would
// silently lose it: a new field fails this check until spec_json/spec_from_json carry it.
static_assert(sizeof(NodeSpec) == 192 && sizeof(ParamSpec) == 152 && sizeof(PortSpec) == 72 &&
                  sizeof(ModelProfile) == 96 && sizeof(DecoderBackendSpec) == 232,
              "a node contract or profile struct changed: carry the new field in registry_cache.cpp");

// 2: roles, renames, model-settable; 3: frame use; 4: decoder backends; 5: frame formats
constexpr const char* kFormat = "vidpipe-registry-cache-5";

json port_json(const PortSpec& p) { return {p.name, static_cast<int>(p.type), p.doc}; }
PortSpec port_from(const json& j) { return {j.at(0).get<std::string>(), static_cast<DataType>(j.at(1).get<int>()), j.at(2).get<std::string>()}; }

json param_json(const ParamSpec& p) {
  return {{"name", p.name}, {"type", static_cast<int>(p.type)}, {"default", p.default_value},
          {"min", p.min ? json(*p.min) : json()}, {"max", p.max ? json(*p.max) : json()},
          {"choices", p.choices}, {"doc", p.doc}, {"model_settable", p.model_settable}};
}

ParamSpec param_from(const json& j) {
  ParamSpec p;
  p.name = j.at("name").get<std::string>();
  p.type = static_cast<ParamType>(j.at("type").get<int>());
  p.default_value = j.at("default");
  if (!j.at("min").is_null()) p.min = j.at("min").get<double>();
  if (!j.at("max").is_null()) p.max = j.at("max").get<double>();
  p.choices = j.at("choices").get<std::vector<std::string>>();
  p.doc = j.at("doc").get<std::string>();
  p.model_settable = j.at("model_settable").get<bool>();
  return p;
}

json spec_json(const NodeSpec& s) {
  json j = {{"type", s.type}, {"doc", s.doc}, {"shape", static_cast<int>(s.shape)}, {"role", static_cast<int>(s.role)},
            {"frame_use", static_cast<int>(s.frame_use)}, {"concurrency", s.concurrency}, {"renamed", json::array()},
            {"frame_formats", json::array()}, {"inputs", json::array()}, {"outputs", json::array()}, {"params", json::array()}};
  for (const auto& p : s.inputs) j["inputs"].push_back(port_json(p));
  for (const auto& p : s.outputs) j["outputs"].push_back(port_json(p));
  for (const auto& p : s.params) j["params"].push_back(param_json(p));
  for (const auto& r : s.renamed) j["renamed"].push_back({r.old_name, r.new_name, r.why});
  for (const auto f : s.frame_formats) j["frame_formats"].push_back(static_cast<int>(f));
  return j;
}

NodeSpec spec_from(const json& j) {
  NodeSpec s(j.at("type").get<std::string>(), j.at("doc").get<std::string>());
  s.shape = static_cast<Shape>(j.at("shape").get<int>());
  s.role = static_cast<Role>(j.at("role").get<int>());
  s.frame_use = static_cast<FrameUse>(j.at("frame_use").get<int>());
  s.concurrency = j.at("concurrency").get<int>();
  for (const auto& r : j.at("renamed"))
    s.renamed.push_back({r.at(0).get<std::string>(), r.at(1).get<std::string>(), r.at(2).get<std::string>()});
  for (const auto& p : j.at("inputs")) s.inputs.push_back(port_from(p));
  for (const auto& p : j.at("outputs")) s.outputs.push_back(port_from(p));
  for (const auto& p : j.at("params")) s.params.push_back(param_from(p));
  for (const auto& f : j.at("frame_formats")) s.frame_formats.push_back(static_cast<PixelFormat>(f.get<int>()));
  return s;
}

json backend_json(const DecoderBackendSpec& b) {
  return {{"contract", spec_json(b.contract)}, {"rank", b.rank}, {"containers", b.containers},
          {"local_files_only", b.local_files_only}};
}

DecoderBackendSpec backend_from(const json& j) {
  DecoderBackendSpec b;
  b.contract = spec_from(j.at("contract"));
  b.rank = j.at("rank").get<int>();
  b.containers = j.at("containers").get<std::vector<std::string>>();
  b.local_files_only = j.at("local_files_only").get<bool>();
  return b;
}

json entry_json(const CachedPlugin& e) {
  const FileStamp& st = e.stamp;
  json j = {{"stamp", {st.size, st.mtime_ns, st.ctime_ns, st.dev, st.ino}}};
  if (!e.skipped.empty()) {
    j["skipped"] = e.skipped;
    return j;
  }
  j["name"] = e.info.name;
  j["version"] = e.info.version;
  j["sdk_version"] = e.info.sdk_version;
  j["abi"] = {e.info.abi_major, e.info.abi_minor};
  j["nodes"] = json::array();
  for (const auto& s : e.nodes) j["nodes"].push_back(spec_json(s));
  j["backends"] = json::array();
  for (const auto& b : e.backends) j["backends"].push_back(backend_json(b));
  j["profiles"] = json::array();
  for (const auto& p : e.profiles) j["profiles"].push_back({{"name", p.name}, {"doc", p.doc}, {"params", p.params}, {"facts", p.facts}});
  return j;
}

CachedPlugin entry_from(const json& j) {
  CachedPlugin e;
  const json& st = j.at("stamp");
  e.stamp = {st.at(0).get<uint64_t>(), st.at(1).get<uint64_t>(), st.at(2).get<uint64_t>(), st.at(3).get<uint64_t>(),
             st.at(4).get<uint64_t>()};
  if (j.contains("skipped")) {
    e.skipped = j.at("skipped").get<std::string>();
    return e;
  }
  e.info.name = j.at("name").get<std::string>();
  e.info.version = j.at("version").get<std::string>();
  e.info.sdk_version = j.at("sdk_version").get<std::string>();
  e.info.abi_major = j.at("abi").at(0).get<unsigned>();
  e.info.abi_minor = j.at("abi").at(1).get<unsigned>();
  for (const auto& s : j.at("nodes")) e.nodes.push_back(spec_from(s));
  for (const auto& b : j.at("backends")) e.backends.push_back(backend_from(b));
  for (const auto& p : j.at("profiles")) {
    ModelProfile m;
    m.name = p.at("name").get<std::string>();
    m.doc = p.at("doc").get<std::string>();
    m.params = p.at("params");
    m.facts = p.at("facts");
    e.profiles.push_back(std::move(m));
  }
  return e;
}

// This build of the runtime: a cache written by another (other contract fields, other rules) is
// not read. The library's own stamp tells two builds of one version apart.
std::string runtime_identity() {
  std::error_code ec;
  const std::string self = boost::dll::this_line_location(ec).string();
  struct stat st {};
  FileStamp s = !ec && ::stat(self.c_str(), &st) == 0 ? stamp_of(st) : FileStamp{};
  return fmt::format("{} {}.{} {} {}:{}:{}", VIDPIPE_VERSION, VIDPIPE_ABI_MAJOR, VIDPIPE_ABI_MINOR, self, s.size, s.mtime_ns, s.ino);
}

uint64_t ns(const struct timespec& t) { return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec); }

}  // namespace

FileStamp stamp_of(const struct stat& st) {
  return {static_cast<uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim), static_cast<uint64_t>(st.st_dev),
          static_cast<uint64_t>(st.st_ino)};
}

CachedPlugin cache_entry(const NodeRegistry& reg, const PluginInfo& info, const FileStamp& stamp) {
  CachedPlugin e{stamp, "", info, {}, {}, {}};
  e.info.path.clear(), e.info.node_types.clear(), e.info.profiles.clear(), e.info.backends.clear();
  e.info.library = nullptr;
  for (const auto& type : info.node_types) e.nodes.push_back(reg.find_node(type)->spec);
  for (const auto& name : info.backends) e.backends.push_back(reg.find_backend(name)->spec);
  for (const auto& name : info.profiles) e.profiles.push_back(reg.find_profile(name)->profile);
  return e;
}

bool same_contract(const NodeSpec& a, const NodeSpec& b) { return spec_json(a) == spec_json(b); }
bool same_backend(const DecoderBackendSpec& a, const DecoderBackendSpec& b) { return backend_json(a) == backend_json(b); }

RegistryCache::RegistryCache(std::string file) : file_(std::move(file)) {
  const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) notice_ = fmt::format("{}: registry cache ignored: {}", file_, std::strerror(errno));
    return;
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    notice_ = file_ + ": registry cache ignored: not a regular file";
  } else if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
    notice_ = file_ + ": registry cache ignored: another user could have written it";
  } else {
    text.resize(static_cast<std::size_t>(st.st_size));
    if (::read(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) text.clear();
  }
  ::close(fd);
  if (!notice_.empty()) return;
  try {
    const json j = json::parse(text);
    if (j.at("format") != kFormat || j.at("runtime") != runtime_identity()) {
      notice_ = file_ + ": registry cache ignored: written by another build of vidpipe";
      return;
    }
    for (const auto& [path, e] : j.at("plugins").items()) entries_.emplace(path, entry_from(e));
  } catch (const std::exception& e) {
    entries_.clear();
    notice_ = fmt::format("{}: registry cache ignored: it does not parse ({})", file_, e.what());
  }
}

const CachedPlugin* RegistryCache::find(const std::string& path, const FileStamp& stamp) const {
  auto it = entries_.find(path);
  return it != entries_.end() && it->second.stamp == stamp ? &it->second : nullptr;
}

void RegistryCache::put(const std::string& path, CachedPlugin entry) {
  entries_[path] = std::move(entry);
  changed_ = true;
}

void RegistryCache::save() {
  if (!changed_ || file_.empty()) return;
  changed_ = false;
  const fs::path folder = fs::path(file_).parent_path();
  std::error_code ec;
  fs::create_directories(folder.parent_path(), ec);
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
    notice_ = fmt::format("{}: registry cache not written: {}", folder.string(), std::strerror(errno));
    return;
  }
  json out = {{"format", kFormat}, {"runtime", runtime_identity()}, {"plugins", json::object()}};
  for (const auto& [path, e] : entries_)
    if (fs::exists(path, ec)) out["plugins"][path] = entry_json(e);
  std::string tmp = file_ + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // 0600, O_EXCL
  if (fd < 0) {
    notice_ = fmt::format("{}: registry cache not written: {}", file_, std::strerror(errno));
    return;
  }
  const std::string text = json_text(out);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (::close(fd) != 0 || !written || ::rename(tmp.c_str(), file_.c_str()) != 0) {
    notice_ = fmt::format("{}: registry cache not written: {}", file_, std::strerror(errno));
    ::unlink(tmp.c_str());
  }
}

std::string default_registry_cache_file() {
  const char* off = std::getenv("VIDPIPE_NO_REGISTRY_CACHE");
  if (off && *off && std::string(off) != "0") return "";
  std::string folder;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') folder = std::string(xdg) + "/vidpipe";
  else if (const char* home = std::getenv("HOME"); home && *home == '/') folder = std::string(home) + "/.cache/vidpipe";
  else return "";
  // One file per installed runtime, so two installs (or build trees) do not keep replacing
  // each other's cache.
  std::error_code ec;
  const std::string self = boost::dll::this_line_location(ec).string();
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : self) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("{}/registry-{:016x}.json", folder, hash);
}

}  // namespace vidpipe::runtime
