// AES/CMAC wrappers, padding, the SCP03 KDF and KDF3 key diversification,
// against published vectors:
//   - AES-CMAC: NIST SP 800-38B / RFC 4493 examples;
//   - key check values: pySim tests/unittests/test_globalplatform.py
//     (SCP03_KCV_Test) and GlobalPlatformPro TestPlaintextKeys;
//   - SCP03 KDF with a 10-byte context: GlobalPlatformPro TestPlaintextKeys
//     (testSessionKeys_SCP03, checked through the keys' KCVs);
//   - KDF3: GlobalPlatformPro TestSCP03.testKDF3 (full AES-256 key) and
//     TestPlaintextKeys (KCVs of diversified AES-128/192/256 key sets).
#include <gtest/gtest.h>

#include "scp03/aes.hpp"
#include "scp03/diversification.hpp"
#include "scp03/kdf.hpp"
#include "scp03/padding.hpp"
#include "test_hex.hpp"

namespace cardd::applets::scp03 {
namespace {

using testing::hex;

std::string kcvHex(ByteView key) {
  auto kcv = keyCheckValue(key);
  EXPECT_TRUE(kcv.ok());
  return kcv.ok() ? toHex(*kcv) : "";
}

TEST(Aes, CmacMatchesRfc4493) {
  const Bytes key = hex("2b7e151628aed2a6abf7158809cf4f3c");
  auto empty = aesCmac(key, Bytes{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, hex("bb1d6929e95937287fa37d129b756746"));
  auto one = aesCmac(key, hex("6bc1bee22e409f96e93d7e117393172a"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, hex("070a16b46b4d4144f79bdd9dd04a287c"));
}

TEST(Aes, RejectsBadSizes) {
  EXPECT_FALSE(aesCmac(Bytes(15, 0), Bytes{}).ok());
  EXPECT_FALSE(aesEncryptBlock(Bytes(16, 0), Bytes(15, 0)).ok());
  EXPECT_FALSE(aesCbcEncrypt(Bytes(16, 0), Bytes(16, 0), Bytes(17, 0)).ok());
  EXPECT_FALSE(aesCbcEncrypt(Bytes(16, 0), Bytes(8, 0), Bytes(16, 0)).ok());
  EXPECT_EQ(aesCmac(Bytes(20, 0), Bytes{}).error().code, ErrorCode::InvalidArgument);
}

TEST(Aes, CbcRoundTripAllKeySizes) {
  for (std::size_t keySize : {16u, 24u, 32u}) {
    const Bytes key(keySize, 0x42);
    const Bytes iv(16, 0x01);
    const Bytes plain(48, 0x5A);
    auto cipher = aesCbcEncrypt(key, iv, plain);
    ASSERT_TRUE(cipher.ok());
    EXPECT_NE(*cipher, plain);
    auto back = aesCbcDecrypt(key, iv, *cipher);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, plain);
  }
}

TEST(Aes, KeyCheckValues) {
  /* pySim SCP03_KCV_Test. */
  EXPECT_EQ(kcvHex(hex("000102030405060708090a0b0c0d0e0f")), "C35280");
  EXPECT_EQ(kcvHex(hex("101112131415161718191a1b1c1d1e1f")), "013808");
  EXPECT_EQ(kcvHex(hex("202122232425262728292a2b2c2d2e2f")), "840DE5");
  /* GlobalPlatformPro: the static DEK 404142...4F. */
  EXPECT_EQ(kcvHex(hex("404142434445464748494A4B4C4D4E4F")), "504A77");
}

TEST(Padding, Pad80AndBack) {
  EXPECT_EQ(pad80(hex("01")), hex("01800000000000000000000000000000"));
  EXPECT_EQ(pad80(Bytes{}), hex("80000000000000000000000000000000"));
  EXPECT_EQ(pad80(Bytes(16, 0x11)).size(), 32u);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 31u}) {
    auto back = unpad80(pad80(Bytes(n, 0x00)));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(back->size(), n);
  }
  EXPECT_FALSE(unpad80(Bytes(16, 0x00)).ok());
  EXPECT_FALSE(unpad80(hex("01020304050607080910111213141516")).ok());
  EXPECT_FALSE(unpad80(Bytes(15, 0x80)).ok());
  EXPECT_FALSE(unpad80(Bytes{}).ok());
  /* The 80 must be within the last block. */
  Bytes twoBlocks(32, 0x00);
  twoBlocks[15] = 0x80;
  EXPECT_FALSE(unpad80(twoBlocks).ok());
}

TEST(Kdf, SessionKeysWithTenByteContext) {
  /* GlobalPlatformPro testSessionKeys_SCP03: static keys 404142...4F,
     context = KDD 00010203040506070809. */
  const Bytes key = hex("404142434445464748494A4B4C4D4E4F");
  const Bytes context = hex("00010203040506070809");
  auto enc = deriveScp03(key, kdf::kSessionEnc, 128, context);
  auto mac = deriveScp03(key, kdf::kSessionMac, 128, context);
  auto rmac = deriveScp03(key, kdf::kSessionRmac, 128, context);
  ASSERT_TRUE(enc.ok() && mac.ok() && rmac.ok());
  EXPECT_EQ(kcvHex(*enc), "C25559");
  EXPECT_EQ(kcvHex(*mac), "0E12CC");
  EXPECT_EQ(kcvHex(*rmac), "9ACB9C");
}

TEST(Kdf, StructureOfOneBlock) {
  /* The fixed input is 00×11 ‖ constant ‖ 00 ‖ L ‖ i ‖ context. */
  const Bytes key(16, 0x33);
  const Bytes context = hex("0102030405060708 1112131415161718");
  auto derived = deriveScp03(key, 0x04, 128, context);
  ASSERT_TRUE(derived.ok());
  Bytes input(11, 0x00);
  append(input, hex("04 00 0080 01"));
  append(input, context);
  auto direct = aesCmac(key, input);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*derived, *direct);
  /* 64-bit outputs are the first half of a block computed with L = 0040. */
  auto half = deriveScp03(key, 0x00, 64, context);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->size(), 8u);
  EXPECT_FALSE(deriveScp03(key, 0x00, 63, context).ok());
  EXPECT_FALSE(deriveScp03(key, 0x00, 0, context).ok());
}

TEST(Kdf, PseudoRandomCardChallengeStructure) {
  /* No external vector: checks the documented input (constant 02, L 64,
     context = sequence counter ‖ AID). */
  const Bytes key(16, 0x21);
  const Bytes seq = hex("000002");
  const Bytes aid = hex("A000000247 1001");
  auto challenge = pseudoRandomCardChallenge(key, seq, aid);
  ASSERT_TRUE(challenge.ok());
  Bytes context = seq;
  append(context, aid);
  auto expected = deriveScp03(key, kdf::kCardChallenge, 64, context);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*challenge, *expected);
  EXPECT_FALSE(pseudoRandomCardChallenge(key, hex("0002"), aid).ok());
  EXPECT_FALSE(pseudoRandomCardChallenge(key, seq, hex("A0")).ok());
}

TEST(Kdf, SessionKeysRejectBadInput) {
  StaticKeys keys{0x30, Bytes(16, 1), Bytes(16, 2), Bytes(16, 3)};
  EXPECT_TRUE(deriveSessionKeys(keys, Bytes(8, 0), Bytes(8, 0)).ok());
  EXPECT_FALSE(deriveSessionKeys(keys, Bytes(7, 0), Bytes(8, 0)).ok());
  keys.mac = Bytes(24, 2);
  EXPECT_FALSE(deriveSessionKeys(keys, Bytes(8, 0), Bytes(8, 0)).ok());
}

TEST(Diversification, Kdf3ExternalVector) {
  /* GlobalPlatformPro TestSCP03.testKDF3: the ENC key of an AES-256 master. */
  const Bytes master = hex("8C72C72CF908411653018807950D82FBAD947562F0828A0B10B8B9606ABF3BCD");
  const Bytes kdd = hex("D9B1DE5D0362DEDCE4FB");
  auto enc = diversifyKdf3(master, KeyType::Enc, kdd);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, hex("9AAC5D0B3601F89438A0D9D0B6B256CFB47E6462DFA5228D3420C4AC7C224781"));
}

TEST(Diversification, Kdf3KeySetsByKcv) {
  /* GlobalPlatformPro TestPlaintextKeys, KDD 00010203040506070809. */
  const Bytes kdd = hex("00010203040506070809");
  struct Case {
    const char* master;
    const char* enc;
    const char* mac;
    const char* dek;
  };
  const Case cases[] = {
      {"404142434445464748494A4B4C4D4E4F", "E79C05", "D1BD77", "3FDE8C"},
      {"404142434445464748494A4B4C4D4E4F5051525354555657", "1DE8EA", "47C00C", "C04D76"},
      {"404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F", "2972D2", "036F94",
       "5D57B8"},
  };
  for (const auto& c : cases) {
    const Bytes master = hex(c.master);
    auto keys = diversifyKeySetKdf3(master, kdd, 0x30);
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->enc.size(), master.size());
    EXPECT_EQ(kcvHex(keys->enc), c.enc) << c.master;
    EXPECT_EQ(kcvHex(keys->mac), c.mac) << c.master;
    EXPECT_EQ(kcvHex(keys->dek), c.dek) << c.master;
    EXPECT_EQ(keys->version, 0x30);
  }
}

TEST(Diversification, Kdf3Structure) {
  /* block i = CMAC(master, i ‖ 000000 ‖ keytype ‖ 00 ‖ KDD). */
  const Bytes master(16, 0x77);
  const Bytes kdd = hex("00112233445566778899");
  auto mac = diversifyKdf3(master, KeyType::Mac, kdd);
  ASSERT_TRUE(mac.ok());
  Bytes input = hex("01 000000 02 00");
  append(input, kdd);
  auto direct = aesCmac(master, input);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*mac, *direct);
  EXPECT_FALSE(diversifyKdf3(Bytes(10, 0), KeyType::Enc, kdd).ok());
  EXPECT_FALSE(diversifyKdf3(master, KeyType::Enc, Bytes{}).ok());
}

}  // namespace
}  // namespace cardd::applets::scp03
