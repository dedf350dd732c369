#include <gtest/gtest.h>

#include "apdu/command_apdu.hpp"
#include "test_hex.hpp"

namespace cardd::applets::apdu {
namespace {

using testing::hex;

CommandApdu make(Bytes data, std::size_t ne, LengthForm form = LengthForm::Auto) {
  CommandApdu c;
  c.cla = 0x00;
  c.ins = 0xB0;
  c.p1 = 0x01;
  c.p2 = 0x02;
  c.data = std::move(data);
  c.ne = ne;
  c.form = form;
  return c;
}

Bytes encoded(const CommandApdu& c) {
  auto r = encodeCommandApdu(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Bytes{};
}

TEST(CommandApdu, ShortCases) {
  EXPECT_EQ(encoded(make({}, 0)), hex("00B00102"));
  EXPECT_EQ(encoded(make({}, 16)), hex("00B0010210"));
  EXPECT_EQ(encoded(make({}, 256)), hex("00B0010200"));
  EXPECT_EQ(encoded(make({0xAA, 0xBB}, 0)), hex("00B0010202AABB"));
  EXPECT_EQ(encoded(make({0xAA}, 256)), hex("00B0010201AA00"));
  EXPECT_EQ(make({}, 0).caseNumber(), 1);
  EXPECT_EQ(make({}, 1).caseNumber(), 2);
  EXPECT_EQ(make({1}, 0).caseNumber(), 3);
  EXPECT_EQ(make({1}, 1).caseNumber(), 4);
}

TEST(CommandApdu, ExtendedCases) {
  EXPECT_EQ(encoded(make({}, 257)), hex("00B00102000101"));
  EXPECT_EQ(encoded(make({}, 65536)), hex("00B00102000000"));
  EXPECT_EQ(encoded(make(Bytes(256, 0x11), 0)).size(), 4u + 3 + 256);
  const Bytes c4 = encoded(make(Bytes(300, 0x22), 65536));
  ASSERT_EQ(c4.size(), 4u + 3 + 300 + 2);
  EXPECT_EQ(c4[4], 0x00);
  EXPECT_EQ(c4[5], 0x01);
  EXPECT_EQ(c4[6], 0x2C);
  EXPECT_EQ(c4[c4.size() - 2], 0x00);
  EXPECT_EQ(c4[c4.size() - 1], 0x00);
  /* Forced extended form for small sizes (case 4E without Le marker). */
  EXPECT_EQ(encoded(make({0xAA}, 2, LengthForm::Extended)), hex("00B00102 000001 AA 0002"));
  EXPECT_EQ(encoded(make({}, 0, LengthForm::Extended)), hex("00B00102"));
}

TEST(CommandApdu, FormDecision) {
  EXPECT_FALSE(usesExtendedForm(LengthForm::Auto, 255, 256));
  EXPECT_TRUE(usesExtendedForm(LengthForm::Auto, 256, 0));
  EXPECT_TRUE(usesExtendedForm(LengthForm::Auto, 0, 257));
  EXPECT_FALSE(usesExtendedForm(LengthForm::Short, 1000, 0));  // encode then refuses
  EXPECT_TRUE(usesExtendedForm(LengthForm::Extended, 1, 0));
  EXPECT_FALSE(usesExtendedForm(LengthForm::Extended, 0, 0));  // case 1 has no length
}

TEST(CommandApdu, SizeErrorsAreValues) {
  EXPECT_FALSE(encodeCommandApdu(make(Bytes(256, 0), 0, LengthForm::Short)).ok());
  EXPECT_FALSE(encodeCommandApdu(make({}, 257, LengthForm::Short)).ok());
  EXPECT_FALSE(encodeCommandApdu(make(Bytes(65536, 0), 0)).ok());
  EXPECT_FALSE(encodeCommandApdu(make({}, 65537)).ok());
  EXPECT_EQ(encodeCommandApdu(make({}, 65537)).error().code, ErrorCode::InvalidArgument);
  EXPECT_TRUE(encodeCommandApdu(make(Bytes(65535, 0), 65536)).ok());
}

TEST(CommandApdu, ParsesEveryCase) {
  struct Case {
    const char* hex;
    std::size_t nc;
    std::size_t ne;
    LengthForm form;
  };
  const Case cases[] = {
      {"00A40400", 0, 0, LengthForm::Short},
      {"00B0000010", 0, 16, LengthForm::Short},
      {"00B0000000", 0, 256, LengthForm::Short},
      {"00A4040C07A0000002471001", 7, 0, LengthForm::Short},
      {"00A4040007A000000247100100", 7, 256, LengthForm::Short},
      {"00B00000000100", 0, 256, LengthForm::Extended},
      {"00B00000000000", 0, 65536, LengthForm::Extended},
      {"00D60000000002AABB", 2, 0, LengthForm::Extended},
      {"00D60000000002AABB0000", 2, 65536, LengthForm::Extended},
      {"00D60000000001AA0102", 1, 0x0102, LengthForm::Extended},
  };
  for (const auto& c : cases) {
    auto parsed = parseCommandApdu(hex(c.hex));
    ASSERT_TRUE(parsed.ok()) << c.hex << ": " << parsed.error().message;
    EXPECT_EQ(parsed->data.size(), c.nc) << c.hex;
    EXPECT_EQ(parsed->ne, c.ne) << c.hex;
    EXPECT_EQ(parsed->form, c.form) << c.hex;
    /* Byte-exact round trip through the recorded form. */
    EXPECT_EQ(encoded(*parsed), hex(c.hex)) << c.hex;
  }
}

TEST(CommandApdu, RejectsMalformed) {
  const char* bad[] = {
      "",
      "00A404",
      "00D6000002AA",           // Lc 2, one byte
      "00D6000001AABBCC",       // Lc 1, three bytes
      "00B000000001",           // extended marker, one length byte
      "00D6000000000000",       // extended Lc = 0 with a body
      "00D60000000002AA",       // extended Lc 2, one byte
      "00D60000000001AA01",     // extended, one Le byte
      "00D60000000001AA010203"  // extended, three trailing bytes
  };
  for (const char* h : bad) {
    auto parsed = parseCommandApdu(hex(h));
    EXPECT_FALSE(parsed.ok()) << h;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
    }
  }
}

TEST(CommandApdu, EncodeParseRoundTripAcrossSizes) {
  for (std::size_t nc : {0u, 1u, 255u, 256u, 4096u, 65535u}) {
    for (std::size_t ne : {0u, 1u, 256u, 257u, 65536u}) {
      const CommandApdu c = make(Bytes(nc, 0x5A), ne);
      auto parsed = parseCommandApdu(encoded(c));
      ASSERT_TRUE(parsed.ok()) << nc << "/" << ne;
      EXPECT_EQ(parsed->data, c.data);
      EXPECT_EQ(parsed->ne, c.ne);
      EXPECT_EQ(parsed->usesExtendedForm(), c.usesExtendedForm());
    }
  }
}

}  // namespace
}  // namespace cardd::applets::apdu
