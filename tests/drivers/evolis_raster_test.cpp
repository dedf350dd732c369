// Evolis panel sizes, bit packing and the Dbc line compression.
#include "printer/evolis/evolis_raster.hpp"

#include <gtest/gtest.h>

#include "evolis_test_util.hpp"

namespace cardd::drivers::evolis {
namespace {

TEST(EvolisRaster, PanelSizesFollowLevels) {
  EXPECT_EQ(kMonoPanelBytes, 82296u);
  EXPECT_EQ(*panelBytes(2), 82296u);
  EXPECT_EQ(*panelBytes(32), 411480u);
  EXPECT_EQ(*panelBytes(64), 493776u);
  EXPECT_EQ(*panelBytes(128), 576072u);
  EXPECT_EQ(*bitsPerPixel(128), 7u);
  for (const unsigned bad : {0u, 1u, 3u, 16u, 256u}) {
    EXPECT_FALSE(panelBytes(bad).ok()) << bad;
  }
}

TEST(EvolisRaster, PacksMonoMsbFirstWithHalfThreshold) {
  Bytes density(kScanLines * kPixelsPerLine, 0);
  density[0] = 255;               // first pixel inked
  density[1] = 127;               // below half: white
  density[2] = 128;               // at half: inked
  density[kPixelsPerLine] = 255;  // first pixel of the second line
  auto packed = packPanel(density, 2);
  ASSERT_TRUE(packed.ok());
  ASSERT_EQ(packed->size(), kMonoPanelBytes);
  EXPECT_EQ((*packed)[0], 0xA0);
  EXPECT_EQ((*packed)[kMonoLineBytes], 0x80);
}

TEST(EvolisRaster, Packs7BitLevels) {
  Bytes density(kScanLines * kPixelsPerLine, 0);
  density[0] = 255;  // level 127 = 1111111
  density[1] = 0;    // level 0
  density[2] = 255;  // bits 14..20
  auto packed = packPanel(density, 128);
  ASSERT_TRUE(packed.ok());
  ASSERT_EQ(packed->size(), 576072u);
  // Pixel 0 = bits 0..6, pixel 1 = bits 7..13, pixel 2 = bits 14..20.
  EXPECT_EQ((*packed)[0], 0xFE);
  EXPECT_EQ((*packed)[1], 0x03);
  EXPECT_EQ((*packed)[2], 0xF8);
  EXPECT_EQ((*packed)[3], 0x00);
}

TEST(EvolisRaster, RefusesWrongRasterSize) {
  EXPECT_FALSE(packPanel(Bytes(10), 2).ok());
  EXPECT_FALSE(packPanel(Bytes(kScanLines * kPixelsPerLine), 5).ok());
}

TEST(EvolisRaster, CompressesLineKinds) {
  Bytes panel(3 * kMonoLineBytes, 0x00);
  std::fill(panel.begin() + kMonoLineBytes, panel.begin() + 2 * kMonoLineBytes, 0xFF);
  panel[2 * kMonoLineBytes + 0] = 0x12;
  panel[2 * kMonoLineBytes + 2] = 0x34;
  auto c = compressMono(panel);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (Bytes{0x00, 0xFF, 0x03, 0x12, 0x00, 0x34}));
  auto d = decompressMono(*c);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, panel);
}

TEST(EvolisRaster, DbcRoundTripsAFullPanel) {
  const Bytes panel = testing::patternedMonoPanel();
  auto c = compressMono(panel);
  ASSERT_TRUE(c.ok());
  EXPECT_LT(c->size(), panel.size());
  EXPECT_LE(c->size(), kMaxDbcBytes);
  auto d = decompressMono(*c);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, panel);
}

TEST(EvolisRaster, DbcWorstCaseIsBounded) {
  Bytes panel(kMonoPanelBytes, 0x01);  // every line full length, never 0xFF
  auto c = compressMono(panel);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), kMaxDbcBytes);
  EXPECT_EQ(*decompressMono(*c), panel);
}

TEST(EvolisRaster, DbcDecoderRefusesMalformedInput) {
  EXPECT_FALSE(decompressMono(Bytes{0x52}).ok());              // lead 82
  EXPECT_FALSE(decompressMono(Bytes{0xFE}).ok());              // lead 254
  EXPECT_FALSE(decompressMono(Bytes{0x03, 0x01, 0x02}).ok());  // truncated line
  EXPECT_FALSE(decompressMono(Bytes(kScanLines + 1, 0x00)).ok());
  EXPECT_TRUE(decompressMono(Bytes(kScanLines, 0x00)).ok());
  EXPECT_TRUE(decompressMono(Bytes{}).ok());  // zero lines
  EXPECT_FALSE(compressMono(Bytes(80)).ok());
}

}  // namespace
}  // namespace cardd::drivers::evolis
