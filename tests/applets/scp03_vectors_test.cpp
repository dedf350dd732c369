// SCP03 against the published vectors of osmocom pySim
// (tests/unittests/test_globalplatform.py, SCP03_Test_AES{128,192,256}_{11,03,33};
// the AES-128 level 11 set is also reproduced in reference/smartcard.md).
// Each set is one session: INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, GET DATA
// (eID) with its response, then four more commands (ISO cases 1-4), in that
// order: the MAC chain and the encryption counter run through all of them.
// The host side must produce every wrapped byte; the card side must accept
// every wrapped command, give back the plain one, and produce the very same
// protected response.
#include <gtest/gtest.h>

#include <ostream>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "scp03/card_session.hpp"
#include "scp03/host_session.hpp"
#include "scp03/initialize_update.hpp"
#include "scp03/kdf.hpp"
#include "test_hex.hpp"

namespace cardd::applets::scp03 {
namespace {

using testing::hex;

struct VectorSet {
  const char* name;
  int keyBits;
  const char* initUpdateCmd;
  const char* initUpdateRsp;
  const char* extAuthCmd;
  const char* getEidCmd;
  const char* getEidRsp;
  const char* cases[4];
};

constexpr const char* kGetEidCmdPlain = "80E2910006BF3E035C015A00";
constexpr const char* kGetEidRspPlain = "bf3e125a1089882119900000000000000000000005";
constexpr const char* kCasesPlain[4] = {"80F22002", "80ca006600", "80F220020a4f0212345c054f9f70c5",
                                        "80f28002024f0000"};

StaticKeys keysFor(int bits) {
  const char* enc = "000102030405060708090a0b0c0d0e0f";
  const char* mac = "101112131415161718191a1b1c1d1e1f";
  const char* dek = "202122232425262728292a2b2c2d2e2f";
  StaticKeys k;
  k.enc = hex(enc);
  k.mac = hex(mac);
  k.dek = hex(dek);
  /* pySim's longer keys repeat the first 8 or 16 bytes. */
  const std::size_t size = static_cast<std::size_t>(bits / 8);
  for (Bytes* key : {&k.enc, &k.mac, &k.dek}) {
    const Bytes base = *key;
    while (key->size() < size) key->push_back(base[key->size() - 16]);
  }
  k.version = static_cast<std::uint8_t>(bits == 128 ? 0x30 : bits == 192 ? 0x31 : 0x32);
  return k;
}

const VectorSet kSets[] = {
    {"AES128_11",
     128,
     "8050300008b13e5f938fc108c400",
     "000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002",
     "84821100107d5f5826a993ebc89eea24957fa0b3ce",
     "84e291000ebf3e035c015a558d036518a2829700",
     "bf3e125a1089882119900000000000000000000005971be68992dbbdfa",
     {"84f220020863a63f8959827fb2", "84ca006608a0c6a4a74166f7ce00",
      "84f22002124f0212345c054f9f70c52249b50272656536", "84f280020a4f00e91443f6dce6b8ed00"}},
    {"AES128_03",
     128,
     "80503000088e1552d0513c60f300",
     "0000000000000000000030037030760cd2c47c1dd395065fe5ead8a9d7000001",
     "8482030010fd4721a14d9b07003c451d2f8ae6bb21",
     "84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00",
     "bf3e125a1089882119900000000000000000000005",
     {"84f2200208c9811b11f1264cf1", "84ca006608e10ab60b3054798800",
      "84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e",
      "84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800"}},
    {"AES128_33",
     128,
     "8050300008fdf38259a1e0de4400",
     "000000000000000000003003703b1aca81e821f219081cdc01c26b372d000003",
     "84823300108c36f96bcc00724a4e13ad591d7da3f0",
     "84e2910018267a85dfe4a98fca6fb0527e0dfecce4914e40401433c87f00",
     "f3ba2b1013aa6224f5e1c138d71805c569e5439b47576260b75fc021b25097cb2e68f8a0144975b9",
     {"84f2200208ac6a59024bed84cc", "84ca006608409912ad8fb7aed000",
      "84f22002185f3dafc3ac14c381536a488bf44e06d056df9d74dbd21e5a",
      "84f280021865165105be3373347d0424d4400af2ac393f569ec779389e00"}},
    {"AES192_11",
     192,
     "80503100087396430b768b085b00",
     "000000000000000000003103708cfc23522ffdbf1e5df5542cac8fd866000003",
     "84821100102145ed30b146f5db252fb7e624cec244",
     "84e291000ebf3e035c015aff42cf801d14394400",
     "bf3e125a1089882119900000000000000000000005162fbd33e04940a9",
     {"84f22002084584e4f6784811ee", "84ca006608937776ebe190fa3000",
      "84f22002124f0212345c054f9f70c59a52bddf3040368c", "84f280020a4f009804b11411f7393d00"}},
    {"AES192_03",
     192,
     "805031000869c65da8202bf19f00",
     "00000000000000000000310370b570a67be38446717729d6dd3d2ec5b1000001",
     "848203001065df4f1a356a887905466516d9e5b7c1",
     "84e2910018d2c6fb477c5d4afe4fd4d21f17eff10d3578ec1774a12a2d00",
     "bf3e125a1089882119900000000000000000000005",
     {"84f2200208964e188f0b1bb697", "84ca006608f0820035a41d3e1800",
      "84f220021806b076ed452cd1fa84f77f5c08a146aa77a9286757dea791",
      "84f2800218d06527e39222dce091fabdb8e9b898417a67a6852d3577db00"}},
    {"AES192_33",
     192,
     "80503100089b3f2eef0e8c937400",
     "00000000000000000000310370f6bb305a15bae1a68f79fb08212fbed7000002",
     "84823300109100bc22d58b45b86a26365ce39ff3cf",
     "84e29100188f7f946c84f70d17994bc6e8791251bb1bb1bf02cf8de58900",
     "c05176c1b6f72aae50c32cbee63b0e95998928fd4dfb2be9f27ffde8c8476f5909b4805cc4039599",
     {"84f2200208d5d97754b6b3d2ba", "84ca006608516c82b8e30adbeb00",
      "84f2200218cc247f4761e6944277a4e0d6e32e44025b1e31537e2fc668",
      "84f2800218ba22b63d509bef5d093b43e5eaed03ed23144ab2d9cb51de00"}},
    {"AES256_11",
     256,
     "805032000811666d57866c6f5400",
     "0000000000000000000032037053ea8847efa7674e41498a4d66cf0dee000003",
     "84821100102f2ad190eff2fafc4908996d1cebd310",
     "84e291000ebf3e035c015af4b680372542b59d00",
     "bf3e125a10898821199000000000000000000000058012dd7f01f1c4c1",
     {"84f2200208d618b7da68d5fe52", "84ca0066088f3e055db23ad5e500",
      "84f22002124f0212345c054f9f70c5b6e15cc42404915e", "84f280020a4f00aa124aa74afe7f7500"}},
    {"AES256_03",
     256,
     "8050320008c6066990fc426e1d00",
     "000000000000000000003203708682cd81bbd8919f2de3f2664581f118000001",
     "848203001077c493b632edadaf865a1e64acc07ce9",
     "84e29100183ddaa60594963befaada3525b492ede23c2ab2c1ce3afe4400",
     "bf3e125a1089882119900000000000000000000005",
     {"84f2200208480ddc8e419da38d", "84ca0066083e9d6a6c0b2d732000",
      "84f22002183ebfef2da8b04af2a85f491f299b76973df76ff08a4031be",
      "84f2800218783fff80990f5585b1055010ea95094a26e4a8f1ef4b18e100"}},
    {"AES256_33",
     256,
     "805032000897b2055fe58599fd00",
     "00000000000000000000320370a8439a22cedf045fa9f1903b2834f26e000002",
     "8482330010508a0fd959d2e547c6b33154a6be2057",
     "84e29100187a5ef717eaf1e135ae92fe54429d0e465decda65f5fe5aea00",
     "ea90dbfa648a67c5eb6abc57f8530b97d0cd5647c5e8732016b55203b078dd2ace7f8bc5d1c1cd99",
     {"84f2200208bcc5c17275545d93", "84ca00660804806aba9d543bb600",
      "84f2200218717222491556ec81a45f49ce48be33320024801a1c4cb0e0",
      "84f2800218561f105bccd3a1642904b251ccc1228beb80a82370a8637000"}},
};

void PrintTo(const VectorSet& v, std::ostream* os) {
  *os << v.name;
}

class Scp03Vectors : public ::testing::TestWithParam<VectorSet> {};

apdu::CommandApdu command(const char* h) {
  auto c = apdu::parseCommandApdu(hex(h));
  EXPECT_TRUE(c.ok()) << h;
  return c.ok() ? *c : apdu::CommandApdu{};
}

Bytes encode(const Result<apdu::CommandApdu>& c) {
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  if (!c.ok()) return {};
  auto bytes = apdu::encodeCommandApdu(*c);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : Bytes{};
}

TEST_P(Scp03Vectors, HostProducesEveryByte) {
  const VectorSet& v = GetParam();
  const StaticKeys keys = keysFor(v.keyBits);
  const Bytes iuCmd = hex(v.initUpdateCmd);
  const Bytes hostChallenge(iuCmd.begin() + 5, iuCmd.begin() + 13);

  EXPECT_EQ(encode(initializeUpdateCommand(keys.version, hostChallenge)), iuCmd);
  auto iu = parseInitializeUpdateResponse(hex(v.initUpdateRsp));
  ASSERT_TRUE(iu.ok()) << iu.error().message;
  EXPECT_EQ(iu->keyVersion, keys.version);
  EXPECT_EQ(iu->sequenceCounter.size(), 3u);

  const auto level = static_cast<SecurityLevel>(hex(v.extAuthCmd)[2]);
  auto session = HostSession::open(keys, hostChallenge, *iu, level);
  ASSERT_TRUE(session.ok()) << session.error().message;  // card cryptogram verified
  EXPECT_EQ(encode(session->externalAuthenticate()), hex(v.extAuthCmd));
  ASSERT_TRUE(session->confirmExternalAuthenticate({{}, 0x9000}).ok());

  EXPECT_EQ(encode(session->wrap(command(kGetEidCmdPlain))), hex(v.getEidCmd));
  auto rsp = session->unwrap({hex(v.getEidRsp), 0x9000});
  ASSERT_TRUE(rsp.ok()) << rsp.error().message;
  EXPECT_EQ(rsp->data, hex(kGetEidRspPlain));

  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(encode(session->wrap(command(kCasesPlain[i]))), hex(v.cases[i])) << "case " << i + 1;
  }
  EXPECT_EQ(session->encryptionCounter(), 5u);
}

TEST_P(Scp03Vectors, CardAcceptsEveryCommandAndAnswersTheSameBytes) {
  const VectorSet& v = GetParam();
  const StaticKeys keys = keysFor(v.keyBits);
  auto request = parseInitializeUpdateCommand(command(v.initUpdateCmd));
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->keyVersion, keys.version);

  auto published = parseInitializeUpdateResponse(hex(v.initUpdateRsp));
  ASSERT_TRUE(published.ok());
  CardIdentity identity;
  identity.kdd = published->kdd;
  identity.iParameter = published->iParameter;
  identity.sequenceCounter = published->sequenceCounter;
  auto card = CardSession::begin(keys, identity, request->hostChallenge, published->cardChallenge);
  ASSERT_TRUE(card.ok()) << card.error().message;
  auto iuData = card->initializeUpdateResponse().encode();
  ASSERT_TRUE(iuData.ok());
  EXPECT_EQ(*iuData, hex(v.initUpdateRsp));  // card cryptogram generated

  ASSERT_TRUE(card->verifyExternalAuthenticate(command(v.extAuthCmd)).ok());
  EXPECT_TRUE(card->isOpen());

  auto eid = card->unwrapCommand(command(v.getEidCmd));
  ASSERT_TRUE(eid.ok()) << eid.error().message;
  EXPECT_EQ(*eid, command(kGetEidCmdPlain));
  auto answer = card->wrapResponse({hex(kGetEidRspPlain), 0x9000});
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->data, hex(v.getEidRsp));  // R-MAC (and R-ENC) generated

  for (int i = 0; i < 4; ++i) {
    auto plain = card->unwrapCommand(command(v.cases[i]));
    ASSERT_TRUE(plain.ok()) << "case " << i + 1 << ": " << plain.error().message;
    EXPECT_EQ(*plain, command(kCasesPlain[i])) << "case " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(PySim, Scp03Vectors, ::testing::ValuesIn(kSets),
                         [](const ::testing::TestParamInfo<VectorSet>& param) {
                           return std::string(param.param.name);
                         });

TEST(Scp03ReferenceVector, SessionKeysOfSmartcardMd) {
  /* reference/smartcard.md: AES-128 KVN 30, level 11. */
  const StaticKeys keys = keysFor(128);
  auto keysOut = deriveSessionKeys(keys, hex("b13e5f938fc108c4"), hex("3eb51047495b249f"));
  ASSERT_TRUE(keysOut.ok());
  EXPECT_EQ(keysOut->enc, hex("c4e87149f2114da66bb015a567d751f9"));
  EXPECT_EQ(keysOut->mac, hex("8b2635556e987a6b84f43d9ffc197d3f"));
  EXPECT_EQ(keysOut->rmac, hex("3f6b2ce3b3abd9a99bd4453afa54cc7b"));
  auto card = cardCryptogram(keysOut->mac, hex("b13e5f938fc108c4"), hex("3eb51047495b249f"));
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(*card, hex("66c484c1d2ef1948"));
  auto host = hostCryptogram(keysOut->mac, hex("b13e5f938fc108c4"), hex("3eb51047495b249f"));
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(*host, hex("7d5f5826a993ebc8"));
}

}  // namespace
}  // namespace cardd::applets::scp03
