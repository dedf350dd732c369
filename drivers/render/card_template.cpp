#include "render/card_template.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include "render/svg_fill.hpp"

namespace cardd::render {
namespace {

namespace fs = std::filesystem;

// Problems are collected (not just the first) so a technician fixes a
// template in one go; each is "key: message".
struct Problems {
  std::string origin;  // "template 'ektp-specimen'"
  std::vector<FieldError> list;
  void add(std::string key, std::string message) {
    list.push_back(FieldError{std::move(key), std::move(message)});
  }
  Error error() const {
    std::string msg = origin + " is not usable: ";
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i > 0) msg += "; ";
      msg += list[i].pointer.empty() ? list[i].message : list[i].pointer + ": " + list[i].message;
    }
    return Error(ErrorCode::ConfigInvalid, msg, list);
  }
};

std::optional<std::string> readFile(const fs::path& path, std::size_t max_bytes, bool* too_big) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  if (size > max_bytes) {
    *too_big = true;
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// "12.5mm", "148px" or a plain number of px.
std::optional<double> lengthPx(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  std::string s = node.Scalar();
  double scale = 1.0;
  if (s.size() > 2 && s.substr(s.size() - 2) == "mm") {
    scale = kPxPerMm;
    s.resize(s.size() - 2);
  } else if (s.size() > 2 && s.substr(s.size() - 2) == "px") {
    s.resize(s.size() - 2);
  }
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v * scale;
}

void checkKeys(const YAML::Node& map, const std::string& prefix,
               std::initializer_list<std::string_view> known, Problems& p) {
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      p.add(prefix + key, "unknown key");
    }
  }
}

template <typename T>
void readUnsigned(const YAML::Node& map, const char* key, const std::string& prefix, T& out,
                  Problems& p) {
  const YAML::Node n = map[key];
  if (!n) return;
  try {
    const auto v = n.as<long long>();
    if (v <= 0) throw YAML::Exception(YAML::Mark::null_mark(), "not positive");
    out = static_cast<T>(v);
  } catch (const YAML::Exception&) {
    p.add(prefix + key, "must be a positive whole number");
  }
}

void loadSide(const YAML::Node& node, const std::string& key, const fs::path& dir,
              const TemplateLimits& limits, const SvgChecker& check_svg, SideTemplate& side,
              Problems& p) {
  if (!node) return;
  if (!node.IsMap()) {
    p.add(key, "must be a map with svg, panels and overlay_holes");
    return;
  }
  checkKeys(node, key + ".", {"svg", "panels", "overlay_holes"}, p);
  side.present = true;
  side.panels = node["panels"] ? node["panels"].as<std::string>("") : "ymcko";
  static const std::set<std::string> kPanels = {"ymcko", "ymck", "ko", "k"};
  if (kPanels.count(side.panels) == 0) {
    p.add(key + ".panels", "must be one of ymcko, ymck, ko, k");
  }
  if (const auto holes = node["overlay_holes"]) {
    if (!holes.IsSequence()) p.add(key + ".overlay_holes", "must be a list");
    std::size_t i = 0;
    for (const auto& h : holes) {
      const std::string hk = key + ".overlay_holes[" + std::to_string(i++) + "]";
      if (!h.IsMap()) {
        p.add(hk, "must be a map with name, x, y, width, height");
        continue;
      }
      checkKeys(h, hk + ".", {"name", "x", "y", "width", "height"}, p);
      OverlayHole hole;
      hole.name = h["name"] ? h["name"].as<std::string>("") : "";
      const auto x = lengthPx(h["x"]), y = lengthPx(h["y"]);
      const auto w = lengthPx(h["width"]), ht = lengthPx(h["height"]);
      if (!x || !y || !w || !ht) {
        p.add(hk, "x, y, width and height are lengths: a number of px, \"148px\" or \"12.5mm\"");
        continue;
      }
      hole.x = *x;
      hole.y = *y;
      hole.width = *w;
      hole.height = *ht;
      if (hole.width <= 0 || hole.height <= 0 || hole.x < 0 || hole.y < 0 ||
          hole.x + hole.width > kCardWidthPx + 0.5 || hole.y + hole.height > kCardHeightPx + 0.5) {
        p.add(hk,
              "the hole must have a positive size and lie on the card (1016 x 648 px, 86.0 x 54.9 "
              "mm)");
        continue;
      }
      if (side.hasOverlay() || side.panels.empty()) side.holes.push_back(std::move(hole));
    }
    if (!side.hasOverlay() && !side.holes.empty()) {
      p.add(key + ".overlay_holes", "the side has no overlay panel (panels: " + side.panels + ")");
    }
  }
  if (!node["svg"] || !node["svg"].IsScalar()) {
    p.add(key + ".svg", "names the side's SVG file (in the template folder)");
    return;
  }
  side.file = node["svg"].Scalar();
  if (side.file.find('/') != std::string::npos || side.file.rfind("..", 0) == 0) {
    p.add(key + ".svg", "must be a file name inside the template folder");
    return;
  }
  bool too_big = false;
  const auto text = readFile(dir / side.file, limits.max_svg_bytes, &too_big);
  if (!text) {
    p.add(key + ".svg", too_big ? side.file + " is larger than limits.max_svg_bytes (" +
                                      std::to_string(limits.max_svg_bytes) + " bytes)"
                                : "cannot read " + side.file);
    return;
  }
  if (check_svg) {
    if (auto problem = check_svg(*text, side.file)) p.add(key + ".svg", std::move(*problem));
  }
  auto pieces = compileSvg(*text, side.file, limits.max_embedded_image_bytes);
  if (!pieces) {
    p.add(key + ".svg", pieces.error().message);
    return;
  }
  side.pieces = std::move(*pieces);
  std::set<std::string> fields;
  for (const auto& piece : side.pieces) {
    if (piece.kind == SvgPiece::Kind::Field) fields.insert(piece.path);
    if (piece.kind == SvgPiece::Kind::Photo) side.has_photo = true;
    if (piece.kind == SvgPiece::Kind::Qr) {
      side.has_qr = true;
      for (const auto& c : piece.content) {
        if (c.kind == SvgPiece::Kind::Field) fields.insert(c.path);
      }
    }
  }
  side.fields.assign(fields.begin(), fields.end());
}

}  // namespace

const char* sideName(Side side) {
  return side == Side::Front ? "front" : "back";
}

const std::vector<std::string>& documentFieldNames() {
  static const std::vector<std::string> kNames = {"document.number", "document.issuer",
                                                  "document.issued", "document.expiry"};
  return kNames;
}

Result<CardTemplate> CardTemplate::loadWith(const std::string& templates_dir, const std::string& id,
                                            const SvgChecker& check_svg) {
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      })) {
    return Error(ErrorCode::InvalidArgument,
                 "a template id is lower-case letters, digits, - and _ (got an invalid id)");
  }
  const fs::path dir = fs::path(templates_dir) / id;
  const fs::path sidecar = dir / "template.yaml";
  std::error_code ec;
  if (!fs::is_regular_file(sidecar, ec)) {
    return Error(ErrorCode::NotFound, "template '" + id + "' not found: no " + sidecar.string());
  }
  Problems p;
  p.origin = "template '" + id + "' (" + dir.string() + ")";
  YAML::Node root;
  try {
    root = YAML::LoadFile(sidecar.string());
  } catch (const YAML::Exception& e) {
    p.add("template.yaml",
          "not valid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    return p.error();
  }
  if (!root.IsMap()) {
    p.add("template.yaml", "must be a YAML map");
    return p.error();
  }

  CardTemplate t;
  t.dir = dir.string();
  try {
    checkKeys(root, "", {"id", "description", "colour", "limits", "requires", "front", "back"}, p);
    t.id = root["id"] ? root["id"].as<std::string>("") : "";
    if (t.id != id) p.add("id", "must be '" + id + "', the folder's name");
    t.description = root["description"] ? root["description"].as<std::string>("") : "";

    if (const auto colour = root["colour"]) {
      checkKeys(colour, "colour.", {"levels", "knockout_under_resin"}, p);
      readUnsigned(colour, "levels", "colour.", t.colour_levels, p);
      if (t.colour_levels != 32 && t.colour_levels != 64 && t.colour_levels != 128) {
        p.add("colour.levels", "must be 32, 64 or 128 (5, 6 or 7 bits per pixel)");
      }
      if (colour["knockout_under_resin"]) t.knockout = colour["knockout_under_resin"].as<bool>();
    }
    if (const auto limits = root["limits"]) {
      checkKeys(limits, "limits.",
                {"max_photo_bytes", "max_photo_width", "max_photo_height", "max_svg_bytes",
                 "max_embedded_image_bytes"},
                p);
      readUnsigned(limits, "max_photo_bytes", "limits.", t.limits.max_photo_bytes, p);
      readUnsigned(limits, "max_photo_width", "limits.", t.limits.max_photo_width, p);
      readUnsigned(limits, "max_photo_height", "limits.", t.limits.max_photo_height, p);
      readUnsigned(limits, "max_svg_bytes", "limits.", t.limits.max_svg_bytes, p);
      readUnsigned(limits, "max_embedded_image_bytes", "limits.", t.limits.max_embedded_image_bytes,
                   p);
    }
    if (const auto req = root["requires"]) {
      checkKeys(req, "requires.", {"photo", "fields"}, p);
      if (req["photo"]) t.requires_photo = req["photo"].as<bool>();
      if (req["fields"]) t.required_fields = req["fields"].as<std::vector<std::string>>();
    }
    if (!root["front"]) p.add("front", "every template has a front side");
    loadSide(root["front"], "front", dir, t.limits, check_svg, t.front, p);
    loadSide(root["back"], "back", dir, t.limits, check_svg, t.back, p);
  } catch (const YAML::Exception& e) {
    p.add("template.yaml", "wrong type at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!p.list.empty()) return p.error();
  return t;
}

Status validateTemplate(const CardTemplate& tmpl, const std::vector<std::string>& person_fields) {
  Problems p;
  p.origin = "template '" + tmpl.id + "'";
  std::set<std::string> known(person_fields.begin(), person_fields.end());
  known.insert(documentFieldNames().begin(), documentFieldNames().end());
  std::set<std::string> used;
  for (const Side s : {Side::Front, Side::Back}) {
    const SideTemplate& side = tmpl.side(s);
    if (!side.present) continue;
    for (const auto& f : side.fields) {
      used.insert(f);
      if (known.count(f) == 0) {
        p.add(std::string(sideName(s)) + ".svg",
              side.file + " has a placeholder {{" + f +
                  "}} for a field the person schema does not define");
      }
    }
  }
  for (const auto& f : tmpl.required_fields) {
    if (used.count(f) == 0) {
      p.add("requires.fields", "field '" + f + "' is required but no side prints it");
    }
  }
  if (tmpl.requires_photo && !tmpl.front.has_photo && !tmpl.back.has_photo) {
    p.add("requires.photo",
          "the template requires a photo but no SVG has an <image data-cardd=\"photo\"> element");
  }
  if (!p.list.empty()) return p.error();
  return Ok{};
}

}  // namespace cardd::render
