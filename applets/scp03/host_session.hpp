#pragma once
// The host (off-card entity) side of one SCP03 secure channel session.
//
//   auto iu = initializeUpdateCommand(kvn, hostChallenge);        // send it
//   auto parsed = parseInitializeUpdateResponse(response.data);
//   auto session = HostSession::open(keys, hostChallenge, *parsed, 0x33);
//   auto ea = session->externalAuthenticate();                    // send it
//   session->confirmExternalAuthenticate(eaResponse);             // 9000?
//   auto wrapped = session->wrap(plainCommand);                   // send it
//   auto plain = session->unwrap(response);                       // and so on
//
// open() derives the session keys and verifies the card cryptogram, which
// proves the card holds the same static keys. Every command after EXTERNAL
// AUTHENTICATE is wrapped with wrap() and its response, in order, passed to
// unwrap(): the R-MAC depends on the command it answers.
//
// Errors: IntegrityCheckFailed when a cryptographic check fails (card cryptogram,
// R-MAC); InvalidArgument for malformed input and for calls out of order.
// A failed check or a refused EXTERNAL AUTHENTICATE closes the session: every
// later call fails. Not thread-safe (one session belongs to one card
// connection); movable.

#include <cstdint>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"
#include "scp03/initialize_update.hpp"
#include "scp03/keys.hpp"
#include "scp03/security_level.hpp"

namespace cardd::applets::scp03 {

class HostSession {
 public:
  static Result<HostSession> open(const StaticKeys& keys, ByteView hostChallenge,
                                  const InitializeUpdateResponse& response, SecurityLevel level);

  // EXTERNAL AUTHENTICATE: 84 82 level 00 10 host_cryptogram C-MAC. Once.
  Result<apdu::CommandApdu> externalAuthenticate();
  // Checks the card accepted EXTERNAL AUTHENTICATE (9000, no data); after
  // that the session is open for wrap()/unwrap().
  Status confirmExternalAuthenticate(const apdu::ResponseApdu& response);

  // Protects a plain command per the security level (CLA gets the SM bit).
  // A refused command (too long once MACed, bad CLA) leaves the session as
  // it was.
  Result<apdu::CommandApdu> wrap(const apdu::CommandApdu& plain);
  // Verifies and strips the response protection. Error responses (SW other
  // than 9000 / 62xx / 63xx) carry no R-MAC and are returned as they are.
  Result<apdu::ResponseApdu> unwrap(const apdu::ResponseApdu& received);

  bool isOpen() const { return state_ == State::Open; }
  SecurityLevel securityLevel() const { return level_; }
  const SessionKeys& sessionKeys() const { return sessionKeys_; }
  const Bytes& hostCryptogram() const { return hostCryptogram_; }
  std::uint32_t encryptionCounter() const { return counter_; }

 private:
  enum class State : std::uint8_t {
    AwaitingExternalAuthenticate,
    AwaitingConfirmation,
    Open,
    Closed
  };

  HostSession() = default;
  Error close(Error error);

  State state_ = State::AwaitingExternalAuthenticate;
  SecurityLevel level_ = 0;
  SessionKeys sessionKeys_;
  Bytes hostCryptogram_;
  Bytes chain_;
  std::uint32_t counter_ = 0;
};

}  // namespace cardd::applets::scp03
