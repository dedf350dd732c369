// CardTemplate::load() and its librsvg check: kept apart from
// card_template.cpp so that a program that loads templates with
// checkSvgLight() (cardd) does not link librsvg.
#include <librsvg/rsvg.h>

#include "render/card_template.hpp"

namespace cardd::render {

std::optional<std::string> checkSvgWithLibrsvg(std::string_view text, const std::string& file) {
  GError* err = nullptr;
  RsvgHandle* handle =
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(text.data()), text.size(), &err);
  if (handle == nullptr) {
    // libxml2's messages end in a newline: one line per problem in logs.
    std::string reason = err != nullptr ? err->message : "unknown error";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    std::string problem = file + " is not a valid SVG (librsvg: " + reason + ")";
    if (err != nullptr) g_error_free(err);
    return problem;
  }
  gboolean has_w = FALSE, has_h = FALSE, has_vb = FALSE;
  RsvgLength w{}, h{};
  RsvgRectangle vb{};
  rsvg_handle_get_intrinsic_dimensions(handle, &has_w, &w, &has_h, &h, &has_vb, &vb);
  g_object_unref(handle);
  if (!has_vb || vb.x != 0 || vb.y != 0 || vb.width != kCardWidthPx || vb.height != kCardHeightPx) {
    return file + " must have viewBox=\"0 0 1016 648\" (CR80 landscape at 300 dpi, 1 unit = 1 dot)";
  }
  return std::nullopt;
}

Result<CardTemplate> CardTemplate::load(const std::string& templates_dir, const std::string& id) {
  return loadWith(templates_dir, id, &checkSvgWithLibrsvg);
}

}  // namespace cardd::render
