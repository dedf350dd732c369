#include "render/card_renderer.hpp"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

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

// A side's colour pass, or its static leading elements, rendered once
// (SideTemplate::colourPassIsStatic(), colourStaticPrefix()); `key` is the
// side's compiled text, so a changed or reloaded template never reuses a
// stale image.
struct StaticColour {
  std::string key;
  std::vector<std::uint32_t> pixels;
};

std::string staticKey(const SideTemplate& side) {
  std::string key = side.file;
  for (const auto& p : side.pieces) {
    key += static_cast<char>('0' + static_cast<int>(p.kind));
    if (p.kind == SvgPiece::Kind::Literal) key += p.text;
  }
  return key;
}

// A user stylesheet rule hiding the top-level elements that `nth` (an
// :nth-child argument) selects, except those that draw nothing themselves but
// are referenced (styles, gradients, clip paths...): hiding those could change
// what the visible elements look like.
std::string hideTopLevel(const std::string& nth) {
  return " :root > :nth-child(" + nth +
         "):not(style):not(defs):not(linearGradient):not(radialGradient):not(pattern)"
         ":not(clipPath):not(mask):not(filter):not(symbol):not(marker) "
         "{ display: none !important; }";
}

// Renders one side into `out`, reusing its buffers and `scratch` (assign() on
// a vector of the right size writes in place: no allocation, no page faults).
// With `cache`, a static colour pass is rendered once and then copied.
Status renderSide(const CardTemplate& tmpl, const SideTemplate& side,
                  const std::map<std::string, std::string>& fields, const std::string& photo_uri,
                  SideLayers& out, std::vector<std::uint32_t>& scratch, StaticColour* cache) {
  auto svg = fillSvg(side.pieces, fields, photo_uri);
  if (!svg) return std::move(svg).error();

  out.present = true;
  bool have_scratch = false;
  if (side.hasColour()) {
    // The colour pass from the cache: whole when nothing in it depends on the
    // subject, else its static leading elements, with the rest drawn on top
    // (the same drawing operations in the same order as one render).
    const bool whole = side.colourPassIsStatic();
    const int prefix = whole ? 0 : side.colourStaticPrefix();
    if (cache != nullptr && (whole || prefix > 0)) {
      std::string key = std::to_string(prefix) + '\n' + staticKey(side);
      if (cache->key != key || cache->pixels.size() != kCardPixels) {
        cache->key.clear();
        cache->pixels.assign(kCardPixels, 0xFFFFFFFFu);
        const std::string css =
            whole ? std::string(kColourPassCss)
                  : std::string(kColourPassCss) + hideTopLevel("n+" + std::to_string(prefix + 1));
        if (auto st = renderWith(*svg, css, tmpl, side, cache->pixels.data()); !st) {
          return std::move(st).error();
        }
        cache->key = std::move(key);
      }
      out.colour = cache->pixels;
      if (!whole) {
        const std::string css =
            std::string(kColourPassCss) + hideTopLevel("-n+" + std::to_string(prefix));
        if (auto st = renderWith(*svg, css, tmpl, side, out.colour.data()); !st) {
          return std::move(st).error();
        }
      }
    } else {
      out.colour.assign(kCardPixels, 0xFFFFFFFFu);
      if (auto st = renderWith(*svg, kColourPassCss, tmpl, side, out.colour.data()); !st) {
        return std::move(st).error();
      }
    }
    if (side.hasResin()) {
      scratch.assign(kCardPixels, 0u);
      if (auto st = renderWith(*svg, kResinPassCss, tmpl, side, scratch.data()); !st) {
        return std::move(st).error();
      }
      have_scratch = true;
    }
  } else {
    // K-only side: everything prints in resin, by darkness on white.
    out.colour.clear();
    scratch.assign(kCardPixels, 0xFFFFFFFFu);
    if (auto st = renderWith(*svg, "", tmpl, side, scratch.data()); !st) {
      return std::move(st).error();
    }
    have_scratch = true;
  }
  out.resin.resize(kCardPixels);
  if (have_scratch) {
    std::transform(scratch.begin(), scratch.end(), out.resin.begin(), darkness);
  } else {
    std::fill(out.resin.begin(), out.resin.end(), std::uint8_t{0});
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
  } else {
    out.overlay.clear();
  }
  return Ok{};
}

// A panel of `kind`, taking the buffer of a panel in `old` (the previous
// card's) when there is one, so a reused PreparedCard allocates nothing.
drivers::Panel takePanel(std::vector<drivers::Panel>& old, drivers::PanelKind kind, bool used) {
  drivers::Panel p;
  p.kind = kind;
  p.pixels_per_line = kCardHeightPx;
  p.lines = kCardWidthPx;
  if (!used) return p;
  for (auto& o : old) {
    if (o.kind == kind && o.density.capacity() >= kCardPixels) {
      p.density = std::move(o.density);
      break;
    }
  }
  p.density.resize(kCardPixels);  // every pixel is written by separateTiles()
  return p;
}

// Stores `word` at `p`, its low byte first.
inline void store8(std::uint8_t* p, std::uint64_t word) {
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  std::memcpy(p, &word, sizeof word);
}

// Fills the panels of one side from its layers. Tiles of 64 x 64 pixels keep
// the strided reads of the rotation in L1; inside a tile each scan line is
// written contiguously, 8 bytes at a time (kCardHeightPx is a multiple of 8). The side's layout is
// a template parameter so the inner loop has no branches on it.
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
  static_assert(kTile % 8 == 0 && kCardHeightPx % 8 == 0, "rows are stored 8 at a time");
  for (std::uint32_t y0 = 0; y0 < kCardHeightPx; y0 += kTile) {
    const std::uint32_t y1 = std::min(kCardHeightPx, y0 + kTile);
    for (std::uint32_t x0 = 0; x0 < kCardWidthPx; x0 += kTile) {
      const std::uint32_t x1 = std::min(kCardWidthPx, x0 + kTile);
      for (std::uint32_t x = x0; x < x1; ++x) {
        // 8 rows at a time: they are 8 consecutive bytes of scan line x (row
        // y0 + 7 first), gathered in a word per panel and stored at once.
        for (std::uint32_t row = y0; row < y1; row += 8) {
          std::uint64_t wy = 0, wm = 0, wc = 0, wk = 0, wo = 0;
          for (std::uint32_t r = row; r < row + 8; ++r) {
            const std::size_t src = std::size_t{r} * kCardWidthPx + x;
            const std::uint8_t kd = resin[src];
            wk = (wk << 8) | kd;
            if constexpr (kColour) {
              const std::uint32_t px = colour[src];
              const std::uint32_t keep = knockout && kd >= 128 ? 0u : 0xFFu;
              wy = (wy << 8) | ((255 - (px & 0xFF)) & keep);
              wm = (wm << 8) | ((255 - ((px >> 8) & 0xFF)) & keep);
              wc = (wc << 8) | ((255 - ((px >> 16) & 0xFF)) & keep);
            }
            if constexpr (kOverlay) wo = (wo << 8) | overlay[src];
          }
          // The word's low byte is row + 7, the first of the 8 in the line.
          const std::size_t dst = scanIndex(x, row + 7);
          store8(pk + dst, wk);
          if constexpr (kColour) {
            store8(py + dst, wy);
            store8(pm + dst, wm);
            store8(pc + dst, wc);
          }
          if constexpr (kOverlay) store8(po + dst, wo);
        }
      }
    }
  }
}

void separateSide(const CardTemplate& tmpl, const SideTemplate& side, const SideLayers& layers,
                  drivers::PanelSet& set) {
  using drivers::PanelKind;
  const bool colour = side.hasColour() && layers.colour.size() == kCardPixels;
  const bool overlay = side.hasOverlay() && layers.overlay.size() == kCardPixels;
  std::vector<drivers::Panel> old = std::move(set.panels);
  drivers::Panel y = takePanel(old, PanelKind::Yellow, colour),
                 m = takePanel(old, PanelKind::Magenta, colour),
                 c = takePanel(old, PanelKind::Cyan, colour),
                 k = takePanel(old, PanelKind::Black, true),
                 o = takePanel(old, PanelKind::Overlay, overlay);
  if (colour && overlay) {
    separateTiles<true, true>(layers, tmpl.knockout, y, m, c, k, o);
  } else if (colour) {
    separateTiles<true, false>(layers, tmpl.knockout, y, m, c, k, o);
  } else if (overlay) {
    separateTiles<false, true>(layers, tmpl.knockout, y, m, c, k, o);
  } else {
    separateTiles<false, false>(layers, tmpl.knockout, y, m, c, k, o);
  }
  old.clear();
  set.panels = std::move(old);  // keeps the vector's own capacity
  if (colour) {
    set.panels.push_back(std::move(y));
    set.panels.push_back(std::move(m));
    set.panels.push_back(std::move(c));
  }
  if (side.hasResin()) set.panels.push_back(std::move(k));
  if (overlay) set.panels.push_back(std::move(o));
}

Status separateOne(const CardTemplate& tmpl, Side s, const SideLayers& l, drivers::PanelSet& set) {
  const SideTemplate& side = tmpl.side(s);
  if (!side.present) {
    set.panels.clear();
    return Ok{};
  }
  if (!l.present || l.resin.size() != kCardPixels) {
    return Error(ErrorCode::InvalidArgument,
                 std::string("render: the ") + sideName(s) + " side was not rendered");
  }
  separateSide(tmpl, side, l, set);
  return Ok{};
}

cairo_status_t appendPng(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

struct RenderContext::StaticColourCache {
  StaticColour entry;
};

// The thread that renders and separates the back while the caller does the
// front. It lives as long as the context, so its fonts (pango keeps a font
// map per thread) load once. One job at a time: run() then wait().
class RenderContext::SideWorker {
 public:
  SideWorker() : thread_([this] { loop(); }) {}
  ~SideWorker() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void run(std::function<Status()> job) {
    {
      std::lock_guard lock(mutex_);
      job_ = std::move(job);
      result_.reset();
    }
    cv_.notify_all();
  }
  Status wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return result_.has_value(); });
    Status st = std::move(*result_);
    result_.reset();
    return st;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || job_ != nullptr; });
      if (job_ == nullptr) return;  // stop_ and nothing left to do
      auto job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      Status st = job();
      lock.lock();
      result_ = std::move(st);
      cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<Status()> job_;
  std::optional<Status> result_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

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
  RenderContext ctx(false);  // a new thread would load its fonts again
  ctx.use_caches_ = false;   // the reference: every pass rendered whole
  if (auto st = ctx.render(tmpl, subject); !st) return std::move(st).error();
  return std::move(ctx.layers_);
}

Status RenderContext::render(const CardTemplate& tmpl, const CardSubject& subject) {
  // Until this card is rendered, neither side is usable (separateInto()
  // refuses a side that is not present).
  layers_.front.present = layers_.back.present = false;
  if (auto st = checkSubject(tmpl, subject); !st) return st;
  return renderFields(tmpl, subject.fields, photoUri(subject));
}

Status RenderContext::renderFields(const CardTemplate& tmpl,
                                   const std::map<std::string, std::string>& fields,
                                   const std::string& photo_uri) {
  layers_.front.present = layers_.back.present = false;
  if (!static_front_) static_front_ = std::make_unique<StaticColourCache>();
  if (!static_back_) static_back_ = std::make_unique<StaticColourCache>();
  auto side = [&](Side s, std::vector<std::uint32_t>& scratch) -> Status {
    const SideTemplate& t = tmpl.side(s);
    SideLayers& out = s == Side::Front ? layers_.front : layers_.back;
    if (!t.present) {
      out = SideLayers{};
      return Ok{};
    }
    auto& cache = s == Side::Front ? static_front_ : static_back_;
    Status st =
        renderSide(tmpl, t, fields, photo_uri, out, scratch, use_caches_ ? &cache->entry : nullptr);
    if (!st) out.present = false;
    return st;
  };
  return bothSides([&] { return side(Side::Front, scratch_); },
                   [&] { return side(Side::Back, scratch_back_); });
}

Status RenderContext::bothSides(const std::function<Status()>& front,
                                const std::function<Status()>& back) {
  if (!parallel_) {
    if (auto st = front(); !st) return st;
    return back();
  }
  if (!worker_) worker_ = std::make_unique<SideWorker>();
  worker_->run(back);
  Status f = front();
  Status b = worker_->wait();
  if (!f) return f;
  return b;
}

Status RenderContext::separate(const CardTemplate& tmpl, drivers::PreparedCard& card) {
  return bothSides([&] { return separateOne(tmpl, Side::Front, layers_.front, card.front); },
                   [&] { return separateOne(tmpl, Side::Back, layers_.back, card.back); });
}

Status RenderContext::warmUp(const CardTemplate& tmpl) {
  // Every field the template prints, with letters and digits in the fonts the
  // template uses, and a grey 8 x 8 JPEG in the photo slot (the first JPEG
  // loads gdk-pixbuf's decoder).
  static constexpr std::string_view kGreyJpeg =
      "data:image/jpeg;base64,"
      "/9j/4AAQSkZJRgABAQAAAQABAAD/"
      "2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/"
      "2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/"
      "wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/"
      "8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoK"
      "So0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKzt"
      "LW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/"
      "8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/"
      "8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJ"
      "ygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqs"
      "rO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/"
      "9oADAMBAAIRAxEAPwAooooA/9k=";
  std::map<std::string, std::string> fields;
  for (const Side s : {Side::Front, Side::Back}) {
    for (const auto& f : tmpl.side(s).fields) fields[f] = "Warm-up 0123456789";
  }
  Status st = renderFields(tmpl, fields, std::string(kGreyJpeg));
  layers_.front.present = layers_.back.present = false;  // not a card to print
  return st;
}

void RenderContext::trim() {
  layers_ = CardLayers{};
  std::vector<std::uint32_t>().swap(scratch_);
  std::vector<std::uint32_t>().swap(scratch_back_);
  static_front_.reset();
  static_back_.reset();
}

std::size_t RenderContext::bytesHeld() const {
  auto side = [](const SideLayers& l) {
    return l.colour.capacity() * 4 + l.resin.capacity() + l.overlay.capacity();
  };
  std::size_t n = side(layers_.front) + side(layers_.back) +
                  (scratch_.capacity() + scratch_back_.capacity()) * 4;
  for (const auto* c : {static_front_.get(), static_back_.get()}) {
    if (c != nullptr) n += c->entry.pixels.capacity() * 4;
  }
  return n;
}

RenderContext::RenderContext(bool parallel_sides) : parallel_(parallel_sides) {}
RenderContext::~RenderContext() = default;
RenderContext::RenderContext(RenderContext&&) noexcept = default;
RenderContext& RenderContext::operator=(RenderContext&&) noexcept = default;

Result<drivers::PreparedCard> separate(const CardTemplate& tmpl, const CardLayers& layers) {
  drivers::PreparedCard card;
  if (auto st = separateInto(tmpl, layers, card); !st) return std::move(st).error();
  return card;
}

Status separateInto(const CardTemplate& tmpl, const CardLayers& layers,
                    drivers::PreparedCard& card) {
  if (auto st = separateOne(tmpl, Side::Front, layers.front, card.front); !st) return st;
  return separateOne(tmpl, Side::Back, layers.back, card.back);
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
  SideLayers layers;
  std::vector<std::uint32_t> scratch;
  if (auto st = renderSide(tmpl, tmpl.side(side), subject.fields, photoUri(subject), layers,
                           scratch, nullptr);
      !st) {
    return std::move(st).error();
  }
  std::vector<std::uint32_t> px = previewPixels(tmpl, layers);
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
