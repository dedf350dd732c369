#include "scp03/host_session.hpp"

#include <utility>

#include "scp03/errors.hpp"
#include "scp03/kdf.hpp"
#include "scp03/secure_messaging.hpp"

namespace cardd::applets::scp03 {

namespace {}  // namespace

Error HostSession::close(Error error) {
  state_ = State::Closed;
  return error;
}

Result<HostSession> HostSession::open(const StaticKeys& keys, ByteView hostChallenge,
                                      const InitializeUpdateResponse& response,
                                      SecurityLevel level) {
  if (!isValidSecurityLevel(level)) return misuse("invalid security level");
  if (response.cardChallenge.size() != kChallengeSize ||
      response.cardCryptogram.size() != kChallengeSize) {
    return misuse("INITIALIZE UPDATE response fields of the wrong size");
  }
  if (hasRMac(level) && (response.iParameter & iparam::kRMacSupported) == 0) {
    return misuse("the card does not support R-MAC");
  }
  if (hasREncryption(level) && (response.iParameter & iparam::kREncSupported) == 0) {
    return misuse("the card does not support R-ENCRYPTION");
  }

  /* Session keys, then the card cryptogram: a mismatch means the card holds
     other static keys (or the response was tampered with). */
  auto sessionKeys = deriveSessionKeys(keys, hostChallenge, response.cardChallenge);
  if (!sessionKeys) return std::move(sessionKeys).error();
  auto expected = cardCryptogram(sessionKeys->mac, hostChallenge, response.cardChallenge);
  if (!expected) return std::move(expected).error();
  if (!constantTimeEqual(*expected, response.cardCryptogram)) {
    return failedCheck("card cryptogram mismatch (wrong keys?)");
  }
  auto host = scp03::hostCryptogram(sessionKeys->mac, hostChallenge, response.cardChallenge);
  if (!host) return std::move(host).error();

  HostSession s;
  s.level_ = level;
  s.sessionKeys_ = std::move(sessionKeys).value();
  s.hostCryptogram_ = std::move(host).value();
  s.chain_ = initialMacChain();
  return s;
}

Result<apdu::CommandApdu> HostSession::externalAuthenticate() {
  if (state_ != State::AwaitingExternalAuthenticate) {
    return misuse("EXTERNAL AUTHENTICATE out of order");
  }
  apdu::CommandApdu c;
  c.cla = 0x84;
  c.ins = 0x82;
  c.p1 = level_;
  c.p2 = 0x00;
  c.data = hostCryptogram_;
  auto chain = nextCommandChain(sessionKeys_.mac, chain_, c);
  if (!chain) return std::move(chain).error();
  chain_ = std::move(chain).value();
  c.data.insert(c.data.end(), chain_.begin(), chain_.begin() + kMacSize);
  state_ = State::AwaitingConfirmation;
  return c;
}

Status HostSession::confirmExternalAuthenticate(const apdu::ResponseApdu& response) {
  if (state_ != State::AwaitingConfirmation) return misuse("confirmation out of order");
  if (!response.isSuccess() || !response.data.empty()) {
    return close(failedCheck("the card refused EXTERNAL AUTHENTICATE"));
  }
  state_ = State::Open;
  return Ok{};
}

Result<apdu::CommandApdu> HostSession::wrap(const apdu::CommandApdu& plain) {
  if (state_ != State::Open) return misuse("session not open");
  if (level_ == level::kNoSecureMessaging) return plain;

  /* The counter and the chain only move once the command is fully wrapped:
     a refused command leaves the session in step with the card. */
  const std::uint32_t counter = counter_ + 1;
  auto cla = protectedCla(plain.cla);
  if (!cla) return std::move(cla).error();
  if ((plain.cla & 0x04) != 0) return misuse("command already carries the SM bit");
  /* The header of the plain command; its data copied only when it travels
     in clear (an encrypted field replaces it). */
  apdu::CommandApdu wrapped{*cla, plain.ins, plain.p1, plain.p2, {}, plain.ne, plain.form};
  if (hasCDecryption(level_) && !plain.data.empty()) {
    auto cipher = encryptCommandData(sessionKeys_.enc, counter, plain.data);
    if (!cipher) return std::move(cipher).error();
    wrapped.data = std::move(cipher).value();
  } else {
    wrapped.data.reserve(plain.data.size() + kMacSize);
    wrapped.data.assign(plain.data.begin(), plain.data.end());
  }
  auto chain = nextCommandChain(sessionKeys_.mac, chain_, wrapped);
  if (!chain) return std::move(chain).error();
  chain_ = std::move(chain).value();
  counter_ = counter;
  wrapped.data.insert(wrapped.data.end(), chain_.begin(), chain_.begin() + kMacSize);
  return wrapped;
}

Result<apdu::ResponseApdu> HostSession::unwrap(const apdu::ResponseApdu& received) {
  if (state_ != State::Open) return misuse("session not open");
  if (!hasRMac(level_)) return received;
  if (!responseIsProtected(received.sw)) {
    if (!received.data.empty()) return close(failedCheck("error response with data"));
    return received;
  }
  if (received.data.size() < kMacSize) return close(failedCheck("response without R-MAC"));

  const ByteView all(received.data);
  const ByteView body = all.first(all.size() - kMacSize);
  auto mac = responseMac(sessionKeys_.rmac, chain_, body, received.sw);
  if (!mac) return std::move(mac).error();
  if (!constantTimeEqual(*mac, all.last(kMacSize))) return close(failedCheck("R-MAC mismatch"));

  apdu::ResponseApdu plain;
  plain.sw = received.sw;
  if (hasREncryption(level_)) {
    auto data = decryptResponseData(sessionKeys_.enc, counter_, body);
    if (!data) return close(failedCheck("R-ENC data does not decrypt"));
    plain.data = std::move(data).value();
  } else {
    plain.data.assign(body.begin(), body.end());
  }
  return plain;
}

}  // namespace cardd::applets::scp03
