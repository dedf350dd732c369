#include "secure_channel.hpp"

#include <openssl/rand.h>

#include <utility>

#include "apdu/status_word.hpp"
#include "scp03/diversification.hpp"
#include "scp03/initialize_update.hpp"
#include "scp03/secure_messaging.hpp"

namespace cardd::applets::personalisation {
namespace {

/* The largest plain length whose protected form fits `innerMax`: 8 MAC
   bytes, and with encryption the ISO padding to whole 16-byte blocks (at
   least one padding byte). */
std::size_t plainCapacity(std::size_t innerMax, bool encrypted) {
  if (innerMax <= scp03::kMacSize) return 0;
  const std::size_t room = innerMax - scp03::kMacSize;
  if (!encrypted) return room;
  const std::size_t blocks = room / 16;
  return blocks == 0 ? 0 : blocks * 16 - 1;
}

Error refused(const std::string& what) {
  return Error{ErrorCode::IntegrityCheckFailed, "authentication refused: " + what};
}

}  // namespace

SecureChannel::SecureChannel(apdu::ApduChannel& inner, scp03::HostSession session)
    : inner_(inner), session_(std::move(session)) {}

Result<apdu::ResponseApdu> SecureChannel::transmit(const apdu::CommandApdu& command) {
  auto wrapped = session_.wrap(command);
  if (!wrapped) return std::move(wrapped).error();
  auto response = inner_.transmit(*wrapped);
  if (!response) return std::move(response).error();
  auto plain = session_.unwrap(*response);
  if (!plain) {
    return Error{plain.error().code, "the card's response failed the secure channel check (" +
                                         plain.error().message + "); the channel is closed"};
  }
  return plain;
}

std::size_t SecureChannel::maxCommandData() const {
  return plainCapacity(inner_.maxCommandData(), scp03::hasCDecryption(session_.securityLevel()));
}

std::size_t SecureChannel::maxResponseData() const {
  const auto level = session_.securityLevel();
  if (!scp03::hasRMac(level)) return inner_.maxResponseData();
  return plainCapacity(inner_.maxResponseData(), scp03::hasREncryption(level));
}

std::string SecureChannel::describe() const {
  return "scp03:" + inner_.describe();
}

Result<SecureChannel> openScp03(apdu::ApduChannel& inner, const Scp03Params& params) {
  if (params.master == nullptr) {
    return Error{ErrorCode::InvalidArgument, "no master key for the SCP03 channel"};
  }
  Bytes hostChallenge(scp03::kChallengeSize);
  if (params.hostChallenge) {
    hostChallenge = params.hostChallenge();
    if (hostChallenge.size() != scp03::kChallengeSize) {
      return Error{ErrorCode::InvalidArgument, "the injected host challenge is not 8 bytes"};
    }
  } else if (RAND_bytes(hostChallenge.data(), static_cast<int>(hostChallenge.size())) != 1) {
    return Error{ErrorCode::Internal, "the random generator failed (host challenge)"};
  }
  auto iu = scp03::initializeUpdateCommand(params.keyVersion, hostChallenge);
  if (!iu) return std::move(iu).error();
  auto iuResponse = inner.transmit(*iu);
  if (!iuResponse) return std::move(iuResponse).error();
  if (!iuResponse->isSuccess()) {
    return Error{ErrorCode::Unavailable,
                 "INITIALIZE UPDATE answered " + apdu::describeStatusWord(iuResponse->sw) +
                     " (key version " + std::to_string(params.keyVersion) + ")"};
  }
  auto parsed = scp03::parseInitializeUpdateResponse(iuResponse->data);
  if (!parsed) return std::move(parsed).error();
  if (!params.expectedKdd.empty() && parsed->kdd != params.expectedKdd) {
    return refused("the card's key diversification data does not match its serial number");
  }

  /* Per-card keys from the master key and the KDD the card reported. */
  scp03::StaticKeys keys;
  keys.version = parsed->keyVersion;
  for (auto [type, target] :
       {std::pair{scp03::KeyType::Enc, &keys.enc}, std::pair{scp03::KeyType::Mac, &keys.mac},
        std::pair{scp03::KeyType::Dek, &keys.dek}}) {
    auto key = params.master->diversify(static_cast<std::uint8_t>(type), parsed->kdd);
    if (!key) return std::move(key).error();
    *target = std::move(key).value();
  }
  auto session = scp03::HostSession::open(keys, hostChallenge, *parsed, params.level);
  if (!session) {
    if (session.error().code == ErrorCode::IntegrityCheckFailed) {
      return refused("the card cryptogram does not verify with key set '" + params.keySetName +
                     "' (" + params.master->describe() +
                     "); the card's keys come from another master key");
    }
    return std::move(session).error();
  }
  auto ea = session->externalAuthenticate();
  if (!ea) return std::move(ea).error();
  auto eaResponse = inner.transmit(*ea);
  if (!eaResponse) return std::move(eaResponse).error();
  if (!session->confirmExternalAuthenticate(*eaResponse)) {
    return refused("the card refused EXTERNAL AUTHENTICATE (" +
                   apdu::describeStatusWord(eaResponse->sw) + ")");
  }
  return SecureChannel(inner, std::move(session).value());
}

}  // namespace cardd::applets::personalisation
