#include <gtest/gtest.h>

#include "apdu/response_apdu.hpp"
#include "apdu/status_word.hpp"
#include "test_hex.hpp"

namespace cardd::applets::apdu {
namespace {

using testing::hex;

TEST(ResponseApdu, ParsesDataAndStatus) {
  auto r = parseResponseApdu(hex("0102039000"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, hex("010203"));
  EXPECT_EQ(r->sw, 0x9000);
  EXPECT_EQ(r->sw1(), 0x90);
  EXPECT_EQ(r->sw2(), 0x00);
  EXPECT_TRUE(r->isSuccess());
  EXPECT_EQ(r->encode(), hex("0102039000"));

  auto bare = parseResponseApdu(hex("6A82"));
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->data.empty());
  EXPECT_FALSE(bare->isSuccess());
}

TEST(ResponseApdu, RejectsTooShort) {
  EXPECT_FALSE(parseResponseApdu(Bytes{}).ok());
  EXPECT_FALSE(parseResponseApdu(hex("90")).ok());
  EXPECT_FALSE(parseResponseApdu(Bytes(65536 + 3, 0)).ok());
  EXPECT_TRUE(parseResponseApdu(Bytes(65536 + 2, 0)).ok());
}

TEST(StatusWord, NamesTheCommonWords) {
  const std::uint16_t known[] = {0x9000, 0x6282, 0x6700, 0x6982, 0x6985, 0x6988, 0x6A80,
                                 0x6A82, 0x6A84, 0x6A89, 0x6B00, 0x6D00, 0x6E00};
  for (const auto sw : known) EXPECT_NE(statusWordName(sw), "unknown status") << std::hex << sw;
  EXPECT_EQ(statusWordName(0x6A82), "file or application not found");
  EXPECT_EQ(statusWordName(0x6110), "response bytes still available");
  EXPECT_EQ(statusWordName(0x6C20), "wrong Le field");
  EXPECT_EQ(statusWordName(0x6F00), "unknown status");
  EXPECT_EQ(describeStatusWord(0x6985), "6985 (conditions of use not satisfied)");
  EXPECT_EQ(describeStatusWord(0x9000), "9000 (ok)");
}

TEST(StatusWord, LengthFamilies) {
  EXPECT_EQ(bytesAvailable(0x6110), 16u);
  EXPECT_EQ(bytesAvailable(0x6100), 256u);
  EXPECT_EQ(bytesAvailable(0x9000), 0u);
  EXPECT_EQ(correctLe(0x6C08), 8u);
  EXPECT_EQ(correctLe(0x6C00), 256u);
  EXPECT_EQ(correctLe(0x6110), 0u);
}

TEST(StatusWord, Classes) {
  EXPECT_TRUE(isSuccess(0x9000));
  EXPECT_FALSE(isSuccess(0x6282));
  EXPECT_TRUE(isNormalOrWarning(0x9000));
  EXPECT_TRUE(isNormalOrWarning(0x6282));
  EXPECT_TRUE(isNormalOrWarning(0x63C2));
  EXPECT_TRUE(isNormalOrWarning(0x6110));
  EXPECT_FALSE(isNormalOrWarning(0x6982));
}

}  // namespace
}  // namespace cardd::applets::apdu
