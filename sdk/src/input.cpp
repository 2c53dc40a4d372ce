// Input classification (vidpipe/sdk/input.hpp).
#include "vidpipe/sdk/input.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace vidpipe {
namespace {

bool starts_with_ci(const std::string& s, const char* prefix) {
  const std::size_t n = std::strlen(prefix);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_b64_char(unsigned char c) { return std::isalnum(c) || c == '+' || c == '/' || c == '='; }

// A raw base64 video: long, only base64 characters (and line breaks), not an existing file.
// Video containers never encode to a leading '/', so absolute paths are never taken for it.
bool looks_like_raw_base64(const std::string& s) {
  if (s.size() < 64 || s.front() == '/') return false;
  for (unsigned char c : s)
    if (!is_b64_char(c) && c != '\n' && c != '\r') return false;
  std::error_code ec;
  return !fs::exists(s, ec);
}

bool is_sequence(const std::string& input) {
  if (input.empty() || input == "-") return false;
  if (input.front() == '[') return true;
  if (input.find("://") != std::string::npos && input.rfind("file://", 0) != 0) return false;
  if (input.rfind("data:", 0) == 0) return false;
  const std::string path = file_url_path(input);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return true;
  return path.find_first_of("*?[") != std::string::npos && !fs::exists(path, ec);
}

}  // namespace

const char* to_string(InputKind k) {
  switch (k) {
    case InputKind::File: return "file";
    case InputKind::Http: return "http";
    case InputKind::Base64: return "base64";
    case InputKind::Stdin: return "stdin";
    case InputKind::Sequence: return "image_sequence";
  }
  return "?";
}

InputKind classify_input(const std::string& input) {
  if (input == "-") return InputKind::Stdin;
  if (input.rfind("data:", 0) == 0) return InputKind::Base64;
  if (starts_with_ci(input, "http://") || starts_with_ci(input, "https://")) return InputKind::Http;
  if (is_sequence(input)) return InputKind::Sequence;
  if (looks_like_raw_base64(input)) return InputKind::Base64;
  return InputKind::File;
}

std::string input_display_name(const std::string& input) {
  if (input == "-") return "stdin";
  if (input.rfind("data:", 0) == 0) {
    const std::size_t comma = input.find(',');
    return input.substr(0, std::min<std::size_t>(comma, 64)) + " input (" + std::to_string(input.size()) + " chars)";
  }
  if (input.size() > 200 && looks_like_raw_base64(input))
    return "base64 input (" + std::to_string(input.size()) + " chars)";
  if (input.size() > 200) return input.substr(0, 160) + "...(" + std::to_string(input.size()) + " chars)";
  if (classify_input(input) == InputKind::Base64) return "base64 input (" + std::to_string(input.size()) + " chars)";
  return input;
}

std::string file_url_path(const std::string& input) {
  if (input.rfind("file://", 0) != 0) return input;
  std::string in = input.substr(7), out;
  if (in.rfind("localhost/", 0) == 0) in = in.substr(9);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace vidpipe
