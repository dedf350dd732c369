#include "emulator/output_sink.hpp"

#include <cairo.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <iostream>

#include "printer/evolis/evolis_raster.hpp"

namespace cardd::emulator {

namespace evolis = drivers::evolis;

std::vector<std::uint8_t> compositeSide(const PrintedSide& side) {
  const std::size_t pixels = static_cast<std::size_t>(kImageWidth) * kImageHeight;
  std::vector<std::uint8_t> rgb(pixels * 3, 255);
  const auto find = [&](char letter) -> const std::vector<std::uint8_t>* {
    for (const auto& p : side.panels) {
      if (p.letter == letter && p.density.size() == pixels) return &p.density;
    }
    return nullptr;
  };
  const auto* y = find('y');
  const auto* m = find('m');
  const auto* c = find('c');
  const auto* k = find('k');

  // Panel pixel (line L, pixel P) lands at image (x = L, y = 647 - P): a
  // scan line runs from the card's bottom edge up (drivers/render
  // card_renderer.hpp, "Scan order"), so the image shows the card as seen.
  for (std::size_t line = 0; line < evolis::kScanLines; ++line) {
    for (std::size_t px = 0; px < evolis::kPixelsPerLine; ++px) {
      const std::size_t src = line * evolis::kPixelsPerLine + px;
      const std::size_t dst = ((evolis::kPixelsPerLine - 1 - px) * kImageWidth + line) * 3;
      // Subtractive primaries: cyan absorbs red, magenta green, yellow blue.
      int r = 255 - (c ? (*c)[src] : 0);
      int g = 255 - (m ? (*m)[src] : 0);
      int b = 255 - (y ? (*y)[src] : 0);
      if (k) {
        const int keep = 255 - (*k)[src];
        r = r * keep / 255;
        g = g * keep / 255;
        b = b * keep / 255;
      }
      rgb[dst] = static_cast<std::uint8_t>(r);
      rgb[dst + 1] = static_cast<std::uint8_t>(g);
      rgb[dst + 2] = static_cast<std::uint8_t>(b);
    }
  }
  return rgb;
}

Status writePng(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgb) {
  if (rgb.size() != static_cast<std::size_t>(kImageWidth) * kImageHeight * 3) {
    return Error(ErrorCode::InvalidArgument, "emulator: image has the wrong size");
  }
  cairo_surface_t* surface =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, kImageWidth, kImageHeight);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    return Error(ErrorCode::Internal, "emulator: cannot allocate an image surface");
  }
  cairo_surface_flush(surface);
  unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int row = 0; row < kImageHeight; ++row) {
    auto* out = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
    for (int x = 0; x < kImageWidth; ++x) {
      const std::size_t i =
          (static_cast<std::size_t>(row) * kImageWidth + static_cast<std::size_t>(x)) * 3;
      out[x] = (std::uint32_t{rgb[i]} << 16) | (std::uint32_t{rgb[i + 1]} << 8) | rgb[i + 2];
    }
  }
  cairo_surface_mark_dirty(surface);
  const cairo_status_t st = cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorCode::Internal,
                 "emulator: cannot write " + path.string() + ": " + cairo_status_to_string(st));
  }
  return Ok{};
}

Result<std::vector<std::uint8_t>> readPng(const std::filesystem::path& path) {
  cairo_surface_t* surface = cairo_image_surface_create_from_png(path.c_str());
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS ||
      cairo_image_surface_get_width(surface) != kImageWidth ||
      cairo_image_surface_get_height(surface) != kImageHeight) {
    cairo_surface_destroy(surface);
    return Error(ErrorCode::InvalidArgument, "emulator: " + path.string() + " is not a card image");
  }
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(kImageWidth) * kImageHeight * 3);
  for (int row = 0; row < kImageHeight; ++row) {
    const auto* in =
        reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
    for (int x = 0; x < kImageWidth; ++x) {
      const std::size_t i =
          (static_cast<std::size_t>(row) * kImageWidth + static_cast<std::size_t>(x)) * 3;
      rgb[i] = static_cast<std::uint8_t>(in[x] >> 16);
      rgb[i + 1] = static_cast<std::uint8_t>(in[x] >> 8);
      rgb[i + 2] = static_cast<std::uint8_t>(in[x]);
    }
  }
  cairo_surface_destroy(surface);
  return rgb;
}

FileSink::FileSink(std::filesystem::path dir) : dir_(std::move(dir)) {}

Result<std::unique_ptr<FileSink>> FileSink::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: cannot create output directory " + dir.string() + ": " + ec.message());
  }
  std::unique_ptr<FileSink> sink(new FileSink(dir));
  sink->log_.open(dir / "events.jsonl", std::ios::app);
  if (!sink->log_) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: cannot open " + (dir / "events.jsonl").string() + " for appending");
  }
  return sink;
}

void FileSink::event(const EmulatorEvent& event) {
  boost::json::object o;
  o["ts"] = formatTimestamp(event.at_ms);
  o["event"] = event.kind;
  if (!event.serial.empty()) o["serial"] = event.serial;
  if (!event.detail.empty()) o["detail"] = event.detail;
  log_ << boost::json::serialize(o) << '\n';
  log_.flush();
}

void FileSink::printed(const PrintedSide& side) {
  const auto path = dir_ / (side.serial + "-" + side.side + ".png");
  if (auto st = writePng(path, compositeSide(side)); !st && !warned_) {
    warned_ = true;
    std::cerr << st.error().message << '\n';
  }
}

}  // namespace cardd::emulator
