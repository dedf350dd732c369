#pragma once
// The host (off-card entity) side of one SCP02 secure channel session, for
// older GlobalPlatform cards (GP 2.1.1 / 2.2 Appendix E), in the shape of
// scp03::HostSession:
//
//   auto iu = initializeUpdateCommand(kvn, hostChallenge);          // send it
//   auto parsed = parseInitializeUpdateResponse(response.data);
//   auto session = HostSession::open(keys, hostChallenge, *parsed, {.level = 0x01});
//   auto ea = session->externalAuthenticate();                      // send it
//   session->confirmExternalAuthenticate(eaResponse);               // 9000?
//   auto wrapped = session->wrap(plainCommand);                     // send it
//   auto plain = session->unwrap(response);
//
// INITIALIZE UPDATE (SCP02):
//   command   80 50 KVN 00 08 host_challenge(8) 00
//   response  KDD(10) KVN(1) 02 sequence_counter(2) card_challenge(6)
//             card_cryptogram(8)                          (28 bytes)
//
// Variants (the i-parameter is not in the response; the caller knows it from
// the card's recognition data or profile): i = 15 and i = 55 (the defaults
// of most JavaCards; 55 only adds "pseudo-random card challenge") and their
// relatives are supported through these bits:
//   b1 (01)  3 secure channel keys; 0: one base key (keys.enc) derives all
//   b2 (02)  C-MAC on the unmodified APDU; 0 (15/55): on the modified one
//            (CLA|04, Lc + 8)
//   b3 (04)  explicit initiation (required)
//   b5 (10)  ICV encryption for the C-MAC session (15/55)
//
// Security levels: 00 (no secure messaging), 01 (C-MAC), 03 (C-DECRYPTION +
// C-MAC). R-MAC levels (11, 13) are refused (InvalidArgument): cardd does
// not need them. C-MAC: retail MAC with S-C-MAC over CLA' INS P1 P2 Lc' data
// (Le excluded), ICV zero for EXTERNAL AUTHENTICATE, then the previous C-MAC
// (DES-encrypted with b5). C-DEC: data padded 80 00.. and 3DES-CBC encrypted
// with S-ENC, ICV zero; the C-MAC is computed first, over the plain data with
// Lc = plain length + 8, and Lc then becomes encrypted length + 8 (as
// GlobalPlatformPro does; GP 2.2 E.4.4/E.4.5).
//
// Errors: IntegrityCheckFailed when the card cryptogram does not verify
// (wrong keys) or the card refuses EXTERNAL AUTHENTICATE (the session closes);
// InvalidArgument for malformed input and calls out of order. Not
// thread-safe (one session per card connection); movable.

#include <cstdint>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"
#include "scp02/crypto.hpp"

namespace cardd::applets::scp02 {

inline constexpr std::uint8_t kScp02Id = 0x02;
inline constexpr std::size_t kKddSize = 10;

namespace level {
inline constexpr std::uint8_t kNoSecureMessaging = 0x00;
inline constexpr std::uint8_t kCMac = 0x01;
inline constexpr std::uint8_t kCDecryptionCMac = 0x03;
}  // namespace level

namespace iparam {
inline constexpr std::uint8_t kThreeKeys = 0x01;
inline constexpr std::uint8_t kMacOnUnmodifiedApdu = 0x02;
inline constexpr std::uint8_t kExplicitInitiation = 0x04;
inline constexpr std::uint8_t kIcvEncryption = 0x10;
inline constexpr std::uint8_t kI15 = 0x15;
inline constexpr std::uint8_t kI55 = 0x55;
}  // namespace iparam

struct InitializeUpdateResponse {
  Bytes kdd;  // 10 bytes
  std::uint8_t keyVersion = 0;
  std::uint8_t scpId = kScp02Id;
  Bytes sequenceCounter;  // 2 bytes
  Bytes cardChallenge;    // 6 bytes
  Bytes cardCryptogram;   // 8 bytes
};

// Error: host challenge not 8 bytes.
Result<apdu::CommandApdu> initializeUpdateCommand(std::uint8_t keyVersion, ByteView hostChallenge);
// Errors (InvalidArgument): not 28 bytes, SCP identifier other than 02.
Result<InitializeUpdateResponse> parseInitializeUpdateResponse(ByteView data);

class HostSession {
 public:
  struct Options {
    std::uint8_t level = level::kCMac;
    std::uint8_t iParameter = iparam::kI55;
  };

  static Result<HostSession> open(const StaticKeys& keys, ByteView hostChallenge,
                                  const InitializeUpdateResponse& response, Options options);

  // EXTERNAL AUTHENTICATE: 84 82 level 00 10 host_cryptogram C-MAC. Once.
  Result<apdu::CommandApdu> externalAuthenticate();
  // 9000 without data opens the session for wrap()/unwrap().
  Status confirmExternalAuthenticate(const apdu::ResponseApdu& response);

  // Adds C-MAC (and C-DEC) per the level. Level 00 returns `plain`. A
  // refused command leaves the session as it was.
  Result<apdu::CommandApdu> wrap(const apdu::CommandApdu& plain);
  // No R-MAC levels are supported, so responses pass through unchanged.
  Result<apdu::ResponseApdu> unwrap(const apdu::ResponseApdu& received);

  bool isOpen() const { return state_ == State::Open; }
  std::uint8_t securityLevel() const { return options_.level; }
  const SessionKeys& sessionKeys() const { return sessionKeys_; }
  const Bytes& hostCryptogram() const { return hostCryptogram_; }

 private:
  enum class State : std::uint8_t {
    AwaitingExternalAuthenticate,
    AwaitingConfirmation,
    Open,
    Closed
  };

  HostSession() = default;
  // C-MAC of `command` (data plain, no MAC yet) with the next ICV.
  Result<Bytes> commandMac(const apdu::CommandApdu& command, bool modified) const;
  Result<Bytes> nextIcv() const;

  State state_ = State::AwaitingExternalAuthenticate;
  Options options_;
  SessionKeys sessionKeys_;
  Bytes hostCryptogram_;
  Bytes lastMac_;  // empty before EXTERNAL AUTHENTICATE
};

}  // namespace cardd::applets::scp02
