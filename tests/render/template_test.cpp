// Loading and validating card templates, and checking subjects against them:
// the default template passes, each broken template is refused with a
// message that says what to fix, and no message carries personal data.
#include <gtest/gtest.h>

#include <algorithm>

#include "render/card_renderer.hpp"
#include "render/card_template.hpp"
#include "render/svg_fill.hpp"
#include "render_test_util.hpp"

namespace cardd::render {
namespace {

using test::TemplateCopy;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Loads the edited copy and returns the error message of load() or, when it
// loads, of validateTemplate().
std::string refusal(const TemplateCopy& copy) {
  auto t = CardTemplate::load(copy.root(), "ektp-specimen");
  if (!t) {
    EXPECT_EQ(t.error().code, ErrorCode::ConfigInvalid);
    return t.error().message;
  }
  auto st = validateTemplate(*t, test::ektpFieldNames());
  if (st) return "";
  EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
  return st.error().message;
}

TEST(CardTemplate, DefaultTemplateLoadsAndValidates) {
  auto t = CardTemplate::load(test::kTemplatesDir, "ektp-specimen");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->id, "ektp-specimen");
  EXPECT_EQ(t->colour_levels, 128u);
  EXPECT_TRUE(t->front.present);
  EXPECT_TRUE(t->back.present);
  EXPECT_TRUE(t->front.has_photo);
  EXPECT_TRUE(t->back.has_qr);
  EXPECT_EQ(t->front.panels, "ymcko");
  ASSERT_EQ(t->front.holes.size(), 1u);
  EXPECT_EQ(t->front.holes[0].name, "chip-contacts");
  EXPECT_NEAR(t->front.holes[0].x, 9 * kPxPerMm, 1e-9);
  // Front YMCKO + back K (a YMCKOK ribbon): no overlay, so no holes, on the back.
  EXPECT_EQ(t->back.panels, "k");
  EXPECT_TRUE(t->back.holes.empty());
  auto st = validateTemplate(*t, test::ektpFieldNames());
  EXPECT_TRUE(st.ok()) << st.error().message;
  // Every e-KTP field is printed somewhere.
  std::vector<std::string> used = t->front.fields;
  used.insert(used.end(), t->back.fields.begin(), t->back.fields.end());
  for (const auto& f : test::ektpFieldNames()) {
    EXPECT_NE(std::find(used.begin(), used.end(), f), used.end()) << f;
  }
}

TEST(CardTemplate, MissingTemplateIsNotFound) {
  auto t = CardTemplate::load(test::kTemplatesDir, "no-such-template");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::NotFound);
  EXPECT_FALSE(CardTemplate::load(test::kTemplatesDir, "../etc").ok());
}

TEST(CardTemplate, RefusesPlaceholderForUnknownField) {
  TemplateCopy copy;
  copy.edit("front.svg", "{{occupation|upper}}", "{{occupation.title}}");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "front.svg")) << msg;
  EXPECT_TRUE(contains(msg, "{{occupation.title}}")) << msg;
  EXPECT_TRUE(contains(msg, "person schema does not define")) << msg;
}

TEST(CardTemplate, RefusesMissingPhotoElement) {
  TemplateCopy copy;
  copy.edit("front.svg", "data-cardd=\"photo\"", "id=\"photo\"");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "requires a photo")) << msg;
  EXPECT_TRUE(contains(msg, "data-cardd=\"photo\"")) << msg;
}

TEST(CardTemplate, RefusesRequiredFieldNotPrinted) {
  TemplateCopy copy;
  copy.edit("front.svg", "{{name|upper}}", "NAMA");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "field 'name' is required but no side prints it")) << msg;
}

TEST(CardTemplate, RefusesBrokenSvgNamingTheFile) {
  TemplateCopy copy;
  copy.edit("back.svg", "</g>", "</text>");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "back.svg is not a valid SVG (librsvg:")) << msg;
}

TEST(CardTemplate, RefusesWrongCardGeometry) {
  TemplateCopy copy;
  copy.edit("front.svg", "viewBox=\"0 0 1016 648\"", "viewBox=\"0 0 856 540\"");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "front.svg must have viewBox=\"0 0 1016 648\"")) << msg;
}

TEST(CardTemplate, RefusesTooLargeEmbeddedImage) {
  TemplateCopy copy;
  copy.edit("template.yaml", "max_embedded_image_bytes: 524288", "max_embedded_image_bytes: 100");
  copy.edit("back.svg", "<rect width=\"1016\"",
            "<image x=\"0\" y=\"0\" width=\"10\" height=\"10\" href=\"data:image/png;base64," +
                std::string(400, 'A') + "\"/>\n  <rect width=\"1016\"");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "back.svg:")) << msg;
  EXPECT_TRUE(contains(msg, "larger than limits.max_embedded_image_bytes (100 bytes)")) << msg;
}

TEST(CardTemplate, RefusesTooLargeSvg) {
  TemplateCopy copy;
  copy.edit("template.yaml", "max_svg_bytes: 1048576", "max_svg_bytes: 1000");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "front.svg is larger than limits.max_svg_bytes (1000 bytes)")) << msg;
}

TEST(CardTemplate, RefusesExternalImage) {
  TemplateCopy copy;
  copy.edit("back.svg", "<rect width=\"1016\"",
            "<image width=\"10\" height=\"10\" href=\"/etc/logo.png\"/><rect width=\"1016\"");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "embed images as data: URIs")) << msg;
}

TEST(CardTemplate, RefusesMalformedPlaceholders) {
  {
    TemplateCopy copy;
    copy.edit("front.svg", "{{sex}}", "{{sex");
    const std::string msg = refusal(copy);
    EXPECT_TRUE(contains(msg, "never closed with }}")) << msg;
    EXPECT_TRUE(contains(msg, "front.svg:")) << msg;
  }
  {
    TemplateCopy copy;
    copy.edit("front.svg", "{{sex}}", "{{sex|lower}}");
    const std::string msg = refusal(copy);
    EXPECT_TRUE(contains(msg, "unknown filter 'lower'")) << msg;
  }
}

TEST(CardTemplate, RefusesBadQrSlot) {
  TemplateCopy copy;
  copy.edit("back.svg", "data-content=\"{{document.issuer}}|{{document.number}}|{{nik}}\"", "");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "needs a data-content attribute")) << msg;
}

TEST(CardTemplate, RefusesBadSidecarValues) {
  TemplateCopy copy;
  copy.edit("template.yaml", "levels: 128", "levels: 100");
  copy.edit("template.yaml", "height: 13.5mm", "height: 60mm");
  copy.edit("template.yaml", "limits:", "colour_profile: x\nlimits:");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "colour.levels: must be 32, 64 or 128")) << msg;
  EXPECT_TRUE(contains(
      msg, "front.overlay_holes[0]: the hole must have a positive size and lie on the card"))
      << msg;
  EXPECT_TRUE(contains(msg, "colour_profile: unknown key")) << msg;
}

TEST(CardTemplate, RefusesResinNestedInAColourGroup) {
  TemplateCopy copy;
  copy.edit("back.svg", "<g class=\"resin\" fill=\"#000000\">",
            "<g><text class=\"resin\" x=\"1\" y=\"1\">x</text></g>\n  <g class=\"resin\">");
  const std::string msg = refusal(copy);
  EXPECT_TRUE(contains(msg, "back.svg:")) << msg;
  EXPECT_TRUE(contains(msg, "class=\"resin\" must be on a direct child of <svg>")) << msg;
}

TEST(CardTemplate, KnowsWhichColourPassesShowNothingOfTheSubject) {
  auto t = CardTemplate::load(test::kTemplatesDir, "ektp-specimen");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(t->front.colourPassIsStatic());  // the photo is in colour
  // <style>, <defs>, background, waves, emblem (2 paths), photo frame; then the photo.
  EXPECT_EQ(t->front.colourStaticPrefix(), 7);
  EXPECT_TRUE(t->back.colourPassIsStatic());  // every field and the QR code are resin
  const std::string head =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1016\" height=\"648\">";
  const struct {
    const char* body;
    bool is_static;
    int prefix;
  } cases[] = {
      {"<g class=\"resin\"><text>{{name}}</text></g><rect width=\"9\" height=\"9\"/>", true, 0},
      {"<text class=\"resin\" x=\"{{name}}\">A</text>", true, 0},
      {"<g class=\"resin\"><text>A</text></g><text>{{name}}</text>", false, 1},
      {"<rect/><g><rect/><text>{{name}}</text></g>", false, 1},
      {"<rect/><!-- c --><rect/><text fill=\"{{name}}\">A</text><g class=\"resin\"/>", false, 2},
      {"<rect/><rect/><image data-cardd=\"photo\" width=\"9\" height=\"9\"/>", false, 2},
      {"<rect id=\"r\"/><use href=\"#r\"/><text>{{name}}</text>", false, 0},
  };
  for (const auto& c : cases) {
    auto pieces = compileSvg(head + c.body + "</svg>", "t.svg", 1024);
    ASSERT_TRUE(pieces.ok()) << c.body;
    SideTemplate side;
    side.pieces = std::move(*pieces);
    EXPECT_EQ(side.colourPassIsStatic(), c.is_static) << c.body;
    EXPECT_EQ(side.colourStaticPrefix(), c.prefix) << c.body;
  }
}

TEST(CardTemplate, RefusesWrongId) {
  TemplateCopy copy;
  copy.edit("template.yaml", "id: ektp-specimen", "id: other");
  EXPECT_TRUE(contains(refusal(copy), "id: must be 'ektp-specimen'"));
}

class SubjectCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = CardTemplate::load(test::kTemplatesDir, "ektp-specimen");
    ASSERT_TRUE(t.ok()) << t.error().message;
    tmpl_ = std::move(*t);
  }
  // The message must not carry any of the subject's values.
  static void expectNoPersonalData(const std::string& msg, const CardSubject& s) {
    for (const auto& [k, v] : s.fields) {
      if (v.size() >= 4) {
        EXPECT_FALSE(contains(msg, v)) << k << " leaked into: " << msg;
      }
    }
  }
  CardTemplate tmpl_;
};

TEST_F(SubjectCheck, AcceptsTheTestSubject) {
  const auto st = checkSubject(tmpl_, test::testSubject());
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_F(SubjectCheck, RefusesAPhotoThatIsNotJpeg) {
  CardSubject s = test::testSubject();
  s.photo_jpeg = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0};
  const auto st = checkSubject(tmpl_, s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::ValidationFailed);
  EXPECT_TRUE(contains(st.error().message, "not a JPEG")) << st.error().message;
}

TEST_F(SubjectCheck, RefusesTooManyPhotoBytes) {
  CardSubject s = test::testSubject();
  tmpl_.limits.max_photo_bytes = s.photo_jpeg.size() - 1;
  const auto st = checkSubject(tmpl_, s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::PayloadTooLarge);
  EXPECT_TRUE(
      contains(st.error().message, "accepts at most " + std::to_string(s.photo_jpeg.size() - 1)))
      << st.error().message;
}

TEST_F(SubjectCheck, RefusesTooManyPhotoPixels) {
  CardSubject s = test::testSubject();
  // Rewrite the SOF0 frame size to 4000 x 3000 (height, then width).
  auto& b = s.photo_jpeg;
  std::size_t i = 2;
  while (i + 9 < b.size() && !(b[i] == 0xFF && b[i + 1] == 0xC0)) {
    i += 2 + ((std::size_t{b[i + 2]} << 8) | b[i + 3]);
  }
  ASSERT_LT(i + 9, b.size());
  b[i + 5] = 3000 >> 8, b[i + 6] = 3000 & 0xFF, b[i + 7] = 4000 >> 8, b[i + 8] = 4000 & 0xFF;
  const auto st = checkSubject(tmpl_, s);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().message, "the photo is 4000 x 3000 pixels"))
      << st.error().message;
  EXPECT_TRUE(contains(st.error().message, "at most 1200 x 1600")) << st.error().message;
}

TEST_F(SubjectCheck, RefusesMissingPhotoAndFields) {
  CardSubject s = test::testSubject();
  s.photo_jpeg.clear();
  auto st = checkSubject(tmpl_, s);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().message, "prints a photo but the card subject has none"));

  s = test::testSubject();
  s.fields.erase("address.village");
  st = checkSubject(tmpl_, s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::ValidationFailed);
  EXPECT_TRUE(contains(st.error().message, "no value for field 'address.village'"))
      << st.error().message;
  expectNoPersonalData(st.error().message, s);
  ASSERT_EQ(st.error().fields.size(), 1u);
  EXPECT_EQ(st.error().fields[0].pointer, "/person/address.village");
}

TEST(SvgFill, EscapesValuesAndAppliesFilters) {
  auto pieces = compileSvg("<text a=\"{{x|upper}}\">{{d|date}} {{v}} {{gone|optional}}.</text>",
                           "t.svg", 1000);
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  auto out = fillSvg(*pieces, {{"x", "a\"b"}, {"d", "2026-01-31"}, {"v", "<&>"}}, "");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "<text a=\"A&quot;B\">31-01-2026 &lt;&amp;&gt; .</text>");
  // Comments are copied, not filled.
  pieces = compileSvg("<!-- {{x}} --><g/>", "t.svg", 1000);
  ASSERT_TRUE(pieces.ok());
  EXPECT_EQ(*fillSvg(*pieces, {}, ""), "<!-- {{x}} --><g/>");
}

TEST(SvgFill, QrElementDrawsModulesInsideTheBox) {
  SvgPiece slot;
  slot.kind = SvgPiece::Kind::Qr;
  slot.x = 100, slot.y = 50, slot.width = 200, slot.height = 200;
  slot.text = " class=\"resin\"";
  auto el = qrElement(slot, "IDN|X12345678|3171015506900007");
  ASSERT_TRUE(el.ok());
  EXPECT_EQ(el->rfind("<path class=\"resin\"", 0), 0u) << *el;
  // 30 bytes at level M: version 3, 29 modules; + 8 quiet = 37 -> 5.4 px,
  // snapped to 5; centred: (200 - 145) / 2 = 27.5 -> 128, 78. The first run
  // is the top-left finder's top edge: 7 modules = 35 px.
  EXPECT_TRUE(contains(*el, "d=\"M128 78h35v5h-35z")) << el->substr(0, 120);
  EXPECT_FALSE(qrElement(slot, std::string(4000, 'x')).ok());
}

}  // namespace
}  // namespace cardd::render
