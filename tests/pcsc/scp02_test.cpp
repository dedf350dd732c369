// SCP02 host side against published vectors. Sources (each vector cites its
// file; the values were produced by those projects' implementations and
// cross-checked here, none of their code is used):
//   [pysim]   osmocom/pysim tests/unittests/test_globalplatform.py,
//             classes SCP02_Auth_Test and SCP02_Test: a full session
//             (host challenge, INITIALIZE UPDATE response, EXTERNAL
//             AUTHENTICATE, four C-MAC-wrapped commands)
//   [keycard] status-im/keycard-go globalplatform/crypto/crypto_test.go
//             (session key derivation, card cryptogram, full 3DES MAC,
//             retail MAC), globalplatform/commands_test.go (host cryptogram),
//             globalplatform/scp02_wrapper_test.go (C-MAC with ICV
//             encryption), globalplatform/session_test.go (card cryptogram of
//             a real card's INITIALIZE UPDATE response)
//   [omfgp]   miketlk/omfgp tests/omfgp/scp02_test.py (C-MAC, R-MAC, ENC
//             session keys)
// Not covered by a published vector: C-DECRYPTION (level 03) and the DEK
// session key; they are checked here by decrypting what wrap() produced.

#include <gtest/gtest.h>

#include "apdu/command_apdu.hpp"
#include "scp02/crypto.hpp"
#include "scp02/des.hpp"
#include "scp02/host_session.hpp"
#include "test_hex.hpp"

namespace cardd::applets::scp02 {
namespace {

using applets::testing::hex;

std::string encoded(const apdu::CommandApdu& c) {
  auto bytes = apdu::encodeCommandApdu(c);
  EXPECT_TRUE(bytes.ok());
  return bytes ? toHex(*bytes) : std::string();
}

apdu::CommandApdu parsed(std::string_view text) {
  auto c = apdu::parseCommandApdu(hex(text));
  EXPECT_TRUE(c.ok()) << text;
  return c ? *c : apdu::CommandApdu{};
}

TEST(Scp02Vectors, SessionKeyDerivation) {
  const Bytes key = hex("404142434445464748494A4B4C4D4E4F");
  // [omfgp] sequence counter 0007.
  EXPECT_EQ(toHex(*deriveSessionKey(key, derivation::kCMac, hex("0007"))),
            "7A227D376A9DBE23AB50B7DCB45B2093");
  EXPECT_EQ(toHex(*deriveSessionKey(key, derivation::kRMac, hex("0007"))),
            "EF14C57DB4BB9015E88963D9D920A588");
  EXPECT_EQ(toHex(*deriveSessionKey(key, derivation::kEnc, hex("0007"))),
            "A2268F71917EFE0F33CC6166E1154E27");
  // [keycard] TestDeriveKey, sequence counter 0065.
  EXPECT_EQ(toHex(*deriveSessionKey(key, derivation::kEnc, hex("0065"))),
            "85E72AAF47874218A202BF5EF891DD21");
}

TEST(Scp02Vectors, MacsAndCryptograms) {
  const Bytes zero(8, 0x00);
  // [keycard] TestMac3des: the card cryptogram as a full 3DES MAC.
  EXPECT_EQ(toHex(*fullTripleDesMac(hex("16B5867FF50BE7239C2BF1245B83A362"), zero,
                                    hex("32DA078D7AAC1CFF007284F64A7D6465"))),
            "05C4BB8A86014E22");
  // [keycard] TestVerifyCryptogram: same inputs through cardCryptogram().
  EXPECT_EQ(toHex(*cardCryptogram(hex("16B5867FF50BE7239C2BF1245B83A362"), hex("32da078d7aac1cff"),
                                  hex("0072"), hex("84f64a7d6465"))),
            "05C4BB8A86014E22");
  // [keycard] TestCalculateHostCryptogram (card challenge there = seq ‖ challenge).
  EXPECT_EQ(toHex(*hostCryptogram(hex("0EF72A1065236DD6CAC718D5E3F379A4"), hex("266195e638da1b95"),
                                  hex("0076"), hex("a6c0d55e9535"))),
            "45A5F48DAE68203C");
  // [keycard] TestMacFull3DES (which is the ISO 9797-1 algorithm 3 retail MAC).
  EXPECT_EQ(toHex(*retailMac(hex("5b02e75ad63190aece0622936f11abab"), zero,
                             hex("8482010010810b098a8fbb88da"))),
            "5271D7174A5A166A");
}

TEST(Scp02Vectors, PySimFullSession) {
  // [pysim] keys KVN 20: ENC 10 01 02.., MAC 10 11 02.., DEK 10 21 02..
  StaticKeys keys;
  keys.version = 0x20;
  keys.enc = hex("100102030405060708090a0b0c0d0e0f");
  keys.mac = hex("101102030405060708090a0b0c0d0e0f");
  keys.dek = hex("102102030405060708090a0b0c0d0e0f");
  const Bytes hostChallenge = hex("40A62C37FA6304F8");

  auto iu = initializeUpdateCommand(0x20, hostChallenge);
  ASSERT_TRUE(iu.ok());
  EXPECT_EQ(encoded(*iu), "805020000840A62C37FA6304F800");

  auto response = parseInitializeUpdateResponse(
      hex("00000000000000000000700200016B4524ABEE7CF32EA3838BC148F3"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->keyVersion, 0x70);
  EXPECT_EQ(response->sequenceCounter, hex("0001"));
  EXPECT_EQ(response->cardChallenge, hex("6B4524ABEE7C"));

  HostSession::Options options;
  options.level = level::kCMac;
  options.iParameter = iparam::kI55;
  auto session = HostSession::open(keys, hostChallenge, *response, options);
  ASSERT_TRUE(session.ok()) << session.error().message;
  auto ea = session->externalAuthenticate();
  ASSERT_TRUE(ea.ok());
  EXPECT_EQ(encoded(*ea), "8482010010BA6961667737C5BCEBECE14C7D6A4376");
  ASSERT_TRUE(session->confirmExternalAuthenticate({{}, 0x9000}).ok());

  // The four ISO cases, C-MAC chained with ICV encryption.
  const std::pair<const char*, const char*> cases[] = {
      {"80F22002", "84F220020814DB34FA4341DCA8"},
      {"80ca006600", "84CA00660855ED7C5FF069512B00"},
      {"80F220020a4f0212345c054f9f70c5", "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"},
      {"80f28002024f0000", "84F280020A4F003B95F09317DE6A4E00"},
  };
  for (const auto& [plain, expected] : cases) {
    auto wrapped = session->wrap(parsed(plain));
    ASSERT_TRUE(wrapped.ok()) << wrapped.error().message;
    EXPECT_EQ(encoded(*wrapped), expected) << plain;
  }
}

TEST(Scp02Vectors, PySimWrongCardCryptogramIsRefused) {
  StaticKeys keys;
  keys.enc = hex("100102030405060708090a0b0c0d0e0f");
  keys.mac = hex("101102030405060708090a0b0c0d0e0f");
  keys.dek = hex("102102030405060708090a0b0c0d0e0f");
  auto response = parseInitializeUpdateResponse(
      hex("00000000000000000000700200016B4524ABEE7CF32EA3838BC148FF"));
  ASSERT_TRUE(response.ok());
  auto session = HostSession::open(keys, hex("40A62C37FA6304F8"), *response, {});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, ErrorCode::IntegrityCheckFailed);
}

TEST(Scp02Vectors, KeycardRealCardCryptogramVerifies) {
  // [keycard] TestNewSession: one key for ENC and MAC, a real card's response.
  StaticKeys keys;
  keys.enc = keys.mac = keys.dek = hex("404142434445464748494a4b4c4d4e4f");
  auto response = parseInitializeUpdateResponse(
      hex("000002650183039536622002000de9c62ba1c4c8e55fcb91b6654ce4"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->keyVersion, 0x20);
  auto session = HostSession::open(keys, hex("f0467f908e5ca23f"), *response, {});
  EXPECT_TRUE(session.ok()) << session.error().message;
}

TEST(Scp02Vectors, KeycardIcvEncryptedCMac) {
  // [keycard] TestSCP02Wrapper_Wrap: S-C-MAC given, first command ICV zero.
  const Bytes cmac = hex("2983BA77D709C2DAA1E6000ABCCAC951");
  auto first = retailMac(cmac, Bytes(8, 0x00), hex("8482010010 1d4de92eaf7a2c9f"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(toHex(*first), "8F9B0DF681C1D3EC");
  auto icv = encryptIcv(cmac, *first);
  ASSERT_TRUE(icv.ok());
  auto second = retailMac(cmac, *icv, hex("84F280020A 4F00"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(toHex(*second), "30F149209E17B397");
}

TEST(Scp02Session, CDecryptionEncryptsThenCarriesTheMacOfThePlainData) {
  StaticKeys keys;
  keys.enc = hex("100102030405060708090a0b0c0d0e0f");
  keys.mac = hex("101102030405060708090a0b0c0d0e0f");
  keys.dek = hex("102102030405060708090a0b0c0d0e0f");
  auto response = parseInitializeUpdateResponse(
      hex("00000000000000000000700200016B4524ABEE7CF32EA3838BC148F3"));
  ASSERT_TRUE(response.ok());
  HostSession::Options options;
  options.level = level::kCDecryptionCMac;
  auto session = HostSession::open(keys, hex("40A62C37FA6304F8"), *response, options);
  ASSERT_TRUE(session.ok());
  auto ea = session->externalAuthenticate();
  ASSERT_TRUE(ea.ok());
  EXPECT_EQ(ea->p1, 0x03);
  ASSERT_TRUE(session->confirmExternalAuthenticate({{}, 0x9000}).ok());

  const Bytes secret = hex("0102030405060708090A");
  apdu::CommandApdu put = parsed("80D80101 0A 0102030405060708090A");
  auto wrapped = session->wrap(put);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().message;
  ASSERT_EQ(wrapped->data.size(), 16u + 8u);
  EXPECT_EQ(wrapped->cla, 0x84);
  auto plain =
      tdesCbcDecrypt(session->sessionKeys().enc, Bytes(8, 0x00), ByteView(wrapped->data).first(16));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*unpad80(*plain), secret);
  // The command without data is MACed but not encrypted.
  auto bare = session->wrap(parsed("80F22002"));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->data.size(), 8u);
}

TEST(Scp02Session, OrderAndLevels) {
  StaticKeys keys;
  keys.enc = hex("100102030405060708090a0b0c0d0e0f");
  keys.mac = hex("101102030405060708090a0b0c0d0e0f");
  keys.dek = hex("102102030405060708090a0b0c0d0e0f");
  auto response = parseInitializeUpdateResponse(
      hex("00000000000000000000700200016B4524ABEE7CF32EA3838BC148F3"));
  ASSERT_TRUE(response.ok());
  HostSession::Options rmac;
  rmac.level = 0x11;
  EXPECT_FALSE(HostSession::open(keys, hex("40A62C37FA6304F8"), *response, rmac).ok());
  auto session = HostSession::open(keys, hex("40A62C37FA6304F8"), *response, {});
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(session->wrap(parsed("80F22002")).ok());  // before EXTERNAL AUTHENTICATE
  ASSERT_TRUE(session->externalAuthenticate().ok());
  EXPECT_FALSE(session->externalAuthenticate().ok());
  EXPECT_FALSE(session->confirmExternalAuthenticate({{}, 0x6300}).ok());
  EXPECT_FALSE(session->isOpen());
  EXPECT_FALSE(session->wrap(parsed("80F22002")).ok());

  EXPECT_FALSE(
      parseInitializeUpdateResponse(hex("00000000000000000000700300016B4524ABEE7CF32EA3838BC148F3"))
          .ok());
  EXPECT_FALSE(parseInitializeUpdateResponse(hex("0000")).ok());
}

TEST(Scp02Primitives, PaddingAndKcv) {
  EXPECT_EQ(pad80(hex("AABB")), hex("AABB800000000000"));
  EXPECT_EQ(pad80(hex("01020304050607")), hex("0102030405060780"));
  EXPECT_EQ(pad80(hex("0102030405060708")), hex("01020304050607088000000000000000"));
  EXPECT_EQ(*unpad80(hex("AABB800000000000")), hex("AABB"));
  EXPECT_FALSE(unpad80(hex("AABB000000000000")).ok());
  // Key check value of the GP default key 404142..4F (widely published: 8BAF47).
  EXPECT_EQ(toHex(*keyCheckValue(hex("404142434445464748494A4B4C4D4E4F"))), "8BAF47");
  EXPECT_FALSE(tdesEcbEncrypt(hex("0102"), Bytes(8, 0)).ok());
}

}  // namespace
}  // namespace cardd::applets::scp02
