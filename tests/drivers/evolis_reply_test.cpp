// Evolis reply parsing, from replies as the reference shows them.
#include "printer/evolis/evolis_reply.hpp"

#include <gtest/gtest.h>

#include "evolis_test_util.hpp"

namespace cardd::drivers::evolis {
namespace {

Reply reply(std::string_view raw) {
  auto r = parseReply(raw);
  EXPECT_TRUE(r.ok()) << raw;
  return r.ok() ? *r : Reply{};
}

TEST(EvolisReply, ClassifiesKeywords) {
  EXPECT_EQ(reply("OK").kind, ReplyKind::Ok);
  EXPECT_EQ(reply("ok\r").kind, ReplyKind::Ok);
  EXPECT_EQ(reply("ERROR CDE").kind, ReplyKind::UnknownCommand);
  EXPECT_EQ(reply("ERROR PARAMETERS\r\n").kind, ReplyKind::BadParameters);
  EXPECT_EQ(reply("ERR NEED CLEANING").kind, ReplyKind::DeviceError);
  EXPECT_EQ(reply("Evolis Primacy").kind, ReplyKind::Value);
}

TEST(EvolisReply, StripsPaddingKeepsValueCase) {
  const std::string raw("\0\0 Evolis Primacy\r\n\0", 20);
  auto r = parseReply(raw);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "Evolis Primacy");
  const Bytes bytes = testing::bytesOf("OK\r");
  EXPECT_EQ(parseReply(std::span<const std::uint8_t>(bytes))->kind, ReplyKind::Ok);
}

TEST(EvolisReply, RefusesGarbage) {
  EXPECT_FALSE(parseReply("").ok());
  EXPECT_FALSE(parseReply("\r\n\0").ok());
  EXPECT_FALSE(parseReply("OK\x01").ok());
  EXPECT_FALSE(parseReply("\xff\xfe").ok());
  EXPECT_FALSE(parseReply(std::string(kMaxReplyBytes + 1, 'A')).ok());
}

TEST(EvolisReply, OkAndRefusals) {
  EXPECT_TRUE(expectOk(reply("OK")).ok());
  auto cde = expectOk(reply("ERROR CDE"));
  ASSERT_FALSE(cde.ok());
  EXPECT_EQ(cde.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(cde.error().message.find("ERROR CDE"), std::string::npos);
  auto params = expectOk(reply("ERROR PARAMETERS"));
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.error().message.find("ERROR PARAMETERS"), std::string::npos);
  auto value = expectOk(reply("12"));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().code, ErrorCode::Internal);
}

TEST(EvolisReply, TextValues) {
  EXPECT_EQ(*expectText(reply("Evolis Primacy\r")), "Evolis Primacy");
  EXPECT_EQ(*expectText(reply("PRI123456")), "PRI123456");
  EXPECT_EQ(*expectText(reply("1.2.3")), "1.2.3");
  EXPECT_FALSE(expectText(reply("OK")).ok());
  EXPECT_FALSE(expectText(reply("ERROR CDE")).ok());
}

TEST(EvolisReply, Counts) {
  EXPECT_EQ(*expectCount(reply("0")), 0u);
  EXPECT_EQ(*expectCount(reply("12345\r")), 12345u);
  EXPECT_EQ(*expectCount(reply("18446744073709551615")), 18446744073709551615u);
  EXPECT_FALSE(expectCount(reply("18446744073709551616")).ok());
  EXPECT_FALSE(expectCount(reply("-1")).ok());
  EXPECT_FALSE(expectCount(reply("12a")).ok());
  EXPECT_FALSE(expectCount(reply("1 2")).ok());
  EXPECT_FALSE(expectCount(reply("OK")).ok());
}

TEST(EvolisReply, VoltagesWithDecimalComma) {
  EXPECT_EQ(*expectMillivolts(reply("5,00 Volts")), 5000u);
  EXPECT_EQ(*expectMillivolts(reply("0,00 Volts\r")), 0u);
  EXPECT_EQ(*expectMillivolts(reply("0,87 Volts")), 870u);
  EXPECT_EQ(*expectMillivolts(reply("4,5 Volts")), 4500u);
  EXPECT_EQ(*expectMillivolts(reply("3.30 V")), 3300u);
  EXPECT_EQ(*expectMillivolts(reply("12,3456 volts")), 12345u);
  EXPECT_EQ(*expectMillivolts(reply("5")), 5000u);
  EXPECT_FALSE(expectMillivolts(reply("Volts")).ok());
  EXPECT_FALSE(expectMillivolts(reply(",5 Volts")).ok());
  EXPECT_FALSE(expectMillivolts(reply("5,0,0 Volts")).ok());
  EXPECT_FALSE(expectMillivolts(reply("-5,00 Volts")).ok());
  EXPECT_FALSE(expectMillivolts(reply("9999999,00 Volts")).ok());
  EXPECT_FALSE(expectMillivolts(reply("OK")).ok());
}

TEST(EvolisReply, CardPositions) {
  EXPECT_EQ(*expectCardPosition(reply("OK")), CardPosition::None);
  EXPECT_EQ(*expectCardPosition(reply("CARD")), CardPosition::Inside);
  EXPECT_EQ(*expectCardPosition(reply("SMART CARD")), CardPosition::ContactStation);
  EXPECT_EQ(*expectCardPosition(reply("CONTACTLESS CARD\r")), CardPosition::ContactlessStation);
  EXPECT_FALSE(expectCardPosition(reply("NO CARD")).ok());
  EXPECT_FALSE(expectCardPosition(reply("ERROR CDE")).ok());
}

TEST(EvolisReply, HopperAndCleaning) {
  EXPECT_TRUE(*expectHopperFull(reply("CARD")));
  EXPECT_FALSE(*expectHopperFull(reply("NO CARD")));
  EXPECT_FALSE(expectHopperFull(reply("OK")).ok());
  EXPECT_TRUE(*expectCleaningDue(reply("ERR NEED CLEANING")));
  EXPECT_FALSE(*expectCleaningDue(reply("OK")));
  auto other = expectCleaningDue(reply("ERR SOMETHING ELSE"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::InvalidArgument);
}

// Rrt;count may answer OK instead of the count: that is a retry, not a zero.
TEST(EvolisReply, SpuriousOkForRibbonCountIsARetry) {
  auto first = expectRibbonRemaining(reply("OK"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(std::holds_alternative<SpuriousOk>(*first));
  auto second = expectRibbonRemaining(reply("187\r"));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(std::holds_alternative<std::uint64_t>(*second));
  EXPECT_EQ(std::get<std::uint64_t>(*second), 187u);
  EXPECT_FALSE(expectRibbonRemaining(reply("ERROR CDE")).ok());
  EXPECT_FALSE(expectRibbonRemaining(reply("lots")).ok());
}

}  // namespace
}  // namespace cardd::drivers::evolis
