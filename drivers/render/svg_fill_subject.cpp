// fillSvg() and qrElement() (svg_fill.hpp): filling a compiled template with
// one subject's data. Kept apart from svg_fill.cpp (compiling) so that a
// program that only loads templates (cardd) does not link libqrencode.
#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "render/svg_fill.hpp"

namespace cardd::render {
namespace {

std::string applyFilters(std::string value, const std::vector<std::string>& filters) {
  for (const auto& f : filters) {
    if (f == "upper") {
      for (auto& c : value) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
    } else if (f == "date") {
      // YYYY-MM-DD -> DD-MM-YYYY, the way Indonesian documents print dates;
      // anything else (SEUMUR HIDUP) unchanged.
      if (value.size() == 10 && value[4] == '-' && value[7] == '-') {
        value = value.substr(8, 2) + "-" + value.substr(5, 2) + "-" + value.substr(0, 4);
      }
    }
  }
  return value;
}

bool isOptional(const SvgPiece& p) {
  return std::find(p.filters.begin(), p.filters.end(), "optional") != p.filters.end();
}

// The value of a Field piece, or a ValidationFailed error naming the field.
Result<std::string> fieldValue(const SvgPiece& p,
                               const std::map<std::string, std::string>& fields) {
  const auto it = fields.find(p.path);
  if (it == fields.end()) {
    if (isOptional(p)) return std::string();
    return Error(ErrorCode::ValidationFailed, "the card subject has no value for field '" + p.path +
                                                  "', which the template prints (mark it {{" +
                                                  p.path + "|optional}} if it may be absent)");
  }
  return applyFilters(it->second, p.filters);
}

void appendNumber(std::string& out, double v) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

Result<std::string> qrElement(const SvgPiece& slot, std::string_view content) {
  QRecLevel level = QR_ECLEVEL_M;
  switch (slot.ecc) {
    case 'L':
      level = QR_ECLEVEL_L;
      break;
    case 'Q':
      level = QR_ECLEVEL_Q;
      break;
    case 'H':
      level = QR_ECLEVEL_H;
      break;
    default:
      break;
  }
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(content.size()),
                        reinterpret_cast<const unsigned char*>(content.data()), 0, level),
      &QRcode_free);
  if (!code) {
    return Error(ErrorCode::InvalidArgument,
                 "the QR code content (" + std::to_string(content.size()) +
                     " bytes) does not fit a QR code at error correction " + slot.ecc);
  }
  // Modules snapped to whole pixels when at least 2 px (crisp 1 bpp resin),
  // the code centred in the box with a 4-module quiet zone inside it.
  const int n = code->width;
  const double box = std::min(slot.width, slot.height);
  double module = box / (n + 8);
  if (module >= 2) module = std::floor(module);
  const double ox = std::round(slot.x + (slot.width - module * n) / 2);
  const double oy = std::round(slot.y + (slot.height - module * n) / 2);

  std::string out = "<path";
  out += slot.text;
  out += " shape-rendering=\"crispEdges\" d=\"";
  for (int r = 0; r < n; ++r) {
    const unsigned char* row = code->data + static_cast<std::ptrdiff_t>(r) * n;
    for (int c = 0; c < n;) {
      if ((row[c] & 1) == 0) {
        ++c;
        continue;
      }
      int run = c;
      while (run < n && (row[run] & 1) != 0) ++run;
      out += 'M';
      appendNumber(out, ox + c * module);
      out += ' ';
      appendNumber(out, oy + r * module);
      out += 'h';
      appendNumber(out, (run - c) * module);
      out += 'v';
      appendNumber(out, module);
      out += 'h';
      appendNumber(out, -(run - c) * module);
      out += 'z';
      c = run;
    }
  }
  out += "\"/>";
  return out;
}

Result<std::string> fillSvg(const std::vector<SvgPiece>& pieces,
                            const std::map<std::string, std::string>& fields,
                            std::string_view photo_uri) {
  std::string out;
  std::size_t size = photo_uri.size();
  for (const auto& p : pieces) size += p.text.size() + 32;
  out.reserve(size + 4096);
  for (const auto& p : pieces) {
    switch (p.kind) {
      case SvgPiece::Kind::Literal:
        out += p.text;
        break;
      case SvgPiece::Kind::Field: {
        auto v = fieldValue(p, fields);
        if (!v) return std::move(v).error();
        appendXmlEscaped(out, *v);
        break;
      }
      case SvgPiece::Kind::Photo:
        out += photo_uri;
        break;
      case SvgPiece::Kind::Qr: {
        std::string content;
        for (const auto& c : p.content) {
          if (c.kind == SvgPiece::Kind::Literal) {
            content += c.text;
          } else {
            auto v = fieldValue(c, fields);
            if (!v) return std::move(v).error();
            content += *v;
          }
        }
        auto element = qrElement(p, content);
        if (!element) return std::move(element).error();
        out += *element;
        break;
      }
    }
  }
  return out;
}

}  // namespace cardd::render
