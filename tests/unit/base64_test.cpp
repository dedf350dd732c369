#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace cardd {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto enc = encodeBase64(bytes);
    auto dec = decodeBase64(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(Base64, KnownVectors) {
  EXPECT_EQ(encodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encodeBase64("fo"), "Zm8=");
  EXPECT_EQ(*decodeBase64("Zm9vYg=="), "foob");
}

TEST(Base64, RejectsNonStrictInput) {
  for (const char* bad : {"Zm9", "Zm9v YmFy", "Zm=v", "Z===", "Zm9v\nYmFy", "Zm9vYmF*", "=Zm9"}) {
    EXPECT_FALSE(decodeBase64(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace cardd
