#include "vidpipe/runtime/output_names.hpp"

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include <vidpipe/sdk/input.hpp>

#include "vidpipe/runtime/text.hpp"

namespace fs = std::filesystem;

namespace vidpipe::runtime {

namespace {

constexpr std::size_t kMaxNameBytes = 80;

bool starts_with_ci(const std::string& s, const char* prefix) {
  for (std::size_t i = 0; prefix[i]; ++i)
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_url(const std::string& s) { return s.find("://") != std::string::npos; }

// Inline data rather than a name: base64 (data: URIs, raw base64) and JSON lists of frame images,
// as the nodes that open inputs classify them (vidpipe/sdk/input.hpp).
bool is_inline(const std::string& s) {
  const InputKind kind = classify_input(s);
  return kind == InputKind::Base64 || (kind == InputKind::Sequence && s.front() == '[');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    int hi = -1, lo = -1;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The last path segment of a URL, without query and fragment, percent-decoded.
std::string url_file_name(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  const std::size_t slash = rest.find('/');
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return percent_decode(path.substr(path.rfind('/') + 1));
}

std::string strip_extension(const std::string& file) {
  const std::size_t dot = file.rfind('.');
  return dot == std::string::npos || dot == 0 ? file : file.substr(0, dot);
}

}  // namespace

std::string short_hash(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return fmt::format("{:012x}", h >> 16);
}

namespace {
// Keys are written into JSON markers and compared with what is read back, so they must be
// valid UTF-8: a key that is not (a Latin-1 file name) is spelled as the hex of its bytes.
std::string utf8_key(std::string key) {
  for (std::size_t i = 0; i < key.size();) {
    uint32_t cp = 0;
    const std::size_t n = utf8_char(key, i, cp);
    if (n == 0) {
      std::string hex = "bytes:";
      for (unsigned char c : key) hex += fmt::format("{:02x}", c);
      return hex;
    }
    i += n;
  }
  return key;
}

std::string raw_key(const std::string& input) {
  if (input == "-") return "stdin";
  if (is_inline(input)) return fmt::format("inline:{}:{}", input.size(), short_hash(input));
  if (is_url(input) && !starts_with_ci(input, "file://")) return input;
  std::string path = starts_with_ci(input, "file://") ? percent_decode(input.substr(7)) : input;
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return path;
  fs::path canon = fs::weakly_canonical(abs, ec);
  return (ec ? abs.lexically_normal() : canon).string();
}
}  // namespace

std::string input_key(const std::string& input) { return utf8_key(raw_key(input)); }

std::string sanitize_name(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const std::size_t n = utf8_char(text, i, cp);
    const bool replace = n == 0 || is_hidden_or_control(cp) || cp == '/' || cp == '\\';
    if (out.size() + (replace ? 1 : n) > kMaxNameBytes) break;  // cut on a character boundary
    if (replace) out += '_';
    else out.append(text, i, n);
    i += n ? n : 1;
  }
  const std::size_t first = out.find_first_not_of(".- ");
  if (first == std::string::npos) return "";
  out.erase(0, first);
  while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string input_stem(const std::string& input) {
  if (input == "-") return "stdin";
  if (!input.empty() && input.front() == '[') {  // a JSON list of frame images: their folder's name
    const std::size_t q = input.find('"');
    const std::size_t end = q == std::string::npos ? q : input.find('"', q + 1);
    if (end != std::string::npos) {
      const fs::path first(input.substr(q + 1, end - q - 1));
      std::string name = sanitize_name(first.parent_path().filename().string());
      return name.empty() ? sanitize_name(first.stem().string()) : name;
    }
    return "";
  }
  if (is_inline(input)) return "base64";
  if (is_url(input) && !starts_with_ci(input, "file://")) return sanitize_name(strip_extension(url_file_name(input)));
  std::string path = starts_with_ci(input, "file://") ? percent_decode(input.substr(7)) : input;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return sanitize_name(strip_extension(fs::path(path).filename().string()));
}

std::string hashed_name(const std::string& stem, const std::string& key) {
  return (stem.empty() ? std::string("input") : stem) + "-" + short_hash(key);
}

std::string name_fold(const std::string& name) {
  std::string out = name;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<AssignedName> assign_names(const std::vector<std::string>& inputs) {
  std::vector<AssignedName> out(inputs.size());
  std::vector<std::string> stems(inputs.size());
  std::map<std::string, std::set<std::string>> keys_of_stem;  // folded stem -> distinct input keys
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    out[i].key = input_key(inputs[i]);
    stems[i] = input_stem(inputs[i]);
    keys_of_stem[name_fold(stems[i])].insert(out[i].key);
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const bool shared = keys_of_stem[name_fold(stems[i])].size() > 1;
    out[i].name = stems[i].empty() || shared ? hashed_name(stems[i], out[i].key) : stems[i];
  }
  return out;
}

}  // namespace vidpipe::runtime
