#pragma once
// The SCP03 key derivation function (GlobalPlatform Card Spec. v2.3 Amd D
// §4.1.5): NIST SP 800-108 KDF in counter mode with AES-CMAC as PRF and an
// 8-bit counter. Each 16-byte block i (1, 2, ...) is
//
//   CMAC(K, label(11 × 00) ‖ constant ‖ 00 ‖ L(16-bit, in bits) ‖ i ‖ context)
//
// and the output is the first L bits of the concatenated blocks.
// The same functions serve the host and the card side. Pure; thread-safe.

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "scp03/keys.hpp"

namespace cardd::applets::scp03 {

// Derivation constants (Amd D table 4-1).
namespace kdf {
inline constexpr std::uint8_t kCardCryptogram = 0x00;
inline constexpr std::uint8_t kHostCryptogram = 0x01;
inline constexpr std::uint8_t kCardChallenge = 0x02;
inline constexpr std::uint8_t kSessionEnc = 0x04;
inline constexpr std::uint8_t kSessionMac = 0x06;
inline constexpr std::uint8_t kSessionRmac = 0x07;
}  // namespace kdf

// SP 800-108 counter mode with an 8-bit counter placed between a fixed prefix
// and suffix: block i = CMAC(key, prefix ‖ i ‖ suffix); `outputBytes` bytes
// (1..255 × 16). This is the general form both the SCP03 KDF and KDF3 key
// diversification (diversification.hpp) use.
Result<Bytes> counterModeKdf(ByteView key, ByteView prefix, ByteView suffix,
                             std::size_t outputBytes);

// The SCP03 KDF above, `lengthBits` a multiple of 8.
Result<Bytes> deriveScp03(ByteView key, std::uint8_t constant, std::uint16_t lengthBits,
                          ByteView context);

// S-ENC, S-MAC and S-RMAC for a session: context = host challenge ‖ card
// challenge, each session key as long as the static keys. S-RMAC comes from
// the static MAC key. Errors: invalid key set (InvalidArgument).
Result<SessionKeys> deriveSessionKeys(const StaticKeys& keys, ByteView hostChallenge,
                                      ByteView cardChallenge);

// 64-bit card and host cryptograms (S8 mode) from S-MAC.
Result<Bytes> cardCryptogram(ByteView sessionMac, ByteView hostChallenge, ByteView cardChallenge);
Result<Bytes> hostCryptogram(ByteView sessionMac, ByteView hostChallenge, ByteView cardChallenge);

// The pseudo-random card challenge of a card with i-parameter b5 set (Amd D
// §6.2.2.1): 64 bits derived from the static ENC key with context =
// sequence counter (3 bytes) ‖ AID of the selected application.
Result<Bytes> pseudoRandomCardChallenge(ByteView staticEnc, ByteView sequenceCounter, ByteView aid);

}  // namespace cardd::applets::scp03
