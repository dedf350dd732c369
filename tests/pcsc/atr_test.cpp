// parseAtr(): protocols, historical bytes and the card-capabilities bits.

#include "pcsc/atr.hpp"

#include <gtest/gtest.h>

#include "test_hex.hpp"

namespace cardd::drivers::pcsc {
namespace {

using applets::testing::hex;

TEST(Atr, EchoAppletAtrOffersT0AndT1) {
  // 3B 80 80 01 01: TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1), TCK.
  auto info = parseAtr(hex("3B 80 80 01 01"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->offersT0);
  EXPECT_TRUE(info->offersT1);
  EXPECT_TRUE(info->historicalBytes.empty());
  EXPECT_FALSE(info->extendedLength);
}

TEST(Atr, CardCapabilitiesAnnounceExtendedLength) {
  // Historical bytes 80 73 00 00 C0: COMPACT-TLV, tag 7 length 3,
  // third byte C0 = command chaining + extended Lc/Le.
  auto info = parseAtr(hex("3B 85 80 01 80 73 00 00 C0 37"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->offersT1);
  EXPECT_EQ(info->historicalBytes, hex("80 73 00 00 C0"));
  EXPECT_TRUE(info->extendedLength);
  EXPECT_TRUE(info->commandChaining);

  auto noExt = parseAtr(hex("3B 85 80 01 80 73 00 00 80 77"));
  ASSERT_TRUE(noExt.ok());
  EXPECT_FALSE(noExt->extendedLength);
  EXPECT_TRUE(noExt->commandChaining);
}

TEST(Atr, JavaCardStyleAtr) {
  // A typical JCOP ATR: TA1 TD1(T=1) TA2? Here 3B F8 13 00 00 81 31 FE 45 + "JCOP" ...
  auto info = parseAtr(hex("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->offersT1);
  EXPECT_FALSE(info->offersT0);
  EXPECT_EQ(info->historicalBytes, hex("4A 43 4F 50 76 32 34 31"));
  EXPECT_FALSE(info->extendedLength);
}

TEST(Atr, T0OnlyWithoutTd) {
  auto info = parseAtr(hex("3B 02 14 50"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->offersT0);
  EXPECT_FALSE(info->offersT1);
  EXPECT_EQ(info->historicalBytes, hex("14 50"));
}

TEST(Atr, MalformedAtrsAreErrors) {
  EXPECT_FALSE(parseAtr(hex("3B")).ok());
  EXPECT_FALSE(parseAtr(hex("3B 85 80 01 80 73")).ok());  // historical bytes cut
  EXPECT_FALSE(parseAtr(hex("3B 80 80 01")).ok());        // TCK missing
  EXPECT_FALSE(parseAtr(hex("3B 80")).ok());              // TD1 missing
  EXPECT_FALSE(parseAtr(applets::Bytes(34, 0x3B)).ok());
}

}  // namespace
}  // namespace cardd::drivers::pcsc
