// Rendering and separation of the default template for a fixed subject:
// panel geometry and packed sizes for the Evolis codec, resin text in K only,
// overlay holes, scan orientation, and a golden-image comparison.
//
// Golden images (data/golden-front.png, data/golden-back.png) are the preview
// at half resolution with 16 levels per channel. To regenerate them after an intended change:
//   CARDD_UPDATE_GOLDEN=1 cardd_render_tests --gtest_filter='*Golden*'
// and look at them before committing.
#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "printer/evolis/evolis_raster.hpp"
#include "render/card_renderer.hpp"
#include "render/card_template.hpp"
#include "render_test_util.hpp"

namespace cardd::render {
namespace {

using drivers::Panel;
using drivers::PanelKind;

class RenderTest : public ::testing::Test {
 protected:
  // The shipped template prints front YMCKO + back K (a YMCKOK ribbon).
  // These tests exercise every panel and overlay hole on both sides, so they
  // render a copy whose back is YMCKO too, with the magnetic-stripe hole.
  static void SetUpTestSuite() {
    copy_ = new test::TemplateCopy();
    copy_->edit("template.yaml", kShippedBack, kDualBack);
    auto t = CardTemplate::load(copy_->root(), "ektp-specimen");
    ASSERT_TRUE(t.ok()) << t.error().message;
    tmpl_ = new CardTemplate(std::move(*t));
    auto layers = renderCard(*tmpl_, test::testSubject());
    ASSERT_TRUE(layers.ok()) << layers.error().message;
    layers_ = new CardLayers(std::move(*layers));
    auto card = separate(*tmpl_, *layers_);
    ASSERT_TRUE(card.ok()) << card.error().message;
    card_ = new drivers::PreparedCard(std::move(*card));
  }
  static void TearDownTestSuite() {
    delete copy_;
    delete card_;
    delete layers_;
    delete tmpl_;
  }
  static const Panel& panel(const drivers::PanelSet& set, PanelKind kind) {
    for (const auto& p : set.panels) {
      if (p.kind == kind) return p;
    }
    ADD_FAILURE() << "no panel of kind " << static_cast<int>(kind);
    return set.panels.front();
  }
  // Density at landscape (x, y) of a side's panel.
  static std::uint8_t at(const drivers::PanelSet& set, PanelKind kind, std::uint32_t x,
                         std::uint32_t y) {
    return panel(set, kind).density[scanIndex(x, y)];
  }

  static constexpr const char* kShippedBack =
      "  # Front YMCKO + back K: a YMCKOK ribbon, the usual one for ID cards (the\n"
      "  # back's text and signature are resin black; no overlay on the back).\n"
      "  panels: k\n";
  static constexpr const char* kDualBack =
      "  panels: ymcko\n"
      "  overlay_holes:\n"
      "    - { name: magnetic-stripe, x: 0, y: 4.5mm, width: 1016px, height: 12mm }\n";
  static test::TemplateCopy* copy_;
  static CardTemplate* tmpl_;
  static CardLayers* layers_;
  static drivers::PreparedCard* card_;
};
test::TemplateCopy* RenderTest::copy_ = nullptr;
CardTemplate* RenderTest::tmpl_ = nullptr;
CardLayers* RenderTest::layers_ = nullptr;
drivers::PreparedCard* RenderTest::card_ = nullptr;

TEST_F(RenderTest, PanelsHaveTheEvolisGeometryAndPackToProtocolSizes) {
  for (const auto* set : {&card_->front, &card_->back}) {
    ASSERT_EQ(set->panels.size(), 5u);
    const PanelKind order[] = {PanelKind::Yellow, PanelKind::Magenta, PanelKind::Cyan,
                               PanelKind::Black, PanelKind::Overlay};
    for (std::size_t i = 0; i < 5; ++i) {
      const Panel& p = set->panels[i];
      EXPECT_EQ(p.kind, order[i]);
      EXPECT_EQ(p.lines, drivers::evolis::kScanLines);
      EXPECT_EQ(p.pixels_per_line, drivers::evolis::kPixelsPerLine);
      ASSERT_EQ(p.density.size(), 1016u * 648u);
      const bool colour = i < 3;
      auto packed = drivers::evolis::packPanel(p.density, colour ? tmpl_->colour_levels : 2);
      ASSERT_TRUE(packed.ok()) << packed.error().message;
      EXPECT_EQ(packed->size(), colour ? 576072u : 82296u);
      if (!colour) {
        // The compressed download decodes back to the same bits.
        auto dbc = drivers::evolis::compressMono(*packed);
        ASSERT_TRUE(dbc.ok());
        EXPECT_LE(dbc->size(), drivers::evolis::kMaxDbcBytes);
        auto back = drivers::evolis::decompressMono(*dbc);
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, *packed);
      }
    }
  }
}

TEST_F(RenderTest, ScanOrderRunsLinesAlongTheCardFromTheBottomEdgeUp) {
  // The red SPECIMEN band along the bottom edge (y 598..647): the first ~50
  // pixels of every scan line carry its magenta, the last ones do not.
  const Panel& m = panel(card_->front, PanelKind::Magenta);
  const std::size_t line = 5;                   // x = 5, left of the band's text
  EXPECT_GT(m.density[line * 648 + 10], 240);   // y = 637, in the band
  EXPECT_LT(m.density[line * 648 + 640], 100);  // y = 7, light background
  // toScanOrder agrees with scanIndex: landscape (0,0) is line 0, last pixel.
  std::vector<std::uint8_t> land(kCardPixels, 0);
  land[0] = 1;
  land[std::size_t{647} * 1016 + 1015] = 2;
  const auto scan = toScanOrder(land);
  EXPECT_EQ(scan[647], 1);
  EXPECT_EQ(scan[std::size_t{1015} * 648], 2);
}

TEST_F(RenderTest, ResinTextIsInKAndNotInYmc) {
  // "NIK" label: x 275.., baseline 142, 28 px bold.
  std::size_t k_dots = 0;
  for (std::uint32_t y = 118; y < 142; ++y) {
    for (std::uint32_t x = 275; x < 335; ++x) {
      const auto k = at(card_->front, PanelKind::Black, x, y);
      const auto ym = at(card_->front, PanelKind::Yellow, x, y);
      const auto mm = at(card_->front, PanelKind::Magenta, x, y);
      const auto cm = at(card_->front, PanelKind::Cyan, x, y);
      if (k >= 128) {
        ++k_dots;
        EXPECT_EQ(ym + mm + cm, 0) << x << "," << y;  // knocked out
      }
      // Never composite black in the colour panels.
      EXPECT_FALSE(ym > 128 && mm > 128 && cm > 128) << x << "," << y;
    }
  }
  EXPECT_GT(k_dots, 300u);  // three bold capitals
  // The background next to the text has colour but no resin.
  EXPECT_LT(at(card_->front, PanelKind::Black, 260, 130), 10);
  EXPECT_GT(at(card_->front, PanelKind::Cyan, 260, 130), 20);
}

TEST_F(RenderTest, WithoutKnockoutYmcUnderTextIsTheBackground) {
  CardTemplate t = *tmpl_;
  t.knockout = false;
  auto card = separate(t, *layers_);
  ASSERT_TRUE(card.ok());
  std::size_t k_dots = 0;
  for (std::uint32_t y = 118; y < 142; ++y) {
    for (std::uint32_t x = 275; x < 335; ++x) {
      if (at(card->front, PanelKind::Black, x, y) < 128) continue;
      ++k_dots;
      // Light blue background only: cyan well under half, no dark text.
      EXPECT_LT(at(card->front, PanelKind::Cyan, x, y), 110) << x << "," << y;
      EXPECT_LT(at(card->front, PanelKind::Magenta, x, y), 80) << x << "," << y;
    }
  }
  EXPECT_GT(k_dots, 300u);
}

TEST_F(RenderTest, PhotoAndSpecimenMarksAreColourNotResin) {
  // Photo box centre: skin colour in YMC, nothing in K.
  EXPECT_LT(at(card_->front, PanelKind::Black, 880, 260), 10);
  EXPECT_GT(at(card_->front, PanelKind::Yellow, 880, 260), 40);
  // White text in the red band prints nothing at all.
  std::size_t band_k = 0;
  for (std::uint32_t x = 0; x < 1016; ++x)
    band_k += at(card_->front, PanelKind::Black, x, 620) >= 128;
  EXPECT_EQ(band_k, 0u);
}

TEST_F(RenderTest, OverlayHasTheConfiguredHoles) {
  const auto& hole = tmpl_->front.holes.at(0);  // chip contacts, mm converted to px
  const auto x0 = static_cast<std::uint32_t>(std::floor(hole.x));
  const auto y0 = static_cast<std::uint32_t>(std::floor(hole.y));
  const auto x1 = static_cast<std::uint32_t>(std::ceil(hole.x + hole.width));
  const auto y1 = static_cast<std::uint32_t>(std::ceil(hole.y + hole.height));
  EXPECT_EQ(x0, 106u);
  EXPECT_EQ(y0, 206u);
  std::size_t holes = 0, ink = 0;
  for (std::uint32_t y = 0; y < 648; ++y) {
    for (std::uint32_t x = 0; x < 1016; ++x) {
      const bool in = x >= x0 && x < x1 && y >= y0 && y < y1;
      const auto o = at(card_->front, PanelKind::Overlay, x, y);
      if (in) {
        holes += o == 0;
      } else {
        ink += o == 255;
      }
    }
  }
  EXPECT_EQ(holes, std::size_t{x1 - x0} * (y1 - y0));
  EXPECT_EQ(ink, kCardPixels - std::size_t{x1 - x0} * (y1 - y0));
  // Back: the magnetic stripe band across the whole width.
  for (const std::uint32_t x : {0u, 500u, 1015u}) {
    EXPECT_EQ(at(card_->back, PanelKind::Overlay, x, 60), 0);
    EXPECT_EQ(at(card_->back, PanelKind::Overlay, x, 190), 0);
    EXPECT_EQ(at(card_->back, PanelKind::Overlay, x, 300), 255);
    EXPECT_EQ(at(card_->back, PanelKind::Overlay, x, 30), 255);
  }
}

TEST_F(RenderTest, QrCodeIsPrintedInResinWithQuietZone) {
  // QR slot: x 776, y 286, 210 x 210; the top-left finder's outer ring is dark.
  std::uint32_t fx = 0, fy = 0;
  bool found = false;
  for (std::uint32_t y = 286; y < 496 && !found; ++y) {
    for (std::uint32_t x = 776; x < 986 && !found; ++x) {
      if (at(card_->back, PanelKind::Black, x, y) >= 128) fx = x, fy = y, found = true;
    }
  }
  ASSERT_TRUE(found);
  EXPECT_GT(fx, 776u + 8);  // quiet zone inside the box
  EXPECT_GT(fy, 286u + 8);
  EXPECT_EQ(fx - 776, fy - 286);  // centred in a square box
  // Finder: a dark 7-module square row (≥ 7 * 2 px) from the first dot.
  std::uint32_t run = 0;
  while (at(card_->back, PanelKind::Black, fx + run, fy) >= 128) ++run;
  EXPECT_GE(run, 14u);
  EXPECT_EQ(run % 7, 0u);
  // No resin in the colour panels there (knocked out).
  EXPECT_EQ(at(card_->back, PanelKind::Cyan, fx + 1, fy + 1), 0);
}

// Reads a PNG into 0x00RRGGBB pixels.
std::vector<std::uint32_t> readPng(const std::string& path, int* w, int* h) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  std::vector<std::uint32_t> px;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < *h; ++y) {
      const auto* row =
          reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
      px.insert(px.end(), row, row + *w);
    }
  }
  cairo_surface_destroy(s);
  for (auto& p : px) p &= 0x00FFFFFFu;
  return px;
}

// Half-resolution box filter of a 1016 x 648 preview.
std::vector<std::uint32_t> halve(const std::vector<std::uint32_t>& px) {
  std::vector<std::uint32_t> out(508 * 324);
  for (std::uint32_t y = 0; y < 324; ++y) {
    for (std::uint32_t x = 0; x < 508; ++x) {
      unsigned sum[3] = {0, 0, 0};
      for (const std::uint32_t dy : {0u, 1u}) {
        for (const std::uint32_t dx : {0u, 1u}) {
          const std::uint32_t p = px[(2 * y + dy) * 1016 + 2 * x + dx];
          for (int c = 0; c < 3; ++c) sum[c] += (p >> (8 * c)) & 0xFF;
        }
      }
      out[y * 508 + x] = ((sum[2] / 4) << 16) | ((sum[1] / 4) << 8) | (sum[0] / 4);
    }
  }
  return out;
}

void compareWithGolden(const CardTemplate& tmpl, const SideLayers& layers,
                       const std::string& name) {
  const auto actual = halve(previewPixels(tmpl, layers));
  const std::string path = test::kDataDir + "/" + name;
  if (std::getenv("CARDD_UPDATE_GOLDEN") != nullptr) {
    // 16 levels per channel (error <= 8, far under the tolerance) keeps the
    // committed PNGs small.
    std::vector<std::uint32_t> copy = actual;
    for (auto& p : copy) {
      std::uint32_t q = 0;
      for (int c = 0; c < 3; ++c) q |= ((((p >> (8 * c)) & 0xFF) + 8) / 17 * 17) << (8 * c);
      p = q;
    }
    cairo_surface_t* s = cairo_image_surface_create_for_data(
        reinterpret_cast<unsigned char*>(copy.data()), CAIRO_FORMAT_RGB24, 508, 324, 508 * 4);
    ASSERT_EQ(cairo_surface_write_to_png(s, path.c_str()), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    GTEST_SKIP() << "wrote " << path;
  }
  int w = 0, h = 0;
  const auto golden = readPng(path, &w, &h);
  ASSERT_EQ(w, 508) << path;
  ASSERT_EQ(h, 324) << path;
  // Per pixel: any channel off by more than 48 counts as different; at most
  // 0.5% of the pixels may differ (font hinting, JPEG decoder rounding).
  std::size_t differing = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    for (int c = 0; c < 3; ++c) {
      const int a = static_cast<int>((actual[i] >> (8 * c)) & 0xFF);
      const int g = static_cast<int>((golden[i] >> (8 * c)) & 0xFF);
      if (std::abs(a - g) > 48) {
        ++differing;
        break;
      }
    }
  }
  EXPECT_LE(static_cast<double>(differing) / static_cast<double>(actual.size()), 0.005)
      << differing << " of " << actual.size() << " pixels differ from " << path;
}

TEST_F(RenderTest, FrontMatchesGoldenImage) {
  compareWithGolden(*tmpl_, layers_->front, "golden-front.png");
}

TEST_F(RenderTest, BackMatchesGoldenImage) {
  compareWithGolden(*tmpl_, layers_->back, "golden-back.png");
}

TEST_F(RenderTest, GoldenComparisonDetectsAChangedField) {
  // A different name must not pass as the golden front.
  CardSubject s = test::testSubject();
  s.fields["name"] = "Budi Santoso Wibowo Nugroho";
  s.fields["nik"] = "3273019999999999";
  auto layers = renderCard(*tmpl_, s);
  ASSERT_TRUE(layers.ok());
  const auto a = previewPixels(*tmpl_, layers->front);
  const auto b = previewPixels(*tmpl_, layers_->front);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
  EXPECT_GT(static_cast<double>(differing) / static_cast<double>(a.size()), 0.005);
}

TEST_F(RenderTest, PreviewIsAPngOfTheCard) {
  auto png = renderPreviewPng(*tmpl_, test::testSubject(), Side::Back);
  ASSERT_TRUE(png.ok()) << png.error().message;
  ASSERT_GT(png->size(), 8u);
  EXPECT_EQ((*png)[1], 'P');
  EXPECT_EQ((*png)[2], 'N');
  EXPECT_EQ((*png)[3], 'G');
  // The PNG's size fields (IHDR): 1016 x 648.
  EXPECT_EQ(((*png)[18] << 8) | (*png)[19], 1016);
  EXPECT_EQ(((*png)[22] << 8) | (*png)[23], 648);
}

TEST_F(RenderTest, ValuesThatLookLikeMarkupAreEscaped) {
  CardSubject s = test::testSubject();
  s.fields["occupation"] = "<b>&\"'</b>";
  auto layers = renderCard(*tmpl_, s);
  EXPECT_TRUE(layers.ok()) << layers.error().message;
}

TEST_F(RenderTest, OptionalPhotoMayBeAbsent) {
  CardTemplate t = *tmpl_;
  t.requires_photo = false;
  CardSubject s = test::testSubject();
  s.photo_jpeg.clear();
  auto layers = renderCard(t, s);
  ASSERT_TRUE(layers.ok()) << layers.error().message;
  // The white frame behind the photo stays white: nothing printed there.
  auto card = separate(t, *layers);
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(at(card->front, PanelKind::Yellow, 960, 400), 0);  // clear of the watermark
  EXPECT_EQ(at(card->front, PanelKind::Cyan, 960, 400), 0);
}

TEST_F(RenderTest, KOnlySideRendersEverythingInResin) {
  CardTemplate t = *tmpl_;
  t.back.panels = "k";
  t.back.holes.clear();
  auto layers = renderCard(t, test::testSubject());
  ASSERT_TRUE(layers.ok());
  auto card = separate(t, *layers);
  ASSERT_TRUE(card.ok());
  ASSERT_EQ(card->back.panels.size(), 1u);
  EXPECT_EQ(card->back.panels[0].kind, PanelKind::Black);
  // The red band is dark enough to print in K.
  EXPECT_GE(card->back.panels[0].density[scanIndex(5, 620)], 128);
}

// A RenderContext reused across subjects, templates and trim() gives the same
// panels as a fresh renderCard() + separate(): no state leaks from one card
// into the next (cached static colour passes, reused buffers).
void expectSameCard(const drivers::PreparedCard& a, const drivers::PreparedCard& b,
                    const char* what) {
  for (const auto& [sa, sb] : {std::pair{&a.front, &b.front}, std::pair{&a.back, &b.back}}) {
    ASSERT_EQ(sa->panels.size(), sb->panels.size()) << what;
    for (std::size_t i = 0; i < sa->panels.size(); ++i) {
      EXPECT_EQ(sa->panels[i].kind, sb->panels[i].kind) << what;
      EXPECT_TRUE(sa->panels[i].density == sb->panels[i].density) << what << ", panel " << i;
    }
  }
}

drivers::PreparedCard freshCard(const CardTemplate& t, const CardSubject& s) {
  auto layers = renderCard(t, s);
  EXPECT_TRUE(layers.ok());
  auto card = separate(t, *layers);
  EXPECT_TRUE(card.ok());
  return std::move(*card);
}

TEST_F(RenderTest, ReusedContextGivesTheSameCardsAsFreshRenders) {
  CardSubject other = test::testSubject();
  other.fields["name"] = "Budi Santoso Wijaya";
  other.fields["document.number"] = "Y98765432";
  CardTemplate k_back = *tmpl_;
  k_back.back.panels = "k";
  k_back.back.holes.clear();
  CardTemplate changed_back = *tmpl_;  // same file, other static colour pass
  changed_back.back.pieces.front().text += "<!-- changed -->";
  for (auto& p : changed_back.back.pieces) {
    if (p.kind == SvgPiece::Kind::Literal && p.text.find("#d0021b") != std::string::npos) {
      p.text.replace(p.text.find("#d0021b"), 7, "#00a050");
      break;
    }
  }

  RenderContext ctx;
  ASSERT_TRUE(ctx.warmUp(*tmpl_).ok());
  drivers::PreparedCard card;
  struct Step {
    const CardTemplate* t;
    const CardSubject* s;
    const char* what;
    bool trim_before;
  };
  const CardSubject subject = test::testSubject();
  const Step steps[] = {{tmpl_, &subject, "first card", false},
                        {tmpl_, &other, "other subject", false},
                        {&k_back, &subject, "K-only back", false},
                        {&changed_back, &other, "changed static colour pass", false},
                        {tmpl_, &subject, "back to the first", false},
                        {tmpl_, &other, "after trim()", true}};
  for (const Step& step : steps) {
    if (step.trim_before) {
      ctx.trim();
      EXPECT_EQ(ctx.bytesHeld(), 0u);
    }
    ASSERT_TRUE(ctx.render(*step.t, *step.s).ok()) << step.what;
    ASSERT_TRUE(separateInto(*step.t, ctx.layers(), card).ok()) << step.what;
    expectSameCard(card, freshCard(*step.t, *step.s), step.what);
  }
  EXPECT_GT(ctx.bytesHeld(), 0u);
  // The changed template really changed the back (the cache did not hide it).
  const auto a = freshCard(*tmpl_, subject), b = freshCard(changed_back, subject);
  EXPECT_FALSE(a.back.panels[1].density == b.back.panels[1].density);
}

TEST_F(RenderTest, FailedRenderLeavesNoCardToSeparate) {
  RenderContext ctx;
  drivers::PreparedCard card;
  ASSERT_TRUE(ctx.render(*tmpl_, test::testSubject()).ok());
  ASSERT_TRUE(separateInto(*tmpl_, ctx.layers(), card).ok());
  CardSubject s = test::testSubject();
  s.fields.erase("name");
  EXPECT_FALSE(ctx.render(*tmpl_, s).ok());
  // The previous card's layers must not be printed for this subject.
  EXPECT_FALSE(separateInto(*tmpl_, ctx.layers(), card).ok());
}

}  // namespace
}  // namespace cardd::render
