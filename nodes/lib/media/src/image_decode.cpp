#include <vidpipe/media/image_decode.hpp>

#include <csetjmp>
#include <cstdio>
#include <memory>

#include <jpeglib.h>
#include <jerror.h>  // after jpeglib.h: the message codes
#include <png.h>

#include <vidpipe/sdk/error.hpp>

namespace vidpipe::imgseq {
namespace {

const char* kHint = "check that the file is a complete image";

struct Messages {
  std::string error;
  std::vector<std::string> warnings;
  bool damaged = false;       // see DecodedImage::damaged
  bool other_format = false;  // decode with OpenCV instead
};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// ---- PNG: libpng reports errors by longjmp, so no C++ object is made after setjmp ----------

void on_png_error(png_structp png, png_const_charp msg) {
  static_cast<Messages*>(png_get_error_ptr(png))->error = msg;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp png, png_const_charp msg) {
  static_cast<Messages*>(png_get_error_ptr(png))->warnings.push_back(std::string("libpng: ") + msg);
}

bool read_png(FILE* f, png_bytep* rows, png_uint_32 width, png_uint_32 height, Messages& m) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &m, on_png_error, on_png_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  volatile bool ok = false;
  if (info && setjmp(png_jmpbuf(png)) == 0) {
    png_init_io(png, f);
    png_read_info(png, info);
    const int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    // imread(IMREAD_COLOR): 8 bits (high byte), alpha dropped (no matte), palette and gray to RGB.
    if (depth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (!(type & PNG_COLOR_MASK_COLOR) && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (!(type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height ||
        png_get_rowbytes(png, info) != width * 3)
      png_error(png, "decodes to another size than its header says");
    png_read_image(png, rows);
    png_read_end(png, nullptr);
    ok = true;
  }
  if (!info) m.error = "out of memory";
  if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  return ok;
}

// ---- JPEG: libjpeg's error_exit longjmps too; output_message would print to stderr ---------

struct JpegErrors {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  Messages* m;
};

std::string jpeg_text(j_common_ptr c) {
  char buf[JMSG_LENGTH_MAX];
  c->err->format_message(c, buf);
  return buf;
}
void on_jpeg_error(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegErrors*>(c->err);
  e->m->error = jpeg_text(c);
  std::longjmp(e->jump, 1);
}
// libjpeg's emit_message: level < 0 is a warning (trace messages are off). The first is kept, as
// libjpeg's own handler prints only the first; any but the metadata ones means damaged pixels.
void on_jpeg_emit(j_common_ptr c, int level) {
  if (level >= 0) return;
  Messages& m = *reinterpret_cast<JpegErrors*>(c->err)->m;
  const int code = c->err->msg_code;
  if (code != JWRN_ADOBE_XFORM && code != JWRN_JFIF_MAJOR && code != JWRN_BOGUS_ICC) m.damaged = true;
  if (c->err->num_warnings++ == 0) m.warnings.push_back("libjpeg: " + jpeg_text(c));
}

bool read_jpeg(FILE* f, uint8_t* pixels, int stride, JDIMENSION width, JDIMENSION height, Messages& m) {
  jpeg_decompress_struct cinfo{};
  JpegErrors err{};
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_jpeg_error;
  err.pub.emit_message = on_jpeg_emit;
  err.m = &m;
  volatile bool ok = false;
  if (setjmp(err.jump) == 0) {
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.num_components == 4) {
      m.other_format = true;  // CMYK/YCCK: imread's own conversion
    } else {
      cinfo.out_color_space = JCS_RGB;  // imread's JCS_EXT_BGR, in RGB order; defaults otherwise
      jpeg_start_decompress(&cinfo);
      if (cinfo.output_width != width || cinfo.output_height != height || cinfo.output_components != 3) {
        m.error = "decodes to another size than its header says";
      } else {
        while (cinfo.output_scanline < cinfo.output_height) {
          JSAMPROW row = pixels + static_cast<std::ptrdiff_t>(cinfo.output_scanline) * stride;
          jpeg_read_scanlines(&cinfo, &row, 1);
        }
        ok = true;  // as imread: every row is there; a bad marker after the image is only a warning
        jpeg_finish_decompress(&cinfo);
      }
    }
  }
  jpeg_destroy_decompress(&cinfo);
  return ok;
}

// A BMP, WebP or CMYK JPEG: `other`'s, or an error naming the plugin that decodes it.
DecodedImage other_format(const std::string& path, int width, int height, const OtherDecoder& other,
                          const std::string& what) {
  if (other) return other(path, width, height);
  throw Error(path + ": " + what + " images are decoded with OpenCV, which the images backend does not use",
              "install the vidpipe.decode_opencv plugin (backend images_opencv), or convert the images to PNG");
}

}  // namespace

DecodedImage decode_rgb(const std::string& path, int width, int height, const OtherDecoder& other) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(path + ": cannot open the image", "check that it exists and is readable");
  unsigned char magic[3] = {};
  const std::size_t got = std::fread(magic, 1, sizeof magic, f.get());
  std::rewind(f.get());
  const bool png = got >= 3 && magic[0] == 0x89 && magic[1] == 'P' && magic[2] == 'N';
  const bool jpeg = got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF;
  if (!png && !jpeg) return other_format(path, width, height, other, "BMP and WebP");
  DecodedImage out{make_frame(width, height), {}};
  uint8_t* pixels = out.frame.pixels;
  const int stride = out.frame.frame->stride;
  Messages m;
  bool ok;
  if (png) {
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) rows[y] = pixels + static_cast<std::ptrdiff_t>(y) * stride;
    ok = read_png(f.get(), rows.data(), static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), m);
  } else {
    ok = read_jpeg(f.get(), pixels, stride, static_cast<JDIMENSION>(width), static_cast<JDIMENSION>(height), m);
  }
  if (m.other_format) return other_format(path, width, height, other, "CMYK JPEG");
  const std::string lib = png ? "libpng: " : "libjpeg: ";
  if (!ok) throw Error(path + ": cannot decode the image (" + lib + m.error + ")", kHint);
  out.warnings = std::move(m.warnings);
  out.damaged = m.damaged;
  if (!m.error.empty()) out.warnings.push_back(lib + m.error);  // after the image: its pixels are whole
  return out;
}

}  // namespace vidpipe::imgseq
