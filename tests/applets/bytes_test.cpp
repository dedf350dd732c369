#include <gtest/gtest.h>

#include "common/bytes.hpp"

namespace cardd::applets {
namespace {

TEST(Bytes, HexRoundTrip) {
  auto b = fromHex("84 82 11:00 0a0B");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (Bytes{0x84, 0x82, 0x11, 0x00, 0x0A, 0x0B}));
  EXPECT_EQ(toHex(*b), "848211000A0B");
  EXPECT_EQ(toHex(Bytes{}), "");
}

TEST(Bytes, HexErrors) {
  EXPECT_FALSE(fromHex("123").ok());
  EXPECT_FALSE(fromHex("1 2").ok());
  EXPECT_FALSE(fromHex("zz").ok());
  EXPECT_EQ(fromHex("zz").error().code, ErrorCode::InvalidArgument);
}

TEST(Bytes, ConstantTimeEqual) {
  EXPECT_TRUE(constantTimeEqual(Bytes{1, 2}, Bytes{1, 2}));
  EXPECT_FALSE(constantTimeEqual(Bytes{1, 2}, Bytes{1, 3}));
  EXPECT_FALSE(constantTimeEqual(Bytes{1, 2}, Bytes{1, 2, 3}));
  EXPECT_TRUE(constantTimeEqual(Bytes{}, Bytes{}));
}

}  // namespace
}  // namespace cardd::applets
