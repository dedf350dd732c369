#pragma once
// The card side of one SCP03 secure channel session, for the virtual chip.
// It mirrors HostSession with the same KDF, MAC and cipher functions
// (kdf.hpp, secure_messaging.hpp):
//
//   auto request = parseInitializeUpdateCommand(command);
//   auto session = CardSession::begin(keys, identity, request->hostChallenge,
//                                     cardChallenge);
//   respond session->initializeUpdateResponse().encode() ‖ 9000
//   session->verifyExternalAuthenticate(nextCommand)    → 9000 or an error
//   auto plain = session->unwrapCommand(received);     → process plain
//   auto reply = session->wrapResponse(plainReply);    → send reply
//
// The applet chooses the status words: by GlobalPlatform convention a failed
// check answers 6982 (security status not satisfied) and ends the session.
// Errors: IntegrityCheckFailed when a cryptographic check fails (host cryptogram,
// C-MAC, padding of decrypted data); InvalidArgument for malformed commands
// and calls out of order. A failed check closes the session (isOpen() false,
// every later call fails); the applet then expects a new INITIALIZE UPDATE.
// Not thread-safe; movable.

#include <cstdint>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"
#include "scp03/initialize_update.hpp"
#include "scp03/keys.hpp"
#include "scp03/security_level.hpp"

namespace cardd::applets::scp03 {

// What the card says about itself in INITIALIZE UPDATE.
struct CardIdentity {
  Bytes kdd = Bytes(kKddSize, 0x00);  // 10 bytes
  std::uint8_t iParameter =
      iparam::kPseudoRandomChallenge | iparam::kRMacSupported | iparam::kREncSupported;  // 70
  Bytes sequenceCounter;  // 3 bytes, or empty to send none
};

class CardSession {
 public:
  // Starts a session on INITIALIZE UPDATE. `keys.version` is reported as the
  // KVN. The caller picks the card challenge (random, or
  // pseudoRandomCardChallenge() with i-parameter b5).
  static Result<CardSession> begin(const StaticKeys& keys, const CardIdentity& identity,
                                   ByteView hostChallenge, ByteView cardChallenge);

  const InitializeUpdateResponse& initializeUpdateResponse() const { return response_; }

  // Checks EXTERNAL AUTHENTICATE (84 82 level 00 10 cryptogram C-MAC): level
  // valid and allowed by the i-parameter, host cryptogram and C-MAC correct.
  // On success the session is open at that level; the applet answers 9000
  // without protection.
  Status verifyExternalAuthenticate(const apdu::CommandApdu& command);

  // Verifies the C-MAC and decrypts C-DEC data; returns the command as the
  // host meant it (SM bit cleared). Errors close the session.
  Result<apdu::CommandApdu> unwrapCommand(const apdu::CommandApdu& received);

  // Protects the answer to the last unwrapped command (R-ENC, R-MAC) per the
  // level. Error status words go out bare: their data is dropped.
  Result<apdu::ResponseApdu> wrapResponse(const apdu::ResponseApdu& plain);

  bool isOpen() const { return state_ == State::Open; }
  SecurityLevel securityLevel() const { return level_; }
  const SessionKeys& sessionKeys() const { return sessionKeys_; }
  std::uint32_t encryptionCounter() const { return counter_; }

 private:
  enum class State : std::uint8_t { AwaitingExternalAuthenticate, Open, Closed };

  CardSession() = default;
  Error close(Error error);

  State state_ = State::AwaitingExternalAuthenticate;
  SecurityLevel level_ = 0;
  InitializeUpdateResponse response_;
  SessionKeys sessionKeys_;
  Bytes hostChallenge_;
  Bytes chain_;
  std::uint32_t counter_ = 0;
};

}  // namespace cardd::applets::scp03
