#include "output_folder.hpp"

#include <atomic>
#include <random>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "vidpipe/runtime/output_names.hpp"
#include "vidpipe/sdk/data.hpp"
#include "vidpipe/sdk/output_file.hpp"
#include "vidpipe/sdk/version.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

namespace {

constexpr const char* kOutputMarker = ".vidpipe-output.json";
constexpr const char* kStagingMarker = ".vidpipe-staging.json";

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool write_json(const fs::path& path, const json& j) {
  std::ofstream f(path, std::ios::trunc);
  f << json_text(j, 2) << "\n";
  f.close();
  return !f.fail();
}

// A marker file, or an empty object when absent or unreadable. Only regular files count.
json read_marker(const fs::path& dir, const char* name) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(dir / name, ec))) return json::object();
  json j = json::parse(read_text((dir / name).string()), nullptr, false);
  return j.is_object() ? j : json::object();
}

bool is_real_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec));
}

// The entries of a folder, never throwing (an unreadable folder lists as empty).
std::vector<fs::path> list_dir(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  return out;
}

std::string text_of(const json& m, const char* key) {
  const auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 8 random hex digits: staging names must not collide across processes that share a pid
// (containers writing into one -o folder).
std::string random_tag() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  const uint64_t x = (uint64_t{rd()} << 32 ^ rd()) + counter++ * 0x9e3779b97f4a7c15ULL;
  return fmt::format("{:08x}", static_cast<uint32_t>(x ^ (x >> 32)));
}

// ---- which process a staging folder belongs to ----

// Start time of a process in clock ticks since boot (/proc/PID/stat field 22), 0 if none.
unsigned long long start_ticks(long pid) {
  const std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  const std::size_t paren = stat.rfind(')');  // the command name may hold spaces and ')'
  if (paren == std::string::npos) return 0;
  std::istringstream rest(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

json self_identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string boot = read_text("/proc/sys/kernel/random/boot_id");
  while (!boot.empty() && boot.back() == '\n') boot.pop_back();
  std::error_code ec;
  const std::string pidns = fs::read_symlink("/proc/self/ns/pid", ec).string();
  const long pid = static_cast<long>(getpid());
  return {{"host", host}, {"boot", boot}, {"pid_namespace", pidns}, {"pid", pid}, {"start", start_ticks(pid)}};
}

// True only when the staging folder's process is certainly gone: same host, and either the
// machine restarted since, or (same pid namespace) no process with that pid and start time.
bool is_stale(const json& m, const json& me) {
  const auto pid = m.find("pid"), start = m.find("start");
  if (pid == m.end() || start == m.end() || !pid->is_number_unsigned() || !start->is_number_unsigned()) return false;
  if (text_of(m, "host").empty() || text_of(m, "host") != text_of(me, "host")) return false;
  if (text_of(m, "boot") != text_of(me, "boot")) return true;
  if (text_of(m, "pid_namespace") != text_of(me, "pid_namespace")) return false;
  return start_ticks(pid->get<long>()) != start->get<unsigned long long>();
}

std::string utc_now() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Puts folder `from` in place of the existing folder `to`; returns where the old one went ("" on
// failure). One atomic exchange where the file system has it (readers see the old output or
// the new one, never neither), else two renames.
std::string replace_dir(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) return from;
  if (errno != EINVAL && errno != ENOSYS) return "";
  const std::string old = from + ".old";
  if (rename_no_replace(to, old) != 0) return "";
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    std::rename(old.c_str(), to.c_str());  // put the old output back
    return "";
  }
  return old;
}

// Deletes what a replaced output's marker lists as written by vidpipe (plain names in a real
// folder; remove_all never follows a symlink), then the folder if nothing else is left.
// Returns the names of what was kept.
std::vector<std::string> remove_output(const fs::path& dir) {
  if (!is_real_dir(dir)) return {dir.filename().string()};
  const json m = read_marker(dir, kOutputMarker);
  std::error_code ec;
  const auto files = m.find("files");
  if (files != m.end() && files->is_array())
    for (const auto& f : *files)
      if (f.is_string() && !f.get<std::string>().empty() && sanitize_name(f.get<std::string>()) == f.get<std::string>())
        fs::remove_all(dir / f.get<std::string>(), ec);
  fs::remove(dir / kOutputMarker, ec);
  fs::remove(dir / kStagingMarker, ec);
  std::vector<std::string> kept;
  for (const auto& e : list_dir(dir)) kept.push_back(e.filename().string());
  if (kept.empty()) fs::remove(dir, ec);
  return kept;
}

}  // namespace

OutputFolder::OutputFolder(std::string root, ExistingOutput policy) : root_(std::move(root)), policy_(policy) {}

std::vector<std::string> OutputFolder::clean_stale() const {
  std::vector<std::string> messages;
  const json me = self_identity();
  for (const auto& path : list_dir(root_)) {
    const std::string name = path.filename().string();
    if (name.size() < 2 || name[0] != '.' || name.find(".partial-") == std::string::npos || !is_real_dir(path)) continue;
    const json m = read_marker(path, kStagingMarker);
    if (!is_stale(m, me)) continue;
    std::error_code rm;
    fs::remove_all(path, rm);
    messages.push_back(rm ? fmt::format("cannot remove the stale staging folder {}: {}", path.string(), rm.message())
                          : fmt::format("removed the stale staging folder {} (left by process {}, which is gone)",
                                        path.string(), m["pid"].dump()));
  }
  return messages;
}

namespace {
// What a folder in the way is: absent, an output of `key`, of another input, or something else.
enum class Occupant : uint8_t { None, Same, Other, Foreign };
Occupant occupant(const fs::path& dir, const std::string& key) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return Occupant::None;
  const json m = is_real_dir(dir) ? read_marker(dir, kOutputMarker) : json::object();
  if (!m.contains("input")) return Occupant::Foreign;
  return m["input"] == key ? Occupant::Same : Occupant::Other;
}
}  // namespace

OutputFolder::Claim OutputFolder::claim(const std::vector<std::string>& names, const std::vector<std::string>& also,
                                        const std::string& key, const std::function<bool(const std::string&)>& taken) const {
  Claim c;
  c.key = key;
  auto at = [&](const std::string& name) {
    c.name = name;
    c.final_dir = (fs::path(root_) / name).string();
  };
  // An earlier output of this input under any of its names keeps its folder.
  std::vector<std::string> all = names;
  all.insert(all.end(), also.begin(), also.end());
  for (const auto& name : all) {
    if (occupant(fs::path(root_) / name, key) != Occupant::Same) continue;
    at(name);
    if (policy_ == ExistingOutput::Skip) {
      const bool partial = text_of(read_marker(c.final_dir, kOutputMarker), "status") == "partial";
      c.status = Claim::Skip;
      c.reason = std::string("a complete output of this input is already there") +
                 (partial ? " (written from a damaged input: partial)" : "") + " (--skip-existing)";
      return c;
    }
    if (policy_ == ExistingOutput::Refuse) {
      c.reason = fmt::format("{} already holds the output of this input", c.final_dir);
      c.hint = "pass --overwrite to replace it, or --skip-existing to keep it";
      return c;
    }
    return stage(c);
  }
  std::vector<std::string> others;
  for (const auto& name : names) {
    at(name);
    if (taken(name)) continue;
    switch (occupant(c.final_dir, key)) {
      case Occupant::None: return stage(c);
      case Occupant::Other: others.push_back(c.final_dir); continue;  // keep it, try the next name
      default:
        c.reason = fmt::format("{} is in the way: it was not written by vidpipe, which never replaces what it did not create",
                               c.final_dir);
        c.hint = "move it away or choose another -o folder";
        return c;
    }
  }
  c.reason = others.empty() ? "its output folder names are used by other inputs of this run"
                            : fmt::format("{} hold outputs of other inputs", fmt::join(others, " and "));
  c.hint = "choose another -o folder";
  return c;
}

OutputFolder::Claim& OutputFolder::stage(Claim& c) const {
  // mkdir(2) creates a new folder or fails: a name already there (another process's staging
  // folder) is never reused or removed; another random name is tried instead.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const fs::path dir = fs::path(root_) / fmt::format(".{}.partial-{}-{}", c.name, getpid(), random_tag());
    std::error_code ec;
    if (!fs::create_directory(dir, ec)) {
      if (ec) {
        c.reason = fmt::format("cannot create the staging folder {}: {}", dir.string(), ec.message());
        c.hint = "check that the -o folder is writable and has space";
        return c;
      }
      continue;  // exists
    }
    if (!write_json(dir / kStagingMarker, self_identity())) {
      fs::remove_all(dir, ec);  // created just now, by this process
      c.reason = fmt::format("cannot write into the staging folder {}", dir.string());
      c.hint = "check that the -o folder is writable and has space";
      return c;
    }
    c.staging_dir = dir.string();
    c.status = Claim::Ready;
    return c;
  }
  c.reason = "cannot find a free staging folder name in " + root_;
  c.hint = "remove stale .*.partial-* folders of runs that are gone";
  return c;
}

std::string OutputFolder::publish(const Claim& c, const std::string& status, std::string& hint, std::string& note) const {
  std::error_code ec;
  const fs::path staging(c.staging_dir);
  const std::string& key = c.key;
  json files = json::array();
  for (const auto& e : list_dir(staging))
    if (e.filename() != kStagingMarker) files.push_back(e.filename().string());
  const json marker = {{"vidpipe", VIDPIPE_VERSION}, {"input", key}, {"name", c.name}, {"status", status},
                       {"files", files}, {"published", utc_now()}};
  std::string error;
  if (!write_json(staging / kOutputMarker, marker)) {
    error = fmt::format("cannot write {}", (staging / kOutputMarker).string());
    hint = "check that the -o folder has space";
  } else if (int err = rename_no_replace(c.staging_dir, c.final_dir); err == 0) {
    fs::remove(fs::path(c.final_dir) / kStagingMarker, ec);
    return "";
  } else if ((err == EEXIST || err == ENOTEMPTY) && policy_ == ExistingOutput::Overwrite &&
             is_real_dir(c.final_dir) && read_marker(c.final_dir, kOutputMarker).value("input", json()) == key) {
    if (std::string old = replace_dir(c.staging_dir, c.final_dir); !old.empty()) {
      fs::remove(fs::path(c.final_dir) / kStagingMarker, ec);
      // What came out is what was checked just before, unless something swapped it in between:
      // delete only a real folder that still holds this input's marker, and keep anything else.
      const bool ours = is_real_dir(old) && text_of(read_marker(old, kOutputMarker), "input") == key;
      std::vector<std::string> kept = ours ? remove_output(old) : std::vector<std::string>{"all of it"};
      if (!kept.empty()) {
        const std::string keep = (fs::path(root_) / fmt::format(".{}.replaced-{}", c.name, random_tag())).string();
        const std::string where = rename_no_replace(old, keep) == 0 ? keep : old;
        note = fmt::format("kept the replaced output in {}: it holds files vidpipe did not write ({})", where,
                           fmt::join(kept, ", "));
      }
      return "";
    }
    error = fmt::format("cannot replace {}: {}", c.final_dir, std::strerror(errno));
    hint = "check that the -o folder is writable";
  } else if (err == EEXIST || err == ENOTEMPTY) {
    error = fmt::format("{} appeared while the job ran (another vidpipe run?) and is not replaced", c.final_dir);
    hint = "pass --overwrite to replace outputs of the same input, or use another -o folder";
  } else {
    error = fmt::format("cannot move the outputs to {}: {}", c.final_dir, std::strerror(err));
    hint = "check that the -o folder is writable";
  }
  discard(c);
  return error;
}

void OutputFolder::discard(const Claim& c) const {
  std::error_code ec;
  if (!c.staging_dir.empty()) fs::remove_all(c.staging_dir, ec);
}

}  // namespace vidpipe::runtime
