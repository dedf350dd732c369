// exchangeResolvingStatus(): 61xx GET RESPONSE chains and 6Cxx re-sends,
// driven by a scripted raw exchange that asserts every byte sent.

#include "pcsc/apdu_exchange.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <utility>

#include "test_hex.hpp"

namespace cardd::drivers::pcsc {
namespace {

using applets::testing::hex;
namespace apdu = applets::apdu;

// Plays (expected command, answer) pairs; a command that differs fails.
class Script {
 public:
  void expect(std::string_view command, std::string_view answer) {
    steps_.emplace_back(hex(command), hex(answer));
  }
  RawExchange raw() {
    return [this](ByteView command) -> Result<Bytes> {
      if (steps_.empty()) {
        ADD_FAILURE() << "unexpected command " << applets::toHex(command);
        return Error{ErrorCode::Internal, "script exhausted"};
      }
      auto [want, answer] = steps_.front();
      steps_.pop_front();
      EXPECT_EQ(applets::toHex(command), applets::toHex(want));
      return answer;
    };
  }
  bool done() const { return steps_.empty(); }

 private:
  std::deque<std::pair<Bytes, Bytes>> steps_;
};

apdu::CommandApdu readBinary(std::size_t ne) {
  apdu::CommandApdu c;
  c.ins = 0xB0;
  c.ne = ne;
  return c;
}

TEST(ApduExchange, PlainResponsePassesThrough) {
  Script s;
  s.expect("00 B0 00 00 04", "01 02 03 04 90 00");
  auto r = exchangeResolvingStatus(s.raw(), readBinary(4));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex("01020304"));
  EXPECT_EQ(r->sw, 0x9000);
  EXPECT_TRUE(s.done());
}

TEST(ApduExchange, GetResponseChainAccumulates) {
  Script s;
  s.expect("00 B0 00 00 00", "AA BB 61 03");
  s.expect("00 C0 00 00 03", "CC DD EE 61 00");
  s.expect("00 C0 00 00 00", std::string(256 * 2, '1') + " 90 00");
  auto r = exchangeResolvingStatus(s.raw(), readBinary(256));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sw, 0x9000);
  ASSERT_EQ(r->data.size(), 2u + 3u + 256u);
  EXPECT_EQ(Bytes(r->data.begin(), r->data.begin() + 5), hex("AABBCCDDEE"));
  EXPECT_TRUE(s.done());
}

TEST(ApduExchange, GetResponseKeepsLogicalChannel) {
  EXPECT_EQ(getResponseCommand(0x83, 16).cla, 0x03);
  EXPECT_EQ(getResponseCommand(0x0C, 16).cla, 0x00);
  EXPECT_EQ(getResponseCommand(0x45, 16).cla, 0x45);
  Script s;
  apdu::CommandApdu select;
  select.cla = 0x01;
  select.ins = 0xA4;
  select.p1 = 0x04;
  select.data = hex("A0000002471001");
  s.expect("01 A4 04 00 07 A0000002471001", "61 02");
  s.expect("01 C0 00 00 02", "6F 00 90 00");
  auto r = exchangeResolvingStatus(s.raw(), select);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex("6F00"));
}

TEST(ApduExchange, WrongLeIsResentOnceWithTheCardsLe) {
  Script s;
  s.expect("00 B0 00 00 10", "6C 05");
  s.expect("00 B0 00 00 05", "0102030405 9000");
  auto r = exchangeResolvingStatus(s.raw(), readBinary(16));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex("0102030405"));
  EXPECT_EQ(r->sw, 0x9000);

  // A second 6Cxx is returned as it is (no loop).
  Script again;
  again.expect("00 B0 00 00 10", "6C 05");
  again.expect("00 B0 00 00 05", "6C 04");
  auto r2 = exchangeResolvingStatus(again.raw(), readBinary(16));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->sw, 0x6C04);
  EXPECT_TRUE(again.done());
}

TEST(ApduExchange, WrongLeOnGetResponse) {
  Script s;
  s.expect("00 B0 00 00 00", "61 10");
  s.expect("00 C0 00 00 10", "6C 08");
  s.expect("00 C0 00 00 08", "0102030405060708 9000");
  auto r = exchangeResolvingStatus(s.raw(), readBinary(256));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex("0102030405060708"));
}

TEST(ApduExchange, ErrorStatusWordsAreValues) {
  Script s;
  s.expect("00 B0 00 00 10", "6A 82");
  auto r = exchangeResolvingStatus(s.raw(), readBinary(16));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sw, 0x6A82);
}

TEST(ApduExchange, RawErrorsAndShortAnswers) {
  RawExchange failing = [](ByteView) -> Result<Bytes> {
    return Error{ErrorCode::Unavailable, "card removed"};
  };
  auto r = exchangeResolvingStatus(failing, readBinary(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "card removed");

  Script s;
  s.expect("00 B0 00 00 01", "90");
  auto r2 = exchangeResolvingStatus(s.raw(), readBinary(1));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, ErrorCode::Internal);
}

TEST(ApduExchange, EndlessGetResponseIsBounded) {
  int calls = 0;
  RawExchange endless = [&calls](ByteView) -> Result<Bytes> {
    ++calls;
    return Bytes{0x00, 0x61, 0x01};
  };
  auto r = exchangeResolvingStatus(endless, readBinary(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Internal);
  EXPECT_EQ(calls, static_cast<int>(kMaxGetResponses) + 1);
}

TEST(ApduExchange, ExtendedCommandIsEncodedExtended) {
  apdu::CommandApdu update;
  update.ins = 0xD6;
  update.data = Bytes(300, 0x5A);
  Script s;
  std::string expected = "00 D6 00 00 00 01 2C ";
  for (int i = 0; i < 300; ++i) expected += "5A";
  s.expect(expected, "90 00");
  auto r = exchangeResolvingStatus(s.raw(), update);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(s.done());
}

}  // namespace
}  // namespace cardd::drivers::pcsc
