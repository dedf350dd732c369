#include "issuance/photo_jpeg.hpp"

#include <cairo.h>
#include <turbojpeg.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace cardd {
namespace {

struct PngReader {
  std::string_view data;
  std::size_t offset = 0;
};

cairo_status_t readPng(void* closure, unsigned char* out, unsigned int length) {
  auto* r = static_cast<PngReader*>(closure);
  if (r->data.size() - r->offset < length) return CAIRO_STATUS_READ_ERROR;
  std::memcpy(out, r->data.data() + r->offset, length);
  r->offset += length;
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::string> pngToJpeg(std::string_view png, int quality) {
  if (quality < 1 || quality > 100) {
    return Error(ErrorCode::InvalidArgument,
                 "the JPEG quality must be 1-100, not " + std::to_string(quality));
  }
  PngReader reader{png, 0};
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create_from_png_stream(readPng, &reader), cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorCode::InvalidArgument, "the photo is not a readable PNG image");
  }
  cairo_surface_flush(surface.get());
  const int width = cairo_image_surface_get_width(surface.get());
  const int height = cairo_image_surface_get_height(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const bool alpha = cairo_image_surface_get_format(surface.get()) == CAIRO_FORMAT_ARGB32;
  const unsigned char* src = cairo_image_surface_get_data(surface.get());

  // Cairo holds native-endian 32-bit pixels, alpha premultiplied: composite
  // over white into packed RGB.
  std::vector<unsigned char> rgb(static_cast<std::size_t>(width) *
                                 static_cast<std::size_t>(height) * 3);
  for (int y = 0; y < height; ++y) {
    const auto* row =
        reinterpret_cast<const std::uint32_t*>(src + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      const std::uint32_t px = row[x];
      const unsigned a = alpha ? (px >> 24) & 0xFF : 0xFF;
      const unsigned white = 255 - a;
      unsigned char* dst = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                 static_cast<std::size_t>(x)) *
                                3];
      dst[0] = static_cast<unsigned char>(((px >> 16) & 0xFF) + white);
      dst[1] = static_cast<unsigned char>(((px >> 8) & 0xFF) + white);
      dst[2] = static_cast<unsigned char>((px & 0xFF) + white);
    }
  }

  std::unique_ptr<void, decltype(&tjDestroy)> compressor(tjInitCompress(), tjDestroy);
  if (!compressor) return Error(ErrorCode::Internal, "cannot start the JPEG encoder");
  unsigned char* jpeg = nullptr;
  unsigned long jpeg_size = 0;
  if (tjCompress2(compressor.get(), rgb.data(), width, 0, height, TJPF_RGB, &jpeg, &jpeg_size,
                  TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
    tjFree(jpeg);
    return Error(ErrorCode::Internal, "converting the photo to JPEG failed");
  }
  std::string out(reinterpret_cast<const char*>(jpeg), jpeg_size);
  tjFree(jpeg);
  return out;
}

Result<CardSubject> buildCardSubject(std::string_view payload_json, std::int64_t job_id,
                                     const DocumentPolicy& policy, std::string_view issued) {
  return buildCardSubject(payload_json, job_id, policy, issued, &pngToJpeg);
}

}  // namespace cardd
