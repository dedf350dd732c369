#pragma once
// Card faces for one subject: fill the template, render with librsvg + cairo,
// separate into ribbon panels in the printer's scan order, and preview.
//
// Pipeline per side (docs/templates.md):
//   fillSvg -> librsvg handle -> colour pass (resin elements hidden) and resin
//   pass (everything but resin elements hidden), each one cairo render of
//   1016 x 648 -> CardLayers (landscape) -> separate() -> PanelSet.
//
// Panels (drivers/printer/printer.hpp: one density byte per pixel, 0 = no ink):
//   Y = 255 - blue, M = 255 - green, C = 255 - red of the colour layer (on
//   white); K = the resin layer (coverage x darkness of elements with class
//   "resin"); with knockout, Y, M, C are cleared where K prints (K >= 128, the
//   codec's 1 bpp threshold) so resin never sits on composite black; O = 255
//   everywhere but the overlay holes. A side whose panels have no Y, M, C
//   ("ko", "k") renders everything into K by darkness.
//
// Scan order (the Evolis codec's geometry, evolis_raster.hpp): 1016 scan lines
// of 648 px. Scan line l is the card's column x = l counted from the left edge
// of the side as it is seen, and pixel p of a line is the row y = 647 - p (the
// line runs from the bottom edge up): the landscape image turned 90 degrees
// clockwise, as the open-source Evolis driver does (pnmflip -rotate270) before
// it sends a bitmap. UNCERTAIN for real printers (notably the back side, which
// the printer flips); toScanOrder() is the one place to change.
//
// Threading: every function is safe to call from several threads at once with
// different outputs (librsvg handles and cairo surfaces are per call). A
// RenderContext belongs to one thread at a time.
//
// Memory and speed (bench/render/README.md): a card with two YMCKO sides
// needs ~8 MB of layers, ~5 MB of scratch surfaces and ~7 MB of panels. renderCard() and separate()
// allocate them afresh for every card, and fresh pages cost a page fault each; the daemon's print
// worker keeps one RenderContext and one PreparedCard and reuses them (render(), separateInto()),
// then calls trim() when its queue runs empty. Personal data: errors name fields and sizes, never
// values.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/card_subject.hpp"
#include "core/result.hpp"
#include "printer/printer.hpp"
#include "render/card_template.hpp"

namespace cardd::render {

// The user stylesheets of the two passes (librsvg user origin; !important so
// neither presentation attributes nor the template's own styles override
// them). The resin pass hides every top-level element that is not resin
// with display: none, so hidden text is not even laid out (visibility:
// hidden costs ~40% more on the default front); that is why compileSvg()
// refuses class="resin" below a top-level element that is not resin.
inline constexpr std::string_view kColourPassCss = ".resin { display: none !important; }";
inline constexpr std::string_view kResinPassCss =
    ":root > :not(.resin) { display: none !important; }";

inline constexpr std::size_t kCardPixels = std::size_t{kCardWidthPx} * kCardHeightPx;

// One side rendered, landscape, row-major, kCardWidthPx x kCardHeightPx.
struct SideLayers {
  bool present = false;
  // Colour layer: cairo ARGB32 pixels (0xAARRGGBB), opaque, on white. Empty
  // when the side has no colour panels.
  std::vector<std::uint32_t> colour;
  std::vector<std::uint8_t> resin;    // K density per pixel.
  std::vector<std::uint8_t> overlay;  // O density per pixel (255 but the holes). Empty without O.
};

struct CardLayers {
  SideLayers front;
  SideLayers back;
};

// Checks that `subject` can be rendered with `tmpl`: the photo (when the
// template has a photo slot) is a JPEG within limits.max_photo_bytes and
// max_photo_width x max_photo_height (read from the JPEG header), a required
// photo is present, and every field the template prints without |optional has
// a value. ValidationFailed (or PayloadTooLarge for the photo's size) with a
// message naming the field or limit.
Status checkSubject(const CardTemplate& tmpl, const CardSubject& subject);

// The filled SVG text of one side (what librsvg renders); for the benchmark,
// debugging and tests. Runs checkSubject() first.
Result<std::string> filledSvg(const CardTemplate& tmpl, const CardSubject& subject, Side side);

// Renders both sides (the back only when the template has one), every pass
// whole (no cached static layers): the reference RenderContext must match.
Result<CardLayers> renderCard(const CardTemplate& tmpl, const CardSubject& subject);

// Renders cards one after another into buffers it keeps: layers() (~8 MB
// for two YMCKO sides) plus a scratch surface per side (2.6 MB each) and, for
// each colour side, its static part rendered once: the whole colour pass when
// it shows nothing of the subject (SideTemplate::colourPassIsStatic()), else
// its leading static elements (colourStaticPrefix()), with the rest drawn on
// a copy per card; 2.6 MB per side, re-rendered when the side's compiled text
// changes. The result is byte for byte that of renderCard(). Nothing grows with the number of
// cards: at most ~19 MB, released by trim(). Fonts load on the first render of each thread (0.5-1
// s): warmUp() pays that at start-up.
//
// With parallel_sides (the default) the back is rendered and separated on a
// thread the context owns (started on first use, joined by the destructor)
// while the calling thread does the front: less wall time per card when a
// second core is free, the same CPU time. Without it, everything runs on the caller.
// A context is used by one thread at a time; it is not copyable.
class RenderContext {
 public:
  explicit RenderContext(bool parallel_sides = true);
  ~RenderContext();
  RenderContext(RenderContext&&) noexcept;
  RenderContext& operator=(RenderContext&&) noexcept;

  // Same checks and errors as renderCard(); on success layers() holds the
  // card until the next render() or trim(). On failure neither side is
  // usable (separate() and separateInto() refuse them).
  Status render(const CardTemplate& tmpl, const CardSubject& subject);
  const CardLayers& layers() const { return layers_; }

  // separateInto(tmpl, layers(), card), the two sides at once when
  // parallel_sides.
  Status separate(const CardTemplate& tmpl, drivers::PreparedCard& card);

  // Renders `tmpl` once with stand-in values for every field and no photo,
  // so that fonts (on both threads), librsvg and the static colour passes are
  // loaded before the first real card. Call it on the thread that will render.
  Status warmUp(const CardTemplate& tmpl);

  // Releases every buffer (the next render() allocates them again). The
  // back-side thread stays, with its fonts.
  void trim();
  // Bytes of buffers held now (for the daemon's memory report).
  std::size_t bytesHeld() const;

 private:
  friend Result<CardLayers> renderCard(const CardTemplate&, const CardSubject&);
  struct StaticColourCache;
  class SideWorker;
  Status renderFields(const CardTemplate& tmpl, const std::map<std::string, std::string>& fields,
                      const std::string& photo_uri);
  Status bothSides(const std::function<Status()>& front, const std::function<Status()>& back);

  bool parallel_ = true;
  bool use_caches_ = true;
  CardLayers layers_;
  std::vector<std::uint32_t> scratch_, scratch_back_;
  std::unique_ptr<StaticColourCache> static_front_, static_back_;
  std::unique_ptr<SideWorker> worker_;
};

// Separates rendered layers into the panels of each side, in scan order and
// the ribbon's panel order (Y, M, C, K, O; only those the side's `panels`
// lists). The colour levels for the codec are tmpl.colour_levels.
Result<drivers::PreparedCard> separate(const CardTemplate& tmpl, const CardLayers& layers);

// Same as separate(), into `card`: the density buffers `card` already holds
// (from the previous card) are reused, so separating allocates nothing. On
// failure `card` is unspecified.
Status separateInto(const CardTemplate& tmpl, const CardLayers& layers,
                    drivers::PreparedCard& card);

// What a side will look like printed (from the same panels: colour, then K
// dots as black), as PNG bytes, landscape 1016 x 648. NotFound for a side the
// template does not have.
Result<std::vector<std::uint8_t>> renderPreviewPng(const CardTemplate& tmpl,
                                                   const CardSubject& subject, Side side);

// The preview of already rendered layers as packed 0x00RRGGBB pixels (the
// same image renderPreviewPng encodes).
std::vector<std::uint32_t> previewPixels(const CardTemplate& tmpl, const SideLayers& layers);

// Landscape (x, y) -> index in a scan-order panel (see above).
inline std::size_t scanIndex(std::uint32_t x, std::uint32_t y) {
  return std::size_t{x} * kCardHeightPx + (kCardHeightPx - 1 - y);
}

// Rotates a landscape density layer into scan order.
std::vector<std::uint8_t> toScanOrder(const std::vector<std::uint8_t>& landscape);

}  // namespace cardd::render
