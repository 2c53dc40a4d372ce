// Frame sequences: listing, natural order, header-only sizes. See image_sequence.hpp.
#include <vidpipe/media/image_sequence.hpp>

#include <glob.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace vidpipe::imgseq {
namespace {

const char* kImageExts = ".jpg, .jpeg, .png, .bmp, .webp";

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_name(const fs::path& p) {
  const std::string e = lower(p.extension().string());
  return e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp" || e == ".webp";
}

std::string short_name(const std::string& s) {
  return s.size() <= 160 ? s : s.substr(0, 120) + "...(" + std::to_string(s.size()) + " chars)";
}

// Natural order: runs of digits compare by value, so frame_2 < frame_10.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && a[i2] == '0') ++i2;
      while (j2 < b.size() && b[j2] == '0') ++j2;
      std::size_t ie = i2, je = j2;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      if (ie - i2 != je - j2) return ie - i2 < je - j2;
      if (int c = a.compare(i2, ie - i2, b, j2, je - j2)) return c < 0;
      if (ie - i != je - j) return ie - i > je - j;  // more leading zeros first
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

LimitError too_many(const std::string& input, int64_t max_images) {
  return LimitError(short_name(input) + ": frame sequence holds more than max_input_images (" +
                        std::to_string(max_images) + ") images",
                    "sample the folder first or raise the probe's max_input_images");
}

std::vector<std::string> parse_list(const std::string& input) {
  json list;
  try {
    list = json::parse(input);
  } catch (const std::exception&) {
    throw Error(short_name(input) + ": not a valid JSON list of image files",
                "write the list as [\"frame1.jpg\", \"frame2.jpg\"]");
  }
  if (!list.is_array()) throw Error(short_name(input) + ": not a JSON list of image files");
  std::vector<std::string> out;
  for (const auto& e : list) {
    if (!e.is_string())
      throw Error(short_name(input) + ": the image list holds a non-string entry " + e.dump(),
                  "list image file paths as strings");
    out.push_back(file_url_path(e.get<std::string>()));
  }
  return out;
}

// --- header parsing (no decoding) ---

uint32_t be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le16(const uint8_t* p) { return (uint32_t{p[1]} << 8) | p[0]; }
uint32_t le32(const uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }

Error bad_header(const std::string& path, const std::string& what) {
  return Error(path + ": " + what, "check that the file is a complete image (" + std::string(kImageExts) + ")");
}

ImageHeader png_header(const std::string& path, const uint8_t* h, std::size_t n) {
  if (n < 26 || std::string(reinterpret_cast<const char*>(h + 12), 4) != "IHDR")
    throw bad_header(path, "truncated PNG header");
  ImageHeader r{"png", "", static_cast<int>(std::min<uint32_t>(be32(h + 16), INT32_MAX)),
                static_cast<int>(std::min<uint32_t>(be32(h + 20), INT32_MAX))};
  const int depth = h[24], type = h[25];
  const char* base = type == 0 ? "gray" : type == 2 ? "rgb24" : type == 3 ? "pal8" : type == 4 ? "ya8" : "rgba";
  r.pixel_format = depth == 16 ? std::string(base) + " (16-bit)" : base;
  return r;
}

ImageHeader jpeg_header(const std::string& path, std::ifstream& f) {
  f.clear();
  f.seekg(2);
  for (int guard = 0; guard < 4096; ++guard) {
    int c = f.get();
    if (c != 0xFF) throw bad_header(path, "corrupt JPEG header (marker expected)");
    int m;
    while ((m = f.get()) == 0xFF) {}
    if (m == EOF) break;
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (m == 0xD9 || m == 0xDA) break;  // end of image / start of scan before any frame header
    uint8_t len[2];
    if (!f.read(reinterpret_cast<char*>(len), 2)) break;
    const uint32_t l = be16(len);
    if (l < 2) throw bad_header(path, "corrupt JPEG segment length");
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      uint8_t sof[6];
      if (!f.read(reinterpret_cast<char*>(sof), 6)) break;
      const int comps = sof[5];
      return {"mjpeg", comps == 1 ? "gray" : comps == 3 ? "yuvj (3 components)" : "cmyk/other",
              static_cast<int>(be16(sof + 3)), static_cast<int>(be16(sof + 1))};
    }
    f.seekg(l - 2, std::ios::cur);
  }
  throw bad_header(path, "truncated JPEG: no frame header");
}

ImageHeader bmp_header(const std::string& path, const uint8_t* h, std::size_t n) {
  if (n < 26) throw bad_header(path, "truncated BMP header");
  const uint32_t dib = le32(h + 14);
  int64_t w, hh;
  if (dib == 12) {
    w = le16(h + 18), hh = le16(h + 20);
  } else {
    w = static_cast<int32_t>(le32(h + 18)), hh = static_cast<int32_t>(le32(h + 22));
  }
  hh = hh < 0 ? -hh : hh;
  return {"bmp", "bgr24", static_cast<int>(std::clamp<int64_t>(w, -1, INT32_MAX)),
          static_cast<int>(std::min<int64_t>(hh, INT32_MAX))};
}

ImageHeader webp_header(const std::string& path, const uint8_t* h, std::size_t n) {
  if (n < 30) throw bad_header(path, "truncated WebP header");
  const std::string chunk(reinterpret_cast<const char*>(h + 12), 4);
  if (chunk == "VP8 ") {
    if (h[23] != 0x9d || h[24] != 0x01 || h[25] != 0x2a) throw bad_header(path, "corrupt WebP (VP8) header");
    return {"webp", "yuv420p", static_cast<int>(le16(h + 26) & 0x3fff), static_cast<int>(le16(h + 28) & 0x3fff)};
  }
  if (chunk == "VP8L") {
    if (h[20] != 0x2f) throw bad_header(path, "corrupt WebP (lossless) header");
    const uint32_t b = le32(h + 21);
    return {"webp", "argb", static_cast<int>((b & 0x3fff) + 1), static_cast<int>(((b >> 14) & 0x3fff) + 1)};
  }
  if (chunk == "VP8X") {
    const uint32_t w = (uint32_t{h[24]} | uint32_t{h[25]} << 8 | uint32_t{h[26]} << 16) + 1;
    const uint32_t hh = (uint32_t{h[27]} | uint32_t{h[28]} << 8 | uint32_t{h[29]} << 16) + 1;
    return {"webp", "yuva/argb", static_cast<int>(w), static_cast<int>(hh)};
  }
  throw bad_header(path, "unknown WebP chunk '" + chunk + "'");
}

}  // namespace

std::vector<std::string> list_images(const std::string& input, int64_t max_images) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!input.empty() && input.front() == '[') {
    files = parse_list(input);
    if (files.empty()) throw Error("the image list is empty", "list at least one image file");
    if (static_cast<int64_t>(files.size()) > max_images) throw too_many(input, max_images);
    for (const auto& f : files) {
      if (!fs::exists(f, ec)) throw Error(f + ": no such file (listed in the image list)", "check the path");
      if (!fs::is_regular_file(f, ec)) throw Error(f + ": not a regular file (listed in the image list)");
      if (!is_image_name(f))
        throw Error(f + ": not an image file name (listed in the image list)",
                    std::string("frame lists take images: ") + kImageExts);
    }
    return files;
  }
  const std::string path = file_url_path(input);
  if (fs::is_directory(path, ec)) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.filename().string().front() == '.' || !is_image_name(p)) continue;
      if (!it->is_regular_file(ec)) continue;
      files.push_back(p.string());
      if (static_cast<int64_t>(files.size()) > max_images) throw too_many(input, max_images);
    }
    if (ec) throw Error(path + ": cannot list the folder (" + ec.message() + ")", "check its permissions");
    if (files.empty())
      throw Error(path + ": is a folder without image files (" + kImageExts + ")",
                  "pass a video file, or a folder of extracted frames");
  } else {
    glob_t g{};
    const int r = ::glob(path.c_str(), GLOB_ERR | GLOB_NOSORT, nullptr, &g);
    if (r == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        const fs::path p = g.gl_pathv[i];
        if (!is_image_name(p) || !fs::is_regular_file(p, ec)) continue;
        files.push_back(p.string());
        if (static_cast<int64_t>(files.size()) > max_images) {
          globfree(&g);
          throw too_many(input, max_images);
        }
      }
    }
    globfree(&g);
    if (files.empty())
      throw Error(short_name(input) + ": no such file, and as a pattern it matches no image files (" +
                      kImageExts + ")",
                  "check the path or the pattern");
  }
  std::sort(files.begin(), files.end(), natural_less);
  return files;
}

ImageHeader read_header(const std::string& path, int64_t max_pixels) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the image", "check that it exists and is readable");
  std::array<uint8_t, 32> h{};
  f.read(reinterpret_cast<char*>(h.data()), h.size());
  const std::size_t n = static_cast<std::size_t>(f.gcount());
  if (n == 0) throw bad_header(path, "is empty (0 bytes)");
  ImageHeader r;
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::equal(png_sig, png_sig + 8, h.begin())) r = png_header(path, h.data(), n);
  else if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) r = jpeg_header(path, f);
  else if (n >= 2 && h[0] == 'B' && h[1] == 'M') r = bmp_header(path, h.data(), n);
  else if (n >= 16 && std::equal(h.begin(), h.begin() + 4, "RIFF") && std::equal(h.begin() + 8, h.begin() + 12, "WEBP"))
    r = webp_header(path, h.data(), n);
  else
    throw bad_header(path, "not a PNG, JPEG, BMP or WebP image (by content)");
  if (r.width <= 0 || r.height <= 0)
    throw bad_header(path, "image header gives no valid size (" + size_text(r.width, r.height) + ")");
  if (static_cast<int64_t>(r.width) * r.height > max_pixels)
    throw LimitError(path + ": image size " + size_text(r.width, r.height) + " exceeds max_input_pixels " +
                         std::to_string(max_pixels) + " (checked before decoding)",
                     "raise max_input_pixels if this size is intended");
  return r;
}

VideoInfo probe(const std::string& input, const SequenceOptions& opt) {
  if (!(opt.fps > 0)) throw Error("the frame rate of an image sequence must be positive");
  const std::vector<std::string> files = list_images(input, opt.max_images);
  const ImageHeader first = read_header(files.front(), opt.max_pixels);
  VideoInfo info;
  info.input = input;
  info.container = kContainer;
  info.codec = first.codec;
  info.pixel_format = first.pixel_format;
  info.width = first.width;
  info.height = first.height;
  info.fps = opt.fps;
  info.frame_count = static_cast<int64_t>(files.size());
  info.frame_count_source = "files";
  info.duration = static_cast<double>(info.frame_count) / opt.fps;
  info.frame_times.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) info.frame_times.push_back(static_cast<double>(i) / opt.fps);
  info.extra = {{"input_kind", "image_sequence"},
                {"images", info.frame_count},
                {"first_image", files.front()},
                {"last_image", files.back()},
                {"sequence_fps", opt.fps},
                {"has_audio", false},
                {"vfr", false}};
  return info;
}

}  // namespace vidpipe::imgseq
