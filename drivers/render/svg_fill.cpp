#include "render/svg_fill.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace cardd::render {
namespace {

Error invalid(const std::string& file, std::string_view svg, std::size_t at,
              const std::string& what) {
  const auto line =
      1 + std::count(svg.begin(), svg.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return Error(ErrorCode::ConfigInvalid, file + ":" + std::to_string(line) + ": " + what);
}

bool isPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The few entities a template attribute may use; anything else stays as is.
std::string xmlUnescape(std::string_view s) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'},   {"&lt;", '<'},   {"&gt;", '>'},   {"&quot;", '"'},
      {"&apos;", '\''}, {"&#10;", '\n'}, {"&#xA;", '\n'}, {"&#xa;", '\n'}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool matched = false;
    if (s[i] == '&') {
      for (const auto& [name, ch] : kEntities) {
        if (s.substr(i, name.size()) == name) {
          out.push_back(ch);
          i += name.size();
          matched = true;
          break;
        }
      }
    }
    if (!matched) out.push_back(s[i++]);
  }
  return out;
}

// Appends the pieces of `text` (Literal and Field) to `out`; `base` is the
// offset of `text` in the whole SVG, for line numbers in messages.
Status compileText(std::string_view text, std::string_view svg, std::size_t base,
                   const std::string& file, std::vector<SvgPiece>& out) {
  auto literal = [&](std::string_view s) {
    if (s.empty()) return;
    if (!out.empty() && out.back().kind == SvgPiece::Kind::Literal) {
      out.back().text.append(s);
    } else {
      SvgPiece p;
      p.text = std::string(s);
      out.push_back(std::move(p));
    }
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal(text.substr(pos));
      break;
    }
    literal(text.substr(pos, open - pos));
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return invalid(file, svg, base + open, "placeholder opened with {{ is never closed with }}");
    }
    // {{ path | filter | filter }}
    std::string_view inner = text.substr(open + 2, close - open - 2);
    SvgPiece field;
    field.kind = SvgPiece::Kind::Field;
    std::size_t bar = inner.find('|');
    const std::string_view path = trim(inner.substr(0, bar));
    if (path.empty() || !std::all_of(path.begin(), path.end(), isPathChar) || path.front() == '.' ||
        path.back() == '.') {
      return invalid(file, svg, base + open,
                     "placeholder {{" + std::string(inner) +
                         "}} must name a field as a dotted path (letters, digits, _ and .)");
    }
    field.path = std::string(path);
    while (bar != std::string_view::npos) {
      const std::size_t next = inner.find('|', bar + 1);
      const std::string_view filter = trim(inner.substr(bar + 1, next - bar - 1));
      if (filter != "upper" && filter != "date" && filter != "optional") {
        return invalid(file, svg, base + open,
                       "placeholder {{" + std::string(inner) + "}} uses unknown filter '" +
                           std::string(filter) + "' (known: upper, date, optional)");
      }
      field.filters.emplace_back(filter);
      bar = next;
    }
    out.push_back(std::move(field));
    pos = close + 2;
  }
  return Ok{};
}

struct Attribute {
  std::string name;
  std::string value;  // Raw (still escaped) text between the quotes.
};

// Parses the attributes of the tag text `tag` ("<name a='1' b=\"2\"/>").
std::optional<std::vector<Attribute>> parseAttributes(std::string_view tag, std::string* name) {
  std::size_t i = 1;
  while (i < tag.size() && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' && tag[i] != '\r' &&
         tag[i] != '/' && tag[i] != '>') {
    ++i;
  }
  *name = std::string(tag.substr(1, i - 1));
  std::vector<Attribute> attrs;
  for (;;) {
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size() || tag[i] == '/' || tag[i] == '>') return attrs;
    const std::size_t start = i;
    while (i < tag.size() && tag[i] != '=' && !std::isspace(static_cast<unsigned char>(tag[i])))
      ++i;
    Attribute a;
    a.name = std::string(tag.substr(start, i - start));
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size() || tag[i] != '=') return std::nullopt;
    ++i;
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size() || (tag[i] != '"' && tag[i] != '\'')) return std::nullopt;
    const char quote = tag[i++];
    const std::size_t end = tag.find(quote, i);
    if (end == std::string_view::npos) return std::nullopt;
    a.value = std::string(tag.substr(i, end - i));
    attrs.push_back(std::move(a));
    i = end + 1;
  }
}

const Attribute* findAttr(const std::vector<Attribute>& attrs, std::string_view name) {
  for (const auto& a : attrs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::optional<double> number(const std::vector<Attribute>& attrs, std::string_view name) {
  const Attribute* a = findAttr(attrs, name);
  if (a == nullptr) return std::nullopt;
  std::string v = a->value;
  if (v.size() > 2 && v.substr(v.size() - 2) == "px") v.resize(v.size() - 2);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
  return d;
}

bool isResin(const std::vector<Attribute>& attrs) {
  const Attribute* cls = findAttr(attrs, "class");
  if (cls == nullptr) return false;
  std::size_t i = 0;
  const std::string& v = cls->value;
  while (i < v.size()) {
    while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    std::size_t j = i;
    while (j < v.size() && !std::isspace(static_cast<unsigned char>(v[j]))) ++j;
    if (v.compare(i, j - i, "resin") == 0) return true;
    i = j;
  }
  return false;
}

// Approximate decoded size of a data: URI (base64 or not).
std::size_t dataUriBytes(std::string_view uri) {
  const auto comma = uri.find(',');
  if (comma == std::string_view::npos) return uri.size();
  const bool base64 = uri.substr(0, comma).find(";base64") != std::string_view::npos;
  const std::size_t payload = uri.size() - comma - 1;
  return base64 ? payload / 4 * 3 : payload;
}

// The tag at `svg[at]` ('<'): its end (one past '>'), respecting quotes.
std::optional<std::size_t> tagEnd(std::string_view svg, std::size_t at) {
  char quote = 0;
  for (std::size_t i = at + 1; i < svg.size(); ++i) {
    const char c = svg[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::nullopt;
}

// Marks the dynamic pieces appended from index `first` on as printed in
// resin (hidden in the colour pass) or not, and with the top-level element
// they belong to.
void markResin(std::vector<SvgPiece>& pieces, std::size_t first, bool in_resin, int top_element) {
  for (std::size_t i = first; i < pieces.size(); ++i) {
    if (pieces[i].kind == SvgPiece::Kind::Literal) continue;
    pieces[i].in_resin = in_resin;
    pieces[i].top_element = top_element;
  }
}

}  // namespace

void appendXmlEscaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
}

Result<std::vector<SvgPiece>> compileSvg(std::string_view svg, const std::string& file,
                                         std::size_t max_embedded_image_bytes) {
  std::vector<SvgPiece> out;
  std::size_t pos = 0;
  auto literal = [&](std::string_view s) {
    if (s.empty()) return;
    if (!out.empty() && out.back().kind == SvgPiece::Kind::Literal) {
      out.back().text.append(s);
    } else {
      SvgPiece p;
      p.text = std::string(s);
      out.push_back(std::move(p));
    }
  };
  // Element depth (1 inside the root <svg>) and whether the current
  // top-level element is resin: resin must be a top-level element or inside
  // one (card_renderer.hpp, kResinPassCss).
  int depth = 0;
  bool top_resin = false;
  int top_element = 0;  // element children of <svg> opened so far
  while (pos < svg.size()) {
    const std::size_t lt = svg.find('<', pos);
    const std::size_t text_end = lt == std::string_view::npos ? svg.size() : lt;
    std::size_t first_new = out.size();
    if (auto st = compileText(svg.substr(pos, text_end - pos), svg, pos, file, out); !st) {
      return std::move(st).error();
    }
    markResin(out, first_new, depth >= 2 && top_resin, top_element);
    if (lt == std::string_view::npos) break;

    // Comments, CDATA, processing instructions and declarations: copied as
    // they are (a placeholder in a comment stays a comment).
    struct Skip {
      std::string_view open, close;
    };
    bool skipped = false;
    for (const Skip s : {Skip{"<!--", "-->"}, Skip{"<![CDATA[", "]]>"}, Skip{"<?", "?>"}}) {
      if (svg.substr(lt, s.open.size()) == s.open) {
        const std::size_t end = svg.find(s.close, lt + s.open.size());
        if (end == std::string_view::npos) {
          return invalid(file, svg, lt, "'" + std::string(s.open) + "' is never closed");
        }
        literal(svg.substr(lt, end + s.close.size() - lt));
        pos = end + s.close.size();
        skipped = true;
        break;
      }
    }
    if (skipped) continue;

    const auto end = tagEnd(svg, lt);
    if (!end) return invalid(file, svg, lt, "a tag opened with < is never closed with >");
    const std::string_view tag = svg.substr(lt, *end - lt);
    pos = *end;
    if (tag.size() < 2 || tag[1] == '/' || tag[1] == '!') {
      if (tag.size() >= 2 && tag[1] == '/') --depth;
      if (depth <= 1) top_resin = false;  // back between top-level elements
      literal(tag);
      continue;
    }
    std::string name;
    const auto attrs = parseAttributes(tag, &name);
    if (!attrs) return invalid(file, svg, lt, "cannot read the attributes of <" + name + ">");
    const bool resin = isResin(*attrs);
    if (resin && (depth == 0 || (depth >= 2 && !top_resin))) {
      return invalid(file, svg, lt,
                     "class=\"resin\" must be on a direct child of <svg> (or inside one); move <" +
                         name + "> into a top-level resin group");
    }
    if (depth == 1) {
      top_resin = resin;
      ++top_element;
    }
    const bool tag_in_resin = depth >= 1 && top_resin;
    if (tag.substr(tag.size() - 2) != "/>") ++depth;
    const Attribute* marker = findAttr(*attrs, "data-cardd");
    const Attribute* href = findAttr(*attrs, "href");
    if (href == nullptr) href = findAttr(*attrs, "xlink:href");

    if (marker != nullptr && marker->value == "photo") {
      // The photo slot: the same <image> with its href replaced.
      if (name != "image") {
        return invalid(file, svg, lt,
                       "data-cardd=\"photo\" must be on an <image> element, not <" + name + ">");
      }
      std::string head = "<image";
      for (const auto& a : *attrs) {
        if (a.name == "href" || a.name == "xlink:href") continue;
        head += " " + a.name + "=\"" + a.value + "\"";
      }
      head += " href=\"";
      literal(head);
      SvgPiece photo;
      photo.kind = SvgPiece::Kind::Photo;
      photo.in_resin = tag_in_resin;
      photo.top_element = top_element;
      out.push_back(std::move(photo));
      literal(tag.substr(tag.size() - 2) == "/>" ? "\"/>" : "\">");
      continue;
    }
    if (marker != nullptr && marker->value == "qr") {
      if (tag.substr(tag.size() - 2) != "/>") {
        return invalid(file, svg, lt,
                       "a data-cardd=\"qr\" element must be empty and self-closing (<rect .../>)");
      }
      const Attribute* content = findAttr(*attrs, "data-content");
      if (content == nullptr || content->value.empty()) {
        return invalid(file, svg, lt, "a data-cardd=\"qr\" element needs a data-content attribute");
      }
      SvgPiece qr;
      qr.kind = SvgPiece::Kind::Qr;
      qr.in_resin = tag_in_resin;
      qr.top_element = top_element;
      qr.x = number(*attrs, "x").value_or(0);
      qr.y = number(*attrs, "y").value_or(0);
      qr.width = number(*attrs, "width").value_or(0);
      qr.height = number(*attrs, "height").value_or(0);
      if (!(qr.width > 0 && qr.height > 0)) {
        return invalid(file, svg, lt,
                       "a data-cardd=\"qr\" element needs a positive width and height in px");
      }
      if (const Attribute* ecc = findAttr(*attrs, "data-ecc")) {
        if (ecc->value.size() != 1 ||
            std::string_view("LMQH").find(ecc->value[0]) == std::string_view::npos) {
          return invalid(file, svg, lt, "data-ecc must be L, M, Q or H");
        }
        qr.ecc = ecc->value[0];
      }
      for (const auto& a : *attrs) {
        if (a.name == "id" || a.name == "class" || a.name == "style" || a.name == "transform" ||
            a.name == "fill") {
          qr.text += " " + a.name + "=\"" + a.value + "\"";
        }
      }
      const std::string pattern = xmlUnescape(content->value);
      if (auto st = compileText(pattern, svg, lt, file, qr.content); !st) {
        return std::move(st).error();
      }
      out.push_back(std::move(qr));
      continue;
    }
    if (marker != nullptr) {
      return invalid(file, svg, lt,
                     "unknown data-cardd=\"" + marker->value + "\" (known: photo, qr)");
    }
    if (name == "image" && href != nullptr) {
      // Other images must be embedded: the filled document is rendered from
      // memory, without a base folder.
      if (href->value.rfind("data:", 0) != 0) {
        return invalid(file, svg, lt,
                       "an <image> refers to '" + href->value + "': embed images as data: URIs");
      }
      if (dataUriBytes(href->value) > max_embedded_image_bytes) {
        return invalid(file, svg, lt,
                       "an embedded image is larger than limits.max_embedded_image_bytes (" +
                           std::to_string(max_embedded_image_bytes) + " bytes)");
      }
    }
    first_new = out.size();
    if (auto st = compileText(tag, svg, lt, file, out); !st) return std::move(st).error();
    markResin(out, first_new, tag_in_resin, top_element);
  }
  return out;
}

}  // namespace cardd::render
