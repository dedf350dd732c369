#include "scp02/host_session.hpp"

#include <utility>

#include "scp02/des.hpp"

namespace cardd::applets::scp02 {

namespace {

Error misuse(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("SCP02: ") + what};
}

Error failedCheck(const char* what) {
  return Error{ErrorCode::IntegrityCheckFailed, std::string("SCP02: ") + what};
}

}  // namespace

Result<apdu::CommandApdu> initializeUpdateCommand(std::uint8_t keyVersion, ByteView hostChallenge) {
  if (hostChallenge.size() != kHostChallengeSize) return misuse("host challenge must be 8 bytes");
  apdu::CommandApdu c;
  c.cla = 0x80;
  c.ins = 0x50;
  c.p1 = keyVersion;
  c.p2 = 0x00;
  c.data.assign(hostChallenge.begin(), hostChallenge.end());
  c.ne = 256;
  c.form = apdu::LengthForm::Short;
  return c;
}

Result<InitializeUpdateResponse> parseInitializeUpdateResponse(ByteView data) {
  if (data.size() != 28) return misuse("INITIALIZE UPDATE response must be 28 bytes");
  InitializeUpdateResponse r;
  r.kdd.assign(data.begin(), data.begin() + 10);
  r.keyVersion = data[10];
  r.scpId = data[11];
  if (r.scpId != kScp02Id) return misuse("the card does not answer with SCP02");
  r.sequenceCounter.assign(data.begin() + 12, data.begin() + 14);
  r.cardChallenge.assign(data.begin() + 14, data.begin() + 20);
  r.cardCryptogram.assign(data.begin() + 20, data.end());
  return r;
}

Result<HostSession> HostSession::open(const StaticKeys& keys, ByteView hostChallenge,
                                      const InitializeUpdateResponse& response, Options options) {
  if (options.level != level::kNoSecureMessaging && options.level != level::kCMac &&
      options.level != level::kCDecryptionCMac) {
    return misuse("security level must be 00, 01 or 03 (R-MAC is not supported)");
  }
  if ((options.iParameter & iparam::kExplicitInitiation) == 0) {
    return misuse("implicit initiation (i-parameter b3 = 0) is not supported");
  }
  if (response.cardCryptogram.size() != kMacSize) return misuse("card cryptogram must be 8 bytes");

  /* Session keys from the card's sequence counter, then the card cryptogram:
     a mismatch means the card holds other static keys. */
  const bool singleKey = (options.iParameter & iparam::kThreeKeys) == 0;
  auto sessionKeys = deriveSessionKeys(keys, response.sequenceCounter, singleKey);
  if (!sessionKeys) return std::move(sessionKeys).error();
  auto expected = cardCryptogram(sessionKeys->enc, hostChallenge, response.sequenceCounter,
                                 response.cardChallenge);
  if (!expected) return std::move(expected).error();
  if (!constantTimeEqual(*expected, response.cardCryptogram)) {
    return failedCheck("card cryptogram mismatch (wrong keys?)");
  }
  auto host = scp02::hostCryptogram(sessionKeys->enc, hostChallenge, response.sequenceCounter,
                                    response.cardChallenge);
  if (!host) return std::move(host).error();

  HostSession s;
  s.options_ = options;
  s.sessionKeys_ = std::move(sessionKeys).value();
  s.hostCryptogram_ = std::move(host).value();
  return s;
}

Result<Bytes> HostSession::nextIcv() const {
  if (lastMac_.empty()) return Bytes(kDesBlockSize, 0x00);
  if ((options_.iParameter & iparam::kIcvEncryption) != 0) {
    return encryptIcv(sessionKeys_.cmac, lastMac_);
  }
  return lastMac_;
}

Result<Bytes> HostSession::commandMac(const apdu::CommandApdu& command, bool modified) const {
  /* CLA INS P1 P2 Lc data, Le excluded. The modified form carries the SM
     CLA and counts the MAC in Lc; the unmodified one is the plain header. */
  const std::size_t lc = command.data.size() + (modified ? kMacSize : 0);
  if (lc > apdu::kShortMaxData) return misuse("command data too long for SCP02 (short APDUs only)");
  auto icv = nextIcv();
  if (!icv) return icv;
  Bytes input;
  input.push_back(modified ? static_cast<std::uint8_t>(command.cla | 0x04)
                           : static_cast<std::uint8_t>(command.cla & ~0x04));
  input.push_back(command.ins);
  input.push_back(command.p1);
  input.push_back(command.p2);
  if (lc > 0) input.push_back(static_cast<std::uint8_t>(lc));
  append(input, command.data);
  return retailMac(sessionKeys_.cmac, *icv, input);
}

Result<apdu::CommandApdu> HostSession::externalAuthenticate() {
  if (state_ != State::AwaitingExternalAuthenticate) {
    return misuse("EXTERNAL AUTHENTICATE out of order");
  }
  apdu::CommandApdu c;
  c.cla = 0x84;
  c.ins = 0x82;
  c.p1 = options_.level;
  c.p2 = 0x00;
  c.data = hostCryptogram_;
  c.form = apdu::LengthForm::Short;
  auto mac = commandMac(c, true);
  if (!mac) return std::move(mac).error();
  lastMac_ = *mac;
  append(c.data, *mac);
  state_ = State::AwaitingConfirmation;
  return c;
}

Status HostSession::confirmExternalAuthenticate(const apdu::ResponseApdu& response) {
  if (state_ != State::AwaitingConfirmation) return misuse("confirmation out of order");
  if (!response.isSuccess() || !response.data.empty()) {
    state_ = State::Closed;
    return failedCheck("the card refused EXTERNAL AUTHENTICATE");
  }
  state_ = State::Open;
  return Ok{};
}

Result<apdu::CommandApdu> HostSession::wrap(const apdu::CommandApdu& plain) {
  if (state_ != State::Open) return misuse("session not open");
  if (options_.level == level::kNoSecureMessaging) return plain;
  if ((plain.cla & 0x04) != 0) return misuse("command already carries the SM bit");
  if ((plain.cla & 0x40) != 0) return misuse("SCP02 needs a first-interindustry or GP class");

  /* MAC over the plain data first, then (C-DEC) encrypt the data; the
     session only moves once the command is complete. */
  const bool modified = (options_.iParameter & iparam::kMacOnUnmodifiedApdu) == 0;
  auto mac = commandMac(plain, modified);
  if (!mac) return std::move(mac).error();
  apdu::CommandApdu wrapped = plain;
  wrapped.cla = static_cast<std::uint8_t>(plain.cla | 0x04);
  wrapped.form = apdu::LengthForm::Short;
  if (options_.level == level::kCDecryptionCMac && !plain.data.empty()) {
    auto cipher = tdesCbcEncrypt(sessionKeys_.enc, Bytes(kDesBlockSize, 0x00), pad80(plain.data));
    if (!cipher) return std::move(cipher).error();
    wrapped.data = std::move(cipher).value();
  }
  if (wrapped.data.size() + kMacSize > apdu::kShortMaxData) {
    return misuse("command data too long for SCP02 once encrypted and MACed");
  }
  append(wrapped.data, *mac);
  lastMac_ = std::move(mac).value();
  return wrapped;
}

Result<apdu::ResponseApdu> HostSession::unwrap(const apdu::ResponseApdu& received) {
  if (state_ != State::Open) return misuse("session not open");
  return received;
}

}  // namespace cardd::applets::scp02
