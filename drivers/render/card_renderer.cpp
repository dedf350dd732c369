#include "render/card_renderer.hpp"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>

#include "core/base64.hpp"
#include "render/svg_fill.hpp"

namespace cardd::render {
namespace {

constexpr int kStride = static_cast<int>(kCardWidthPx * 4);  // ARGB32: no padding at 1016 px.

struct HandleDeleter {
  void operator()(RsvgHandle* h) const { g_object_unref(h); }
};
using HandlePtr = std::unique_ptr<RsvgHandle, HandleDeleter>;

Error glibError(const std::string& what, GError* err) {
  std::string msg = what + ": " + (err != nullptr ? err->message : "unknown error");
  if (err != nullptr) g_error_free(err);
  return Error(ErrorCode::Internal, msg);
}

struct JpegInfo {
  std::uint32_t width = 0, height = 0;
};

// Reads the frame size from a JPEG's SOFn segment without decoding it.
std::optional<JpegInfo> jpegInfo(const std::vector<std::uint8_t>& b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    const std::uint8_t m = b[i + 1];
    if (m == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {  // markers without a length
      i += 2;
      continue;
    }
    if (m == 0xD9 || m == 0xDA) return std::nullopt;  // end of image / scan before any frame
    const std::size_t len = (std::size_t{b[i + 2]} << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > b.size()) return std::nullopt;
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (len < 7) return std::nullopt;
      JpegInfo info;
      info.height = (std::uint32_t{b[i + 5]} << 8) | b[i + 6];
      info.width = (std::uint32_t{b[i + 7]} << 8) | b[i + 8];
      if (info.width == 0 || info.height == 0) return std::nullopt;
      return info;
    }
    i += 2 + len;
  }
  return std::nullopt;
}

Status checkFields(const SideTemplate& side, const CardSubject& subject) {
  auto check = [&](const SvgPiece& p) -> Status {
    if (p.kind != SvgPiece::Kind::Field) return Ok{};
    if (subject.fields.count(p.path) != 0) return Ok{};
    if (std::find(p.filters.begin(), p.filters.end(), "optional") != p.filters.end()) return Ok{};
    return Error(
        ErrorCode::ValidationFailed,
        "the card subject has no value for field '" + p.path + "', which " + side.file + " prints",
        {FieldError{"/person/" + p.path, "required by the card template"}});
  };
  for (const auto& p : side.pieces) {
    if (auto st = check(p); !st) return st;
    for (const auto& c : p.content) {
      if (auto st = check(c); !st) return st;
    }
  }
  return Ok{};
}

std::string photoUri(const CardSubject& subject) {
  if (subject.photo_jpeg.empty()) return {};
  return "data:image/jpeg;base64," +
         encodeBase64(std::string_view(reinterpret_cast<const char*>(subject.photo_jpeg.data()),
                                       subject.photo_jpeg.size()));
}

// One librsvg render of the whole card into `pixels` (ARGB32, kStride), which
// the caller has cleared to the background it wants.
Status renderPass(RsvgHandle* handle, std::uint32_t* pixels, const std::string& file) {
  GError* err = nullptr;
  cairo_surface_t* surface = cairo_image_surface_create_for_data(
      reinterpret_cast<unsigned char*>(pixels), CAIRO_FORMAT_ARGB32, static_cast<int>(kCardWidthPx),
      static_cast<int>(kCardHeightPx), kStride);
  cairo_t* cr = cairo_create(surface);
  const RsvgRectangle viewport{0, 0, kCardWidthPx, kCardHeightPx};
  const gboolean ok = rsvg_handle_render_document(handle, cr, &viewport, &err);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  if (!ok) return glibError("render: librsvg could not render " + file, err);
  return Ok{};
}

// Darkness of a premultiplied ARGB32 pixel: coverage minus luminance (BT.601
// weights in 1/256ths), 0 for transparent or white, alpha for black.
inline std::uint8_t darkness(std::uint32_t px) {
  const unsigned a = px >> 24, r = (px >> 16) & 0xFF, g = (px >> 8) & 0xFF, b = px & 0xFF;
  const unsigned luma = (77 * r + 150 * g + 29 * b) >> 8;
  return static_cast<std::uint8_t>(a > luma ? a - luma : 0);
}

// librsvg applies a stylesheet in the cascade that follows loading, so each
// pass needs its own handle: set the stylesheet, then render.
Result<HandlePtr> loadHandle(const std::string& svg, std::string_view css, const CardTemplate& tmpl,
                             const SideTemplate& side) {
  GError* err = nullptr;
  HandlePtr handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &err));
  if (!handle) {
    // The message may quote the filled document: do not pass it on.
    if (err != nullptr) g_error_free(err);
    return Error(ErrorCode::Internal, "render: the filled " + side.file + " of template '" +
                                          tmpl.id +
                                          "' does not parse (a field value may break the SVG)");
  }
  if (!css.empty() &&
      !rsvg_handle_set_stylesheet(handle.get(), reinterpret_cast<const guint8*>(css.data()),
                                  css.size(), &err)) {
    return glibError("render: cannot apply the pass stylesheet to " + side.file, err);
  }
  return handle;
}

Status renderWith(const std::string& svg, std::string_view css, const CardTemplate& tmpl,
                  const SideTemplate& side, std::uint32_t* pixels) {
  auto handle = loadHandle(svg, css, tmpl, side);
  if (!handle) return std::move(handle).error();
  return renderPass(handle->get(), pixels, side.file);
}

Result<SideLayers> renderSide(const CardTemplate& tmpl, const SideTemplate& side,
                              const CardSubject& subject, const std::string& photo_uri) {
  auto svg = fillSvg(side.pieces, subject.fields, photo_uri);
  if (!svg) return std::move(svg).error();

  SideLayers out;
  out.present = true;
  std::vector<std::uint32_t> scratch;
  if (side.hasColour()) {
    out.colour.assign(kCardPixels, 0xFFFFFFFFu);
    if (auto st = renderWith(*svg, kColourPassCss, tmpl, side, out.colour.data()); !st) {
      return std::move(st).error();
    }
    if (side.hasResin()) {
      scratch.assign(kCardPixels, 0u);
      if (auto st = renderWith(*svg, kResinPassCss, tmpl, side, scratch.data()); !st) {
        return std::move(st).error();
      }
    }
  } else {
    // K-only side: everything prints in resin, by darkness on white.
    scratch.assign(kCardPixels, 0xFFFFFFFFu);
    if (auto st = renderWith(*svg, "", tmpl, side, scratch.data()); !st) {
      return std::move(st).error();
    }
  }
  if (!scratch.empty()) {
    out.resin.resize(kCardPixels);
    std::transform(scratch.begin(), scratch.end(), out.resin.begin(), darkness);
  } else {
    out.resin.assign(kCardPixels, 0);
  }
  if (side.hasOverlay()) {
    out.overlay.assign(kCardPixels, 255);
    for (const auto& hole : side.holes) {
      // Rounded outwards: a hole never gets smaller than configured.
      const auto x0 = static_cast<std::uint32_t>(std::max(0.0, std::floor(hole.x)));
      const auto y0 = static_cast<std::uint32_t>(std::max(0.0, std::floor(hole.y)));
      const auto x1 = static_cast<std::uint32_t>(
          std::min<double>(kCardWidthPx, std::ceil(hole.x + hole.width)));
      const auto y1 = static_cast<std::uint32_t>(
          std::min<double>(kCardHeightPx, std::ceil(hole.y + hole.height)));
      for (std::uint32_t y = y0; y < y1; ++y) {
        std::fill_n(out.overlay.begin() + static_cast<std::ptrdiff_t>(y * kCardWidthPx + x0),
                    x1 - x0, std::uint8_t{0});
      }
    }
  }
  return out;
}

drivers::Panel emptyPanel(drivers::PanelKind kind, bool used) {
  drivers::Panel p;
  p.kind = kind;
  p.pixels_per_line = kCardHeightPx;
  p.lines = kCardWidthPx;
  if (used) p.density.resize(kCardPixels);
  return p;
}

// Fills the panels of one side from its layers. Tiles of 64 x 64 pixels keep
// the strided reads of the rotation in L1; inside a tile each scan line is
// written contiguously. The side's layout is a template parameter so the
// inner loop has no branches on it.
template <bool kColour, bool kOverlay>
void separateTiles(const SideLayers& layers, bool knockout, drivers::Panel& y, drivers::Panel& m,
                   drivers::Panel& c, drivers::Panel& k, drivers::Panel& o) {
  // Raw restrict pointers: byte stores may alias anything, and without them
  // the compiler reloads every vector's data pointer after each store.
  const std::uint32_t* __restrict colour = kColour ? layers.colour.data() : nullptr;
  const std::uint8_t* __restrict resin = layers.resin.data();
  const std::uint8_t* __restrict overlay = kOverlay ? layers.overlay.data() : nullptr;
  std::uint8_t* __restrict py = kColour ? y.density.data() : nullptr;
  std::uint8_t* __restrict pm = kColour ? m.density.data() : nullptr;
  std::uint8_t* __restrict pc = kColour ? c.density.data() : nullptr;
  std::uint8_t* __restrict pk = k.density.data();
  std::uint8_t* __restrict po = kOverlay ? o.density.data() : nullptr;
  constexpr std::uint32_t kTile = 64;
  for (std::uint32_t y0 = 0; y0 < kCardHeightPx; y0 += kTile) {
    const std::uint32_t y1 = std::min(kCardHeightPx, y0 + kTile);
    for (std::uint32_t x0 = 0; x0 < kCardWidthPx; x0 += kTile) {
      const std::uint32_t x1 = std::min(kCardWidthPx, x0 + kTile);
      for (std::uint32_t x = x0; x < x1; ++x) {
        for (std::uint32_t row = y0; row < y1; ++row) {
          const std::size_t src = std::size_t{row} * kCardWidthPx + x;
          const std::size_t dst = scanIndex(x, row);
          const std::uint8_t kd = resin[src];
          pk[dst] = kd;
          if constexpr (kColour) {
            const std::uint32_t px = colour[src];
            const bool knock = knockout && kd >= 128;
            py[dst] = knock ? 0 : static_cast<std::uint8_t>(255 - (px & 0xFF));
            pm[dst] = knock ? 0 : static_cast<std::uint8_t>(255 - ((px >> 8) & 0xFF));
            pc[dst] = knock ? 0 : static_cast<std::uint8_t>(255 - ((px >> 16) & 0xFF));
          }
          if constexpr (kOverlay) po[dst] = overlay[src];
        }
      }
    }
  }
}

drivers::PanelSet separateSide(const CardTemplate& tmpl, const SideTemplate& side,
                               const SideLayers& layers) {
  using drivers::PanelKind;
  const bool colour = side.hasColour() && layers.colour.size() == kCardPixels;
  const bool overlay = side.hasOverlay() && layers.overlay.size() == kCardPixels;
  drivers::Panel y = emptyPanel(PanelKind::Yellow, colour),
                 m = emptyPanel(PanelKind::Magenta, colour),
                 c = emptyPanel(PanelKind::Cyan, colour), k = emptyPanel(PanelKind::Black, true),
                 o = emptyPanel(PanelKind::Overlay, overlay);
  if (colour && overlay) {
    separateTiles<true, true>(layers, tmpl.knockout, y, m, c, k, o);
  } else if (colour) {
    separateTiles<true, false>(layers, tmpl.knockout, y, m, c, k, o);
  } else if (overlay) {
    separateTiles<false, true>(layers, tmpl.knockout, y, m, c, k, o);
  } else {
    separateTiles<false, false>(layers, tmpl.knockout, y, m, c, k, o);
  }
  drivers::PanelSet set;
  if (colour) {
    set.panels.push_back(std::move(y));
    set.panels.push_back(std::move(m));
    set.panels.push_back(std::move(c));
  }
  if (side.hasResin()) set.panels.push_back(std::move(k));
  if (overlay) set.panels.push_back(std::move(o));
  return set;
}

cairo_status_t appendPng(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Status checkSubject(const CardTemplate& tmpl, const CardSubject& subject) {
  const bool has_slot = tmpl.front.has_photo || tmpl.back.has_photo;
  if (tmpl.requires_photo && subject.photo_jpeg.empty()) {
    return Error(ErrorCode::ValidationFailed,
                 "template '" + tmpl.id + "' prints a photo but the card subject has none",
                 {FieldError{"/photo", "required by the card template"}});
  }
  if (has_slot && !subject.photo_jpeg.empty()) {
    if (subject.photo_jpeg.size() > tmpl.limits.max_photo_bytes) {
      return Error(ErrorCode::PayloadTooLarge,
                   "the photo is " + std::to_string(subject.photo_jpeg.size()) +
                       " bytes; template '" + tmpl.id + "' accepts at most " +
                       std::to_string(tmpl.limits.max_photo_bytes));
    }
    const auto info = jpegInfo(subject.photo_jpeg);
    if (!info) {
      return Error(ErrorCode::ValidationFailed,
                   "the photo is not a JPEG with a readable frame header (baseline or progressive)",
                   {FieldError{"/photo", "must be a JPEG"}});
    }
    if (info->width > tmpl.limits.max_photo_width || info->height > tmpl.limits.max_photo_height) {
      return Error(ErrorCode::ValidationFailed,
                   "the photo is " + std::to_string(info->width) + " x " +
                       std::to_string(info->height) + " pixels; template '" + tmpl.id +
                       "' accepts at most " + std::to_string(tmpl.limits.max_photo_width) + " x " +
                       std::to_string(tmpl.limits.max_photo_height),
                   {FieldError{"/photo", "too many pixels"}});
    }
  }
  for (const Side s : {Side::Front, Side::Back}) {
    if (!tmpl.side(s).present) continue;
    if (auto st = checkFields(tmpl.side(s), subject); !st) return st;
  }
  return Ok{};
}

Result<std::string> filledSvg(const CardTemplate& tmpl, const CardSubject& subject, Side side) {
  if (!tmpl.side(side).present) {
    return Error(ErrorCode::NotFound,
                 "template '" + tmpl.id + "' has no " + sideName(side) + " side");
  }
  if (auto st = checkSubject(tmpl, subject); !st) return std::move(st).error();
  return fillSvg(tmpl.side(side).pieces, subject.fields, photoUri(subject));
}

Result<CardLayers> renderCard(const CardTemplate& tmpl, const CardSubject& subject) {
  if (auto st = checkSubject(tmpl, subject); !st) return std::move(st).error();
  const std::string photo = photoUri(subject);
  CardLayers out;
  for (const Side s : {Side::Front, Side::Back}) {
    const SideTemplate& side = tmpl.side(s);
    if (!side.present) continue;
    auto layers = renderSide(tmpl, side, subject, photo);
    if (!layers) return std::move(layers).error();
    (s == Side::Front ? out.front : out.back) = std::move(*layers);
  }
  return out;
}

Result<drivers::PreparedCard> separate(const CardTemplate& tmpl, const CardLayers& layers) {
  drivers::PreparedCard card;
  for (const Side s : {Side::Front, Side::Back}) {
    const SideTemplate& side = tmpl.side(s);
    const SideLayers& l = s == Side::Front ? layers.front : layers.back;
    if (!side.present) continue;
    if (!l.present || l.resin.size() != kCardPixels) {
      return Error(ErrorCode::InvalidArgument,
                   std::string("render: the ") + sideName(s) + " side was not rendered");
    }
    (s == Side::Front ? card.front : card.back) = separateSide(tmpl, side, l);
  }
  return card;
}

std::vector<std::uint32_t> previewPixels(const CardTemplate& tmpl, const SideLayers& layers) {
  std::vector<std::uint32_t> px(kCardPixels, 0x00FFFFFFu);
  (void)tmpl;
  for (std::size_t i = 0; i < kCardPixels; ++i) {
    if (layers.resin.size() == kCardPixels && layers.resin[i] >= 128) {
      px[i] = 0;
    } else if (layers.colour.size() == kCardPixels) {
      px[i] = layers.colour[i] & 0x00FFFFFFu;
    }
  }
  return px;
}

Result<std::vector<std::uint8_t>> renderPreviewPng(const CardTemplate& tmpl,
                                                   const CardSubject& subject, Side side) {
  if (!tmpl.side(side).present) {
    return Error(ErrorCode::NotFound,
                 "template '" + tmpl.id + "' has no " + sideName(side) + " side");
  }
  if (auto st = checkSubject(tmpl, subject); !st) return std::move(st).error();
  auto layers = renderSide(tmpl, tmpl.side(side), subject, photoUri(subject));
  if (!layers) return std::move(layers).error();
  std::vector<std::uint32_t> px = previewPixels(tmpl, *layers);
  cairo_surface_t* surface = cairo_image_surface_create_for_data(
      reinterpret_cast<unsigned char*>(px.data()), CAIRO_FORMAT_RGB24,
      static_cast<int>(kCardWidthPx), static_cast<int>(kCardHeightPx), kStride);
  std::vector<std::uint8_t> png;
  const cairo_status_t st = cairo_surface_write_to_png_stream(surface, appendPng, &png);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorCode::Internal, std::string("render: cannot encode the preview PNG: ") +
                                          cairo_status_to_string(st));
  }
  return png;
}

std::vector<std::uint8_t> toScanOrder(const std::vector<std::uint8_t>& landscape) {
  std::vector<std::uint8_t> out(kCardPixels);
  for (std::uint32_t row = 0; row < kCardHeightPx; ++row) {
    for (std::uint32_t x = 0; x < kCardWidthPx; ++x) {
      out[scanIndex(x, row)] = landscape[std::size_t{row} * kCardWidthPx + x];
    }
  }
  return out;
}

}  // namespace cardd::render
