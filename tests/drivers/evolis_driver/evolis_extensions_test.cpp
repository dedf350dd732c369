// The codec extensions the driver needs: movement failure replies
// ("ERR <CONDITION>"), cardd's Rxs status words, the cleaning command, and
// the normaliser's mapping of a sticky fault.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_normaliser.hpp"
#include "printer/evolis/evolis_reply.hpp"

namespace cardd::drivers::evolis {
namespace {

using ::testing::ElementsAre;

Reply reply(std::string_view text) {
  return parseReply(text).value();
}

TEST(DeviceFaultTest, RecognisesEveryConditionCaseInsensitively) {
  const std::pair<const char*, DeviceFault> cases[] = {
      {"ERR MECHANICAL", DeviceFault::Mechanical},
      {"ERR RIBBON ENDED", DeviceFault::RibbonEnded},
      {"err cover open", DeviceFault::CoverOpen},
      {"ERR FEEDER EMPTY\r", DeviceFault::FeederEmpty},
      {"ERR HOPPER FULL", DeviceFault::HopperFull},
      {"ERR REJECT BOX FULL", DeviceFault::RejectBoxFull},
      {"ERR HEAD TEMP", DeviceFault::HeadTemp},
      {"ERR NEED CLEANING", DeviceFault::NeedCleaning},
  };
  for (const auto& [text, fault] : cases) {
    EXPECT_EQ(deviceFault(reply(text)), fault) << text;
    EXPECT_EQ(deviceFault(reply("ERR " + std::string(deviceFaultText(fault)))), fault);
  }
}

TEST(DeviceFaultTest, OtherRepliesAreNotFaults) {
  for (const char* text : {"OK", "ERR NEED", "ERROR CDE", "ERROR PARAMETERS", "MECHANICAL",
                           "ERR  MECHANICAL", "ERR MECHANICALX"}) {
    EXPECT_EQ(deviceFault(reply(text)), std::nullopt) << text;
  }
}

TEST(StatusWordsTest, ParsesFourHexWords) {
  auto w = expectStatusWords(reply("00000001 000e0000 01320000 21A00000"));
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->config, 1u);
  EXPECT_EQ(w->information, 0x000E0000u);
  EXPECT_EQ(w->warning, 0x01320000u);
  EXPECT_EQ(w->error, 0x21A00000u);
}

TEST(StatusWordsTest, RefusesAnythingElse) {
  for (const char* text :
       {"00000000 00000000 00000000", "00000000 00000000 00000000 0000000",
        "00000000  0000000 00000000 00000000", "0000000G 00000000 00000000 00000000",
        "00000000 00000000 00000000 00000000 00000000", "OK"}) {
    EXPECT_FALSE(expectStatusWords(reply(text)).ok()) << text;
  }
  auto refused = expectStatusWords(reply("ERROR CDE"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidArgument);  // deviceRefused()
}

TEST(CodecExtensionsTest, NewCommandsEncode) {
  EXPECT_EQ(encode(readExtendedStatus()).value(), Bytes({0x1B, 'R', 'x', 's', 0x0D}));
  EXPECT_EQ(encode(cleanPrinter()).value(), Bytes({0x1B, 'S', 'c', 'p', 0x0D}));
}

TEST(NormaliserFaultTest, EachStickyFaultMapsToItsReason) {
  const std::pair<DeviceFault, const char*> cases[] = {
      {DeviceFault::Mechanical, "media-jam-error"},
      {DeviceFault::RibbonEnded, "marker-supply-empty-error"},
      {DeviceFault::CoverOpen, "cover-open-error"},
      {DeviceFault::FeederEmpty, "media-empty-error"},
      {DeviceFault::HopperFull, "output-area-full-error"},
      {DeviceFault::RejectBoxFull, "output-area-full-error"},
      {DeviceFault::HeadTemp, "cardd-head-cooling-error"},
      {DeviceFault::NeedCleaning, "cleaner-life-almost-over-error"},
  };
  for (const auto& [fault, keyword] : cases) {
    EvolisReadings r;
    r.fault = fault;
    const auto s = normalise(r);
    ASSERT_EQ(s.reasons.size(), 1u);
    EXPECT_EQ(s.reasons[0].keyword(), keyword);
    EXPECT_EQ(s.state, PrinterState::Stopped);
  }
}

TEST(NormaliserFaultTest, OfflineHidesTheStickyFault) {
  EvolisReadings r;
  r.reachable = false;
  r.fault = DeviceFault::Mechanical;
  const auto s = normalise(r);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].keyword(), "offline-error");
}

}  // namespace
}  // namespace cardd::drivers::evolis
