// Host ↔ card SCP03 sessions run against each other: every security level and
// key size, commands with and without data, short and extended lengths,
// error responses, and tampering (a flipped bit anywhere a MAC or cryptogram
// covers is refused and closes the session).
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <ostream>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "scp03/card_session.hpp"
#include "scp03/diversification.hpp"
#include "scp03/host_session.hpp"
#include "scp03/initialize_update.hpp"
#include "test_hex.hpp"

namespace cardd::applets::scp03 {
namespace {

using testing::hex;

StaticKeys keysOfSize(std::size_t size) {
  StaticKeys k;
  k.version = 0x30;
  k.enc = Bytes(size, 0x11);
  k.mac = Bytes(size, 0x22);
  k.dek = Bytes(size, 0x33);
  for (std::size_t i = 0; i < size; ++i) {
    k.enc[i] = static_cast<std::uint8_t>(k.enc[i] + i);
    k.mac[i] = static_cast<std::uint8_t>(k.mac[i] + 3 * i);
  }
  return k;
}

apdu::CommandApdu updateBinary(std::size_t n, std::size_t ne = 0) {
  apdu::CommandApdu c;
  c.cla = 0x00;
  c.ins = 0xD6;
  c.p1 = 0x00;
  c.p2 = 0x10;
  c.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) c.data[i] = static_cast<std::uint8_t>(i * 7);
  c.ne = ne;
  return c;
}

/* A host and a card with an open session at `level`. */
struct Pair {
  std::optional<HostSession> host;
  std::optional<CardSession> card;
};

Pair openPair(const StaticKeys& keys, SecurityLevel level) {
  Pair p;
  const Bytes hostChallenge = hex("0102030405060708");
  const Bytes cardChallenge = hex("A1A2A3A4A5A6A7A8");
  auto iu = initializeUpdateCommand(keys.version, hostChallenge);
  EXPECT_TRUE(iu.ok());
  auto request = parseInitializeUpdateCommand(*iu);
  EXPECT_TRUE(request.ok());
  CardIdentity identity;
  identity.kdd = hex("00112233445566778899");
  identity.sequenceCounter = hex("000007");
  auto card = CardSession::begin(keys, identity, request->hostChallenge, cardChallenge);
  EXPECT_TRUE(card.ok());
  auto wire = card->initializeUpdateResponse().encode();
  EXPECT_TRUE(wire.ok());
  auto parsed = parseInitializeUpdateResponse(*wire);
  EXPECT_TRUE(parsed.ok());
  auto host = HostSession::open(keys, hostChallenge, *parsed, level);
  EXPECT_TRUE(host.ok()) << (host.ok() ? "" : host.error().message);
  auto ea = host->externalAuthenticate();
  EXPECT_TRUE(ea.ok());
  EXPECT_TRUE(card->verifyExternalAuthenticate(*ea).ok());
  EXPECT_TRUE(host->confirmExternalAuthenticate({{}, 0x9000}).ok());
  p.host.emplace(std::move(host).value());
  p.card.emplace(std::move(card).value());
  return p;
}

/* Wraps, sends through the wire encoding, unwraps on the card, answers, and
   unwraps the answer on the host. */
void exchange(Pair& p, const apdu::CommandApdu& plain, const apdu::ResponseApdu& answer) {
  auto wrapped = p.host->wrap(plain);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().message;
  auto wire = apdu::encodeCommandApdu(*wrapped);
  ASSERT_TRUE(wire.ok());
  auto received = apdu::parseCommandApdu(*wire);
  ASSERT_TRUE(received.ok());
  auto unwrapped = p.card->unwrapCommand(*received);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.error().message;
  EXPECT_EQ(unwrapped->cla, plain.cla);
  EXPECT_EQ(unwrapped->ins, plain.ins);
  EXPECT_EQ(unwrapped->data, plain.data);
  EXPECT_EQ(unwrapped->ne, plain.ne);

  auto protectedAnswer = p.card->wrapResponse(answer);
  ASSERT_TRUE(protectedAnswer.ok());
  auto back = apdu::parseResponseApdu(protectedAnswer->encode());
  ASSERT_TRUE(back.ok());
  auto plainAnswer = p.host->unwrap(*back);
  ASSERT_TRUE(plainAnswer.ok()) << plainAnswer.error().message;
  if (answer.sw == 0x9000 || (answer.sw >> 8) == 0x62 || (answer.sw >> 8) == 0x63) {
    EXPECT_EQ(*plainAnswer, answer);
  } else {
    EXPECT_EQ(plainAnswer->sw, answer.sw);
  }
}

struct LevelAndKey {
  SecurityLevel level;
  std::size_t keySize;
};

void PrintTo(const LevelAndKey& v, std::ostream* os) {
  *os << "level " << int(v.level) << ", AES-" << v.keySize * 8;
}

class Scp03RoundTrip : public ::testing::TestWithParam<LevelAndKey> {};

TEST_P(Scp03RoundTrip, ManyCommandsBothWays) {
  const auto [level, keySize] = GetParam();
  Pair p = openPair(keysOfSize(keySize), level);
  ASSERT_TRUE(p.host && p.card);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 200u}) {
    exchange(p, updateBinary(n), {{}, 0x9000});
    exchange(p, updateBinary(n, 256), {Bytes(n, 0x5C), 0x9000});
  }
  exchange(p, updateBinary(4), {{}, 0x6A82});                           // error: no protection
  exchange(p, updateBinary(4, 256), {hex("0102"), 0x6282});             // warning: protected
  exchange(p, updateBinary(1000, 65536), {Bytes(3000, 0x01), 0x9000});  // extended
  EXPECT_EQ(p.host->encryptionCounter(), p.card->encryptionCounter());
  EXPECT_TRUE(p.host->isOpen());
  EXPECT_TRUE(p.card->isOpen());
}

INSTANTIATE_TEST_SUITE_P(Levels, Scp03RoundTrip,
                         ::testing::Values(LevelAndKey{0x00, 16}, LevelAndKey{0x01, 16},
                                           LevelAndKey{0x03, 16}, LevelAndKey{0x11, 16},
                                           LevelAndKey{0x13, 24}, LevelAndKey{0x33, 16},
                                           LevelAndKey{0x33, 24}, LevelAndKey{0x33, 32}),
                         [](const ::testing::TestParamInfo<LevelAndKey>& param) {
                           char name[32];
                           std::snprintf(name, sizeof name, "L%02X_AES%zu", param.param.level,
                                         param.param.keySize * 8);
                           return std::string(name);
                         });

TEST(Scp03Session, DiversifiedKeysOnBothSides) {
  /* The station derives the card's keys from a master key and the KDD the
     card reports; the card holds those keys. */
  const Bytes master = hex("404142434445464748494A4B4C4D4E4F");
  const Bytes kdd = hex("00112233445566778899");
  auto cardKeys = diversifyKeySetKdf3(master, kdd, 0x30);
  ASSERT_TRUE(cardKeys.ok());
  Pair p = openPair(*cardKeys, 0x33);
  ASSERT_TRUE(p.host && p.card);
  exchange(p, updateBinary(40, 256), {Bytes(10, 0x01), 0x9000});

  /* The master key itself does not open the channel. */
  const Bytes hc = hex("0102030405060708");
  CardIdentity identity;
  identity.kdd = kdd;
  auto card = CardSession::begin(*cardKeys, identity, hc, hex("1111111111111111"));
  ASSERT_TRUE(card.ok());
  StaticKeys undiversified{0x30, master, master, master};
  auto host = HostSession::open(undiversified, hc, card->initializeUpdateResponse(), 0x33);
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.error().code, ErrorCode::IntegrityCheckFailed);
}

TEST(Scp03Tamper, CardCryptogramBitFlipIsRefused) {
  const StaticKeys keys = keysOfSize(16);
  const Bytes hc = hex("0102030405060708");
  auto card = CardSession::begin(keys, CardIdentity{}, hc, hex("0A0B0C0D0E0F1011"));
  ASSERT_TRUE(card.ok());
  for (std::size_t bit = 0; bit < 64; ++bit) {
    InitializeUpdateResponse r = card->initializeUpdateResponse();
    r.cardCryptogram[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto host = HostSession::open(keys, hc, r, 0x33);
    ASSERT_FALSE(host.ok()) << bit;
    EXPECT_EQ(host.error().code, ErrorCode::IntegrityCheckFailed);
  }
}

TEST(Scp03Tamper, ExternalAuthenticateBitFlipIsRefused) {
  const StaticKeys keys = keysOfSize(16);
  const Bytes hc = hex("0102030405060708");
  const Bytes cc = hex("0A0B0C0D0E0F1011");
  auto reference = CardSession::begin(keys, CardIdentity{}, hc, cc);
  ASSERT_TRUE(reference.ok());
  auto host = HostSession::open(keys, hc, reference->initializeUpdateResponse(), 0x13);
  ASSERT_TRUE(host.ok());
  auto ea = host->externalAuthenticate();
  ASSERT_TRUE(ea.ok());
  for (std::size_t bit = 0; bit < ea->data.size() * 8; ++bit) {
    auto card = CardSession::begin(keys, CardIdentity{}, hc, cc);
    ASSERT_TRUE(card.ok());
    apdu::CommandApdu tampered = *ea;
    tampered.data[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto s = card->verifyExternalAuthenticate(tampered);
    ASSERT_FALSE(s.ok()) << bit;
    EXPECT_EQ(s.error().code, ErrorCode::IntegrityCheckFailed);
    EXPECT_FALSE(card->isOpen());
  }
  /* A changed security level (P1) is covered by the C-MAC too. */
  auto card = CardSession::begin(keys, CardIdentity{}, hc, cc);
  ASSERT_TRUE(card.ok());
  apdu::CommandApdu otherLevel = *ea;
  otherLevel.p1 = 0x01;
  EXPECT_FALSE(card->verifyExternalAuthenticate(otherLevel).ok());
}

TEST(Scp03Tamper, CommandMacBitFlipIsRefusedAndClosesTheSession) {
  for (SecurityLevel level : {SecurityLevel{0x01}, SecurityLevel{0x33}}) {
    const apdu::CommandApdu plain = updateBinary(20);
    Pair reference = openPair(keysOfSize(16), level);
    auto wrapped = reference.host->wrap(plain);
    ASSERT_TRUE(wrapped.ok());
    auto wire = apdu::encodeCommandApdu(*wrapped);
    ASSERT_TRUE(wire.ok());
    for (std::size_t bit = 0; bit < wire->size() * 8; ++bit) {
      if (bit / 8 == 4) continue;  // Lc: a different length is a different parse
      Bytes bytes = *wire;
      bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      Pair p = openPair(keysOfSize(16), level);
      auto received = apdu::parseCommandApdu(bytes);
      ASSERT_TRUE(received.ok());
      auto unwrapped = p.card->unwrapCommand(*received);
      ASSERT_FALSE(unwrapped.ok()) << "level " << int(level) << " bit " << bit;
      EXPECT_EQ(unwrapped.error().code, ErrorCode::IntegrityCheckFailed);
      EXPECT_FALSE(p.card->isOpen());
      EXPECT_FALSE(p.card->unwrapCommand(*received).ok());  // closed for good
    }
    /* Without the SM bit the command is refused as unprotected. */
    Pair p = openPair(keysOfSize(16), level);
    apdu::CommandApdu bare = *wrapped;
    bare.cla = 0x00;
    EXPECT_FALSE(p.card->unwrapCommand(bare).ok());
  }
}

TEST(Scp03Tamper, ResponseMacBitFlipIsRefused) {
  for (SecurityLevel level : {SecurityLevel{0x11}, SecurityLevel{0x33}}) {
    /* One protected response, then each of its bits flipped in turn. */
    Pair p = openPair(keysOfSize(16), level);
    auto wrapped = p.host->wrap(updateBinary(3, 256));
    ASSERT_TRUE(wrapped.ok());
    ASSERT_TRUE(p.card->unwrapCommand(*wrapped).ok());
    auto response = p.card->wrapResponse({hex("0102030405"), 0x9000});
    ASSERT_TRUE(response.ok());
    const Bytes wire = response->encode();
    for (std::size_t bit = 0; bit < (wire.size() - 2) * 8; ++bit) {
      Pair q = openPair(keysOfSize(16), level);
      auto w = q.host->wrap(updateBinary(3, 256));
      ASSERT_TRUE(w.ok());
      Bytes bytes = wire;
      bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      auto tampered = apdu::parseResponseApdu(bytes);
      ASSERT_TRUE(tampered.ok());
      auto r = q.host->unwrap(*tampered);
      ASSERT_FALSE(r.ok()) << "level " << int(level) << " bit " << bit;
      EXPECT_EQ(r.error().code, ErrorCode::IntegrityCheckFailed);
      EXPECT_FALSE(q.host->isOpen());
    }
    /* The status word is covered too (9000 → 6283, still "protected"). */
    Pair q = openPair(keysOfSize(16), level);
    ASSERT_TRUE(q.host->wrap(updateBinary(3, 256)).ok());
    apdu::ResponseApdu otherSw = *response;
    otherSw.sw = 0x6283;
    EXPECT_FALSE(q.host->unwrap(otherSw).ok());
  }
}

TEST(Scp03Tamper, ReplayedCommandIsRefused) {
  Pair p = openPair(keysOfSize(16), 0x01);
  auto first = p.host->wrap(updateBinary(5));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(p.card->unwrapCommand(*first).ok());
  auto replay = p.card->unwrapCommand(*first);  // the chain has moved on
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, ErrorCode::IntegrityCheckFailed);
}

TEST(Scp03Session, ShortFormLeavesRoomForTheMac) {
  Pair p = openPair(keysOfSize(16), 0x01);
  apdu::CommandApdu full = updateBinary(248);
  full.form = apdu::LengthForm::Short;
  EXPECT_FALSE(p.host->wrap(full).ok());       // 248 + 8 = 256 > 255
  EXPECT_EQ(p.host->encryptionCounter(), 0u);  // a refused wrap changes nothing
  full.data.resize(247);
  auto wrapped = p.host->wrap(full);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->data.size(), 255u);
  auto plain = p.card->unwrapCommand(*wrapped);  // still in step with the card
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->data, full.data);
}

TEST(Scp03Session, CallsOutOfOrderAreErrors) {
  const StaticKeys keys = keysOfSize(16);
  const Bytes hc = hex("0102030405060708");
  auto card = CardSession::begin(keys, CardIdentity{}, hc, hex("0A0B0C0D0E0F1011"));
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(card->unwrapCommand(updateBinary(1)).ok());
  EXPECT_FALSE(card->wrapResponse({{}, 0x9000}).ok());

  auto host = HostSession::open(keys, hc, card->initializeUpdateResponse(), 0x01);
  ASSERT_TRUE(host.ok());
  EXPECT_FALSE(host->wrap(updateBinary(1)).ok());  // before EXTERNAL AUTHENTICATE
  ASSERT_TRUE(host->externalAuthenticate().ok());
  EXPECT_FALSE(host->externalAuthenticate().ok());  // twice
  EXPECT_FALSE(host->wrap(updateBinary(1)).ok());   // before confirmation
  EXPECT_FALSE(host->confirmExternalAuthenticate({{}, 0x6982}).ok());
  EXPECT_FALSE(host->isOpen());
  EXPECT_FALSE(host->wrap(updateBinary(1)).ok());
}

TEST(Scp03Session, LevelsTheCardDoesNotOfferAreRefused) {
  const StaticKeys keys = keysOfSize(16);
  const Bytes hc = hex("0102030405060708");
  CardIdentity noRenc;
  noRenc.iParameter = iparam::kRMacSupported;
  auto card = CardSession::begin(keys, noRenc, hc, hex("0A0B0C0D0E0F1011"));
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(HostSession::open(keys, hc, card->initializeUpdateResponse(), 0x33).ok());
  EXPECT_FALSE(HostSession::open(keys, hc, card->initializeUpdateResponse(), 0x02).ok());
  EXPECT_FALSE(HostSession::open(keys, hc, card->initializeUpdateResponse(), 0x31).ok());
  EXPECT_TRUE(HostSession::open(keys, hc, card->initializeUpdateResponse(), 0x13).ok());
}

TEST(InitializeUpdate, ParsingRules) {
  const Bytes base = hex("00000000000000000000 30 03 70 3eb51047495b249f 66c484c1d2ef1948");
  auto noSeq = parseInitializeUpdateResponse(base);
  ASSERT_TRUE(noSeq.ok());
  EXPECT_TRUE(noSeq->sequenceCounter.empty());
  auto roundTrip = noSeq->encode();
  ASSERT_TRUE(roundTrip.ok());
  EXPECT_EQ(*roundTrip, base);

  Bytes scp02 = base;
  scp02[11] = 0x02;
  EXPECT_FALSE(parseInitializeUpdateResponse(scp02).ok());
  Bytes s16 = base;
  s16[12] = 0x71;
  EXPECT_FALSE(parseInitializeUpdateResponse(s16).ok());
  EXPECT_FALSE(parseInitializeUpdateResponse(Bytes(base.begin(), base.end() - 1)).ok());
  Bytes tooLong = base;
  tooLong.push_back(0x00);
  EXPECT_FALSE(parseInitializeUpdateResponse(tooLong).ok());

  EXPECT_FALSE(initializeUpdateCommand(0x30, Bytes(7, 0)).ok());
  apdu::CommandApdu wrongIns;
  wrongIns.cla = 0x80;
  wrongIns.ins = 0x52;
  wrongIns.data = Bytes(8, 0);
  EXPECT_FALSE(parseInitializeUpdateCommand(wrongIns).ok());
  wrongIns.ins = 0x50;
  EXPECT_TRUE(parseInitializeUpdateCommand(wrongIns).ok());
  wrongIns.cla = 0x84;
  EXPECT_FALSE(parseInitializeUpdateCommand(wrongIns).ok());
}

}  // namespace
}  // namespace cardd::applets::scp03
