#pragma once
// CardTemplate: a card design loaded from config/templates/<id>/: a sidecar
// (template.yaml: id, panels per side, overlay holes, colour levels, limits,
// what the design requires) and one SVG per side with placeholders
// ({{name}}, {{address.city|upper}}), a photo slot (<image data-cardd="photo">)
// and QR codes (<rect data-cardd="qr" data-content="...">). The format is in
// docs/templates.md.
//
// Loading parses the sidecar, checks every SVG (load(): with librsvg, naming
// the file on a parse error; loadWith(): with the checker given, e.g.
// checkSvgLight(), so that a process need not map librsvg), checks sizes and embedded images
// against the limits, and compiles each SVG into pieces (literal text, field, photo, QR) so that a
// card is filled by concatenation. A loaded template is immutable: share it between threads freely.
//
// Errors: ConfigInvalid for a broken template (the message names the template
// id and the file), NotFound when the template folder does not exist. Messages
// name fields and files, never values.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"

namespace cardd::render {

// Card geometry: CR80 at 300 dpi, landscape as the SVG is drawn.
inline constexpr std::uint32_t kCardWidthPx = 1016;
inline constexpr std::uint32_t kCardHeightPx = 648;
inline constexpr double kPxPerMm = 300.0 / 25.4;

enum class Side { Front, Back };
const char* sideName(Side side);  // "front" | "back"

// A rectangle left without overlay, in landscape card pixels (the sidecar may
// give mm; they are converted at load).
struct OverlayHole {
  std::string name;
  double x = 0, y = 0, width = 0, height = 0;
};

// One piece of a compiled SVG. Literal pieces are copied; a Field piece is
// replaced by the XML-escaped value of `path` (after `filters`); a Photo piece
// by the photo's data URI; a Qr piece by a <path> drawing the QR modules.
struct SvgPiece {
  enum class Kind { Literal, Field, Photo, Qr };
  Kind kind = Kind::Literal;
  std::string text;                  // Literal: the bytes. Qr: attributes kept (id, class, style).
  std::string path;                  // Field: dotted path into CardSubject::fields.
  std::vector<std::string> filters;  // Field: "upper", "date", "optional".
  // Qr: the content pattern (pieces of Literal/Field kind), error correction
  // level (L, M, Q, H) and the box the code fills, in SVG user units.
  std::vector<SvgPiece> content;
  char ecc = 'M';
  double x = 0, y = 0, width = 0, height = 0;
  // Field, Photo, Qr: inside a top-level resin element, so only the resin
  // pass shows it (the colour pass hides it; card_renderer.hpp).
  bool in_resin = false;
  // Field, Photo, Qr: the position of its top-level element among the
  // element children of <svg> (1-based, as :nth-child counts); 0 when it is
  // not inside one.
  int top_element = 0;
};

struct SideTemplate {
  bool present = false;
  std::string file;    // SVG file name inside the template folder, for messages.
  std::string panels;  // Ribbon panels for this side, e.g. "ymcko", "ko", "k".
  std::vector<OverlayHole> holes;
  std::vector<SvgPiece> pieces;
  std::vector<std::string> fields;  // Every dotted path the side uses (sorted, unique).
  bool has_photo = false;
  bool has_qr = false;

  bool hasColour() const { return panels.find('y') != std::string::npos; }
  bool hasResin() const { return panels.find('k') != std::string::npos; }
  bool hasOverlay() const { return panels.find('o') != std::string::npos; }
  // The number of leading top-level elements whose colour pass shows nothing
  // of the subject (before the first element with a field, photo or QR code
  // that is not resin): RenderContext renders them once and draws only the
  // rest per card. 0 when the side has <use> or <textPath> (a hidden element
  // may be what they draw). colourPassIsStatic(): nothing in the colour pass depends on
  // the subject, so the whole pass is rendered once.
  int colourStaticPrefix() const {
    int first_dynamic = std::numeric_limits<int>::max();
    for (const auto& p : pieces) {
      if (p.kind == SvgPiece::Kind::Literal) {
        if (p.text.find("<use") != std::string::npos ||
            p.text.find("<textPath") != std::string::npos) {
          return 0;
        }
      } else if (!p.in_resin) {
        first_dynamic = std::min(first_dynamic, p.top_element);
      }
    }
    return first_dynamic == std::numeric_limits<int>::max() ? 0 : std::max(0, first_dynamic - 1);
  }
  bool colourPassIsStatic() const {
    return std::none_of(pieces.begin(), pieces.end(), [](const SvgPiece& p) {
      return p.kind != SvgPiece::Kind::Literal && !p.in_resin;
    });
  }
};

struct TemplateLimits {
  std::size_t max_photo_bytes = 256 * 1024;  // JPEG bytes.
  std::uint32_t max_photo_width = 1200;      // Pixels, from the JPEG header.
  std::uint32_t max_photo_height = 1600;
  std::size_t max_svg_bytes = 1024 * 1024;            // Each side's SVG file.
  std::size_t max_embedded_image_bytes = 512 * 1024;  // Each data: URI image in an SVG.
};

// Checks one side's SVG text (the contents of `file`): nullopt when it is
// usable, else the problem as a sentence naming `file`.
using SvgChecker =
    std::function<std::optional<std::string>(std::string_view text, const std::string& file)>;

// librsvg's check (card_template_rsvg.cpp; links librsvg): the SVG must
// parse and have viewBox="0 0 1016 648".
std::optional<std::string> checkSvgWithLibrsvg(std::string_view text, const std::string& file);

// The same checks without librsvg (svg_light_check.cpp): well-formed XML
// (tags balanced, attributes quoted, comments, CDATA, processing instructions
// and a DOCTYPE without an internal subset), an <svg> root element and its
// viewBox="0 0 1016 648". Rarer librsvg refusals (e.g. CSS it cannot parse)
// are found when the template is rendered, by cardd-render.
std::optional<std::string> checkSvgLight(std::string_view text, const std::string& file);

struct CardTemplate {
  std::string id;
  std::string description;
  std::string dir;               // The template's own folder.
  unsigned colour_levels = 128;  // Db levels for Y, M, C: 32, 64 or 128.
  bool knockout = true;          // Clear Y, M, C under printed K pixels.
  TemplateLimits limits;
  bool requires_photo = false;
  std::vector<std::string> required_fields;  // Must appear as placeholders.
  SideTemplate front;
  SideTemplate back;

  const SideTemplate& side(Side s) const { return s == Side::Front ? front : back; }

  // Loads `templates_dir`/`id`/template.yaml and the SVGs it names, checking
  // each SVG with librsvg (card_template_rsvg.cpp).
  static Result<CardTemplate> load(const std::string& templates_dir, const std::string& id);
  // The same, checking each SVG with `check_svg` (none when empty).
  static Result<CardTemplate> loadWith(const std::string& templates_dir, const std::string& id,
                                       const SvgChecker& check_svg);
};

// Fields the station adds to every subject (card_subject.hpp), accepted by
// validateTemplate() besides the person schema's fields.
const std::vector<std::string>& documentFieldNames();

// Checks a loaded template against the person schema's field names (dotted
// paths, e.g. "address.city"): every placeholder must name a known field,
// every required field must be used, a required photo slot must exist.
// Returns ConfigInvalid listing every problem (one per FieldError).
Status validateTemplate(const CardTemplate& tmpl, const std::vector<std::string>& person_fields);

}  // namespace cardd::render
