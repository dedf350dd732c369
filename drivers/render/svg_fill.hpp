#pragma once
// Compiling a template SVG into pieces, and filling the pieces with one
// subject's data: placeholders, the photo data URI and QR codes (libqrencode).
// Pure text work plus the QR encoder; no rendering. Used by card_template.cpp
// (compile) and card_renderer.cpp (fill); exposed for tests and the benchmark.
// compileSvg() and appendXmlEscaped() are in svg_fill.cpp (cardd_render_model,
// which cardd links); fillSvg() and qrElement() in svg_fill_subject.cpp
// (cardd_render, with libqrencode), so that cardd does not link libqrencode.
//
// The scanner is not a general XML parser: it knows tags, quoted attributes,
// comments and CDATA, which is what a template needs. Anything it cannot make
// sense of is refused at load time with the file name and line.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "render/card_template.hpp"

namespace cardd::render {

// Splits `svg` (the contents of `file`) into pieces. Fails with ConfigInvalid
// on an unclosed or malformed placeholder, an unknown filter, a photo slot that
// is not an <image>, a QR slot that is not a self-closing element with a
// data-content and a positive width and height, an external image reference,
// or an embedded image larger than `max_embedded_image_bytes`.
Result<std::vector<SvgPiece>> compileSvg(std::string_view svg, const std::string& file,
                                         std::size_t max_embedded_image_bytes);

// The SVG text of one side for one subject. `photo_uri` replaces the photo
// slot (a data: URI; may be empty when the side has none). Fails with
// ValidationFailed naming the field when a non-optional field has no value, or
// InvalidArgument when a QR content does not fit a QR code.
Result<std::string> fillSvg(const std::vector<SvgPiece>& pieces,
                            const std::map<std::string, std::string>& fields,
                            std::string_view photo_uri);

// The <path> element drawing `content` as a QR code (dark modules only, with a
// 4-module quiet zone inside the box) for the box of `slot`.
Result<std::string> qrElement(const SvgPiece& slot, std::string_view content);

// XML-escapes & < > " ' for text and attribute values.
void appendXmlEscaped(std::string& out, std::string_view value);

}  // namespace cardd::render
