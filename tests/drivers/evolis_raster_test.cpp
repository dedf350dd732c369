// Evolis panel sizes, bit packing and the Dbc line compression.
#include "printer/evolis/evolis_raster.hpp"

#include <gtest/gtest.h>

#include <random>

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

// The packing as the format defines it, one bit at a time: the reference the
// word-at-a-time packPanel must match byte for byte.
Bytes packBitByBit(const Bytes& density, unsigned levels, unsigned bpp) {
  Bytes out(density.size() * bpp / 8, 0);
  std::size_t bit = 0;
  for (const std::uint8_t d : density) {
    const unsigned level = (static_cast<unsigned>(d) * (levels - 1) + 127) / 255;
    for (unsigned b = bpp; b-- > 0; ++bit) {
      if ((level >> b) & 1u) out[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    }
  }
  return out;
}

TEST(EvolisRaster, PackingMatchesBitByBitReferenceOnRandomPanels) {
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const unsigned levels : {2u, 32u, 64u, 128u}) {
    const unsigned bpp = *bitsPerPixel(levels);
    for (int round = 0; round < 3; ++round) {
      Bytes density(kScanLines * kPixelsPerLine);
      // Uniform noise, then runs of a few values (what rendered panels look
      // like: flat areas with edges), then every density value in turn.
      for (std::size_t i = 0; i < density.size(); ++i) {
        if (round == 0) density[i] = static_cast<std::uint8_t>(byte(rng));
        if (round == 1) density[i] = static_cast<std::uint8_t>((i / 37) % 3 == 0 ? byte(rng) : 0);
        if (round == 2) density[i] = static_cast<std::uint8_t>(i % 256);
      }
      if (round == 1) density.back() = 255;  // the last group is stored apart
      auto packed = packPanel(density, levels);
      ASSERT_TRUE(packed.ok());
      const Bytes expected = packBitByBit(density, levels, bpp);
      ASSERT_EQ(packed->size(), expected.size());
      std::size_t first_diff = expected.size();
      for (std::size_t i = 0; i < expected.size(); ++i) {
        if ((*packed)[i] != expected[i]) {
          first_diff = i;
          break;
        }
      }
      EXPECT_EQ(first_diff, expected.size()) << "levels " << levels << ", round " << round;
    }
  }
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
