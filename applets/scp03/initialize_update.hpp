#pragma once
// INITIALIZE UPDATE (GP Card Spec. v2.3 §11.11, Amd D §7.1.1) in both
// directions: the host builds the command and parses the response; the
// virtual chip parses the command and builds the response.
//
//   command   80 50 KVN 00 08 host_challenge(8) 00
//   response  KDD(10) KVN(1) 03 i(1) card_challenge(8) card_cryptogram(8)
//             [sequence_counter(3)]
//
// Only S8 mode (8-byte challenges and cryptograms) is supported: an
// i-parameter with b1 set (S16) is refused. Pure; thread-safe.

#include <cstdint>

#include "apdu/command_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp03 {

inline constexpr std::uint8_t kScp03Id = 0x03;
inline constexpr std::size_t kChallengeSize = 8;
inline constexpr std::size_t kKddSize = 10;

// i-parameter bits (Amd D §5.1).
namespace iparam {
inline constexpr std::uint8_t kS16Mode = 0x01;
inline constexpr std::uint8_t kPseudoRandomChallenge = 0x10;
inline constexpr std::uint8_t kRMacSupported = 0x20;
inline constexpr std::uint8_t kREncSupported = 0x40;
}  // namespace iparam

struct InitializeUpdateResponse {
  Bytes kdd;  // 10 bytes: key diversification data
  std::uint8_t keyVersion = 0;
  std::uint8_t scpId = kScp03Id;
  std::uint8_t iParameter = 0;
  Bytes cardChallenge;    // 8 bytes
  Bytes cardCryptogram;   // 8 bytes
  Bytes sequenceCounter;  // 3 bytes, or empty when the card sends none

  // The response data field (without SW). Sizes are the caller's contract:
  // wrong sizes are an InvalidArgument error.
  Result<Bytes> encode() const;

  friend bool operator==(const InitializeUpdateResponse&,
                         const InitializeUpdateResponse&) = default;
};

// Host: the command for key version `keyVersion` (00 = the card's default).
// Error: host challenge not 8 bytes.
Result<apdu::CommandApdu> initializeUpdateCommand(std::uint8_t keyVersion, ByteView hostChallenge);

// Host: parses the response data (29 or 32 bytes). Errors (InvalidArgument):
// other sizes, SCP identifier other than 03, S16 mode.
Result<InitializeUpdateResponse> parseInitializeUpdateResponse(ByteView data);

// Card: what an INITIALIZE UPDATE command asks for.
struct InitializeUpdateRequest {
  std::uint8_t keyVersion = 0;
  Bytes hostChallenge;
};

// Card: validates CLA 80..83 (GP class, any logical channel, no SM), INS 50,
// P2 00, 8 bytes of data.
Result<InitializeUpdateRequest> parseInitializeUpdateCommand(const apdu::CommandApdu& command);

}  // namespace cardd::applets::scp03
