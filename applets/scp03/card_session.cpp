#include "scp03/card_session.hpp"

#include <utility>

#include "scp03/errors.hpp"
#include "scp03/kdf.hpp"
#include "scp03/secure_messaging.hpp"

namespace cardd::applets::scp03 {

namespace {

/* Splits a protected command into the command as MACed (data' without the
   MAC) and the received MAC. */
Result<apdu::CommandApdu> withoutMac(const apdu::CommandApdu& received, Bytes& mac) {
  if (received.data.size() < kMacSize) return failedCheck("command without C-MAC");
  apdu::CommandApdu macced = received;
  mac.assign(received.data.end() - kMacSize, received.data.end());
  macced.data.resize(received.data.size() - kMacSize);
  return macced;
}

}  // namespace

Error CardSession::close(Error error) {
  state_ = State::Closed;
  return error;
}

Result<CardSession> CardSession::begin(const StaticKeys& keys, const CardIdentity& identity,
                                       ByteView hostChallenge, ByteView cardChallenge) {
  auto sessionKeys = deriveSessionKeys(keys, hostChallenge, cardChallenge);
  if (!sessionKeys) return std::move(sessionKeys).error();
  auto cryptogram = cardCryptogram(sessionKeys->mac, hostChallenge, cardChallenge);
  if (!cryptogram) return std::move(cryptogram).error();

  CardSession s;
  s.response_.kdd = identity.kdd;
  s.response_.keyVersion = keys.version;
  s.response_.scpId = kScp03Id;
  s.response_.iParameter = identity.iParameter;
  s.response_.cardChallenge.assign(cardChallenge.begin(), cardChallenge.end());
  s.response_.cardCryptogram = std::move(cryptogram).value();
  s.response_.sequenceCounter = identity.sequenceCounter;
  if (auto encoded = s.response_.encode(); !encoded) return std::move(encoded).error();
  s.sessionKeys_ = std::move(sessionKeys).value();
  s.hostChallenge_.assign(hostChallenge.begin(), hostChallenge.end());
  s.chain_ = initialMacChain();
  return s;
}

Status CardSession::verifyExternalAuthenticate(const apdu::CommandApdu& command) {
  if (state_ != State::AwaitingExternalAuthenticate) {
    return misuse("EXTERNAL AUTHENTICATE out of order");
  }
  if ((command.cla & 0xFC) != 0x84 || command.ins != 0x82 || command.p2 != 0x00 ||
      command.data.size() != kChallengeSize + kMacSize) {
    return close(misuse("malformed EXTERNAL AUTHENTICATE"));
  }
  const SecurityLevel requested = command.p1;
  const std::uint8_t i = response_.iParameter;
  if (!isValidSecurityLevel(requested) ||
      (hasRMac(requested) && (i & iparam::kRMacSupported) == 0) ||
      (hasREncryption(requested) && (i & iparam::kREncSupported) == 0)) {
    return close(misuse("security level not supported"));
  }

  /* C-MAC first (it covers the cryptogram), then the host cryptogram. */
  Bytes mac;
  auto macced = withoutMac(command, mac);
  if (!macced) return close(std::move(macced).error());
  auto chain = nextCommandChain(sessionKeys_.mac, chain_, *macced);
  if (!chain) return close(std::move(chain).error());
  if (!constantTimeEqual(ByteView(*chain).first(kMacSize), mac)) {
    return close(failedCheck("C-MAC mismatch"));
  }
  auto expected = hostCryptogram(sessionKeys_.mac, hostChallenge_, response_.cardChallenge);
  if (!expected) return close(std::move(expected).error());
  if (!constantTimeEqual(*expected, macced->data)) {
    return close(failedCheck("host cryptogram mismatch"));
  }
  chain_ = std::move(chain).value();
  level_ = requested;
  state_ = State::Open;
  return Ok{};
}

Result<apdu::CommandApdu> CardSession::unwrapCommand(const apdu::CommandApdu& received) {
  if (state_ != State::Open) return misuse("session not open");
  if (level_ == level::kNoSecureMessaging) return received;
  ++counter_;
  if ((received.cla & 0x04) == 0 || (received.cla & 0x40) != 0) {
    return close(failedCheck("command without secure messaging"));
  }

  Bytes mac;
  auto macced = withoutMac(received, mac);
  if (!macced) return close(std::move(macced).error());
  auto chain = nextCommandChain(sessionKeys_.mac, chain_, *macced);
  if (!chain) return close(std::move(chain).error());
  if (!constantTimeEqual(ByteView(*chain).first(kMacSize), mac)) {
    return close(failedCheck("C-MAC mismatch"));
  }
  chain_ = std::move(chain).value();

  apdu::CommandApdu plain = std::move(macced).value();
  plain.cla = static_cast<std::uint8_t>(plain.cla & ~0x04);
  if (hasCDecryption(level_) && !plain.data.empty()) {
    auto data = decryptCommandData(sessionKeys_.enc, counter_, plain.data);
    if (!data) return close(failedCheck("C-DEC data does not decrypt"));
    plain.data = std::move(data).value();
  }
  return plain;
}

Result<apdu::ResponseApdu> CardSession::wrapResponse(const apdu::ResponseApdu& plain) {
  if (state_ != State::Open) return misuse("session not open");
  if (!hasRMac(level_)) return plain;
  if (!responseIsProtected(plain.sw)) return apdu::ResponseApdu{{}, plain.sw};

  apdu::ResponseApdu out;
  out.sw = plain.sw;
  if (hasREncryption(level_)) {
    auto cipher = encryptResponseData(sessionKeys_.enc, counter_, plain.data);
    if (!cipher) return std::move(cipher).error();
    out.data = std::move(cipher).value();
  } else {
    out.data = plain.data;
  }
  auto mac = responseMac(sessionKeys_.rmac, chain_, out.data, out.sw);
  if (!mac) return std::move(mac).error();
  append(out.data, *mac);
  return out;
}

}  // namespace cardd::applets::scp03
