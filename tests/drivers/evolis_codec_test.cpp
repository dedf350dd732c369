// Evolis framing and command builders, checked against byte strings written
// from the reference (reference/card-printers.md).
#include "printer/evolis/evolis_codec.hpp"

#include <gtest/gtest.h>

#include <array>

#include "evolis_test_util.hpp"
#include "printer/evolis/evolis_frame_parser.hpp"

namespace cardd::drivers::evolis {
namespace {

using testing::bytesOf;
using testing::textOf;

std::string wire(const Command& c) {
  auto bytes = encode(c);
  EXPECT_TRUE(bytes.ok()) << describe(c);
  return bytes.ok() ? textOf(*bytes) : std::string();
}

TEST(EvolisCodec, FramesSimpleCommands) {
  EXPECT_EQ(wire(setErrorMode(ErrorMode::Host)), "\x1bPem;2\r");
  EXPECT_EQ(wire(setErrorMode(ErrorMode::Printer)), "\x1bPem;0\r");
  EXPECT_EQ(wire(setRibbon(Ribbon::Ymcko)), "\x1bPr;ymcko\r");
  EXPECT_EQ(wire(setRibbon(Ribbon::Ymckok)), "\x1bPr;ymckok\r");
  EXPECT_EQ(wire(setRibbon(Ribbon::Ko)), "\x1bPr;ko\r");
  EXPECT_EQ(wire(setRibbon(Ribbon::K)), "\x1bPr;k\r");
  EXPECT_EQ(wire(startSequence()), "\x1bSs\r");
  EXPECT_EQ(wire(frontSide()), "\x1bSr\r");
  EXPECT_EQ(wire(backSide()), "\x1bSv\r");
  EXPECT_EQ(wire(endSequence()), "\x1bSe\r");
}

TEST(EvolisCodec, FramesMovementCommands) {
  EXPECT_EQ(wire(insertCard()), "\x1bSi\r");
  EXPECT_EQ(wire(toContactStation()), "\x1bSis\r");
  EXPECT_EQ(wire(toContactlessStation()), "\x1bSic\r");
  EXPECT_EQ(wire(ejectCard()), "\x1bSe\r");
  EXPECT_EQ(wire(rejectCard()), "\x1bSer\r");
  EXPECT_EQ(wire(softReset()), "\x1bSrs\r");
}

TEST(EvolisCodec, FramesReadCommands) {
  EXPECT_EQ(wire(readModel()), "\x1bRtp\r");
  EXPECT_EQ(wire(readSerial()), "\x1bRsn\r");
  EXPECT_EQ(wire(readPrintheadKit()), "\x1bRkn\r");
  EXPECT_EQ(wire(readFirmware()), "\x1bRfv\r");
  EXPECT_EQ(wire(readCounter(Counter::Panels)), "\x1bRco;p\r");
  EXPECT_EQ(wire(readCounter(Counter::Cards)), "\x1bRco;c\r");
  EXPECT_EQ(wire(readCounter(Counter::AvgBetweenCleanings)), "\x1bRco;a\r");
  EXPECT_EQ(wire(readCounter(Counter::MaxBetweenCleanings)), "\x1bRco;m\r");
  EXPECT_EQ(wire(readCounter(Counter::Cleanings)), "\x1bRco;n\r");
  EXPECT_EQ(wire(readCounter(Counter::RibbonCardsLeft)), "\x1bRco;l\r");
  EXPECT_EQ(wire(readSensor(Sensor::Cover)), "\x1bRse;o\r");
  EXPECT_EQ(wire(readSensor(Sensor::Feeder)), "\x1bRse;f\r");
  EXPECT_EQ(wire(readSensor(Sensor::FeederNearEmpty)), "\x1bRse;n\r");
  EXPECT_EQ(wire(readCardPosition()), "\x1bRlr;p\r");
  EXPECT_EQ(wire(readHopper()), "\x1bRlr;h\r");
  EXPECT_EQ(wire(readCleaning()), "\x1bRlr;c\r");
  EXPECT_EQ(wire(readRibbonCapacity()), "\x1bRrt;qty\r");
  EXPECT_EQ(wire(readRibbonRemaining()), "\x1bRrt;count\r");
}

TEST(EvolisCodec, DownloadAppendsPayloadUnescaped) {
  const Bytes panel = testing::patternedMonoPanel();
  auto db = downloadBitmap(PanelCode::Black, 2, panel);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto bytes = encode(*db);
  ASSERT_TRUE(bytes.ok());
  const std::string header =
      "\x1b"
      "Db;k;2;";
  ASSERT_EQ(bytes->size(), header.size() + kMonoPanelBytes + 1);
  const auto body = bytes->begin() + static_cast<std::ptrdiff_t>(header.size());
  EXPECT_EQ(textOf(Bytes(bytes->begin(), body)), header);
  EXPECT_TRUE(std::equal(panel.begin(), panel.end(), body));
  EXPECT_EQ(bytes->back(), kCr);
  EXPECT_EQ(describe(*db), "Db;k;2;<82296 bytes>");
}

TEST(EvolisCodec, DownloadChecksSizeAndLevels) {
  EXPECT_FALSE(downloadBitmap(PanelCode::Black, 2, Bytes(kMonoPanelBytes - 1)).ok());
  EXPECT_FALSE(downloadBitmap(PanelCode::Black, 128, Bytes(576072)).ok());  // k is 1 bpp
  EXPECT_FALSE(downloadBitmap(PanelCode::Yellow, 100, Bytes(10)).ok());
  EXPECT_TRUE(downloadBitmap(PanelCode::Yellow, 128, Bytes(576072)).ok());
  EXPECT_TRUE(downloadBitmap(PanelCode::Magenta, 64, Bytes(493776)).ok());
  EXPECT_TRUE(downloadBitmap(PanelCode::Cyan, 32, Bytes(411480)).ok());
}

TEST(EvolisCodec, CompressedDownloadCarriesItsLength) {
  auto compressed = compressMono(testing::patternedMonoPanel());
  ASSERT_TRUE(compressed.ok());
  const auto size = compressed->size();
  auto dbc = downloadCompressed(PanelCode::Overlay, *compressed);
  ASSERT_TRUE(dbc.ok()) << dbc.error().message;
  auto bytes = encode(*dbc);
  ASSERT_TRUE(bytes.ok());
  const std::string header =
      "\x1b"
      "Dbc;o;2;" +
      std::to_string(size) + ";";
  EXPECT_EQ(
      textOf(Bytes(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(header.size()))),
      header);
  EXPECT_EQ(bytes->size(), header.size() + size + 1);
  EXPECT_FALSE(downloadCompressed(PanelCode::Yellow, *compressed).ok());
  EXPECT_FALSE(downloadCompressed(PanelCode::Black, bytesOf("\x52")).ok());  // lead 82
}

TEST(EvolisCodec, EncodeRefusesForbiddenBytes) {
  EXPECT_FALSE(encode(Command{"", {}, false, {}}).ok());
  EXPECT_FALSE(encode(Command{"R1", {}, false, {}}).ok());
  EXPECT_FALSE(encode(Command{"Pr", {"k;o"}, false, {}}).ok());
  EXPECT_FALSE(encode(Command{"Pr", {"k\r"}, false, {}}).ok());
  EXPECT_FALSE(encode(Command{"Pr", {"\x1b"}, false, {}}).ok());
  EXPECT_TRUE(encode(Command{"Pr", {""}, false, {}}).ok());
}

// A whole front-only YMCKO card as the reference lists it, byte for byte.
TEST(EvolisCodec, YmckoFrontTranscript) {
  const Bytes colour(576072, 0x5A);
  const Bytes mono = testing::patternedMonoPanel();
  const std::array commands = {
      setErrorMode(ErrorMode::Host),
      setRibbon(Ribbon::Ymcko),
      startSequence(),
      frontSide(),
      *downloadBitmap(PanelCode::Yellow, 128, colour),
      *downloadBitmap(PanelCode::Magenta, 128, colour),
      *downloadBitmap(PanelCode::Cyan, 128, colour),
      *downloadBitmap(PanelCode::Black, 2, mono),
      *downloadBitmap(PanelCode::Overlay, 2, Bytes(kMonoPanelBytes, 0xFF)),
      endSequence(),
  };
  auto stream = encodeAll(commands);
  ASSERT_TRUE(stream.ok());

  std::string expected = "\x1bPem;2\r\x1bPr;ymcko\r\x1bSs\r\x1bSr\r";
  for (const char panel : {'y', 'm', 'c'}) {
    expected += std::string("\x1b") + "Db;" + panel + ";128;" + textOf(colour) + "\r";
  }
  expected += std::string("\x1b") + "Db;k;2;" + textOf(mono) + "\r";
  expected += std::string("\x1b") + "Db;o;2;" + std::string(kMonoPanelBytes, '\xFF') + "\r";
  expected += "\x1bSe\r";
  EXPECT_EQ(textOf(*stream), expected);

  // The printer side splits it back into the same commands.
  auto frames = parseFrames(*stream);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ((*frames)[i], commands[i]) << describe(commands[i]);
  }
}

}  // namespace
}  // namespace cardd::drivers::evolis
