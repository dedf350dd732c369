#pragma once
// SCP02 key material and cryptography (GlobalPlatform Card Specification
// v2.2 Appendix E), as pure functions; HostSession sequences them.
//
//   session key  3DES-CBC(static key, ICV 0, const(2) ‖ seq(2) ‖ 00×12)
//                const: 0182 S-ENC, 0101 C-MAC, 0102 R-MAC, 0181 DEK
//   card cryptogram  full 3DES MAC(S-ENC, host_chal ‖ seq ‖ card_chal)
//   host cryptogram  full 3DES MAC(S-ENC, seq ‖ card_chal ‖ host_chal)
//   full 3DES MAC    last block of 3DES-CBC(key, ICV, pad80(data))
//   retail MAC       ISO 9797-1 MAC algorithm 3 with padding method 2: single
//                    DES-CBC (K1) over all blocks but the last, 3DES on the
//                    last; the C-MAC of every command
//   ICV encryption   (i-parameter b5, i = 15 / 55) the C-MAC chaining value
//                    for the next command is DES-ECB(K1 of S-MAC, last C-MAC)
//
// Keys are 16-byte two-key 3DES; key bytes are secrets (log
// keyCheckValue()). Challenges: host 8 bytes, card 6 bytes, sequence counter
// 2 bytes. Errors: InvalidArgument for wrong sizes. Thread-safe.

#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp02 {

inline constexpr std::size_t kMacSize = 8;
inline constexpr std::size_t kHostChallengeSize = 8;
inline constexpr std::size_t kCardChallengeSize = 6;
inline constexpr std::size_t kSequenceCounterSize = 2;

namespace derivation {
inline constexpr std::uint16_t kCMac = 0x0101;
inline constexpr std::uint16_t kRMac = 0x0102;
inline constexpr std::uint16_t kEnc = 0x0182;
inline constexpr std::uint16_t kDek = 0x0181;
}  // namespace derivation

struct StaticKeys {
  std::uint8_t version = 0x20;  // KVN
  Bytes enc;
  Bytes mac;
  Bytes dek;
};

struct SessionKeys {
  Bytes enc;   // S-ENC: cryptograms and C-DECRYPTION
  Bytes cmac;  // C-MAC
  Bytes rmac;  // R-MAC
  Bytes dek;   // session DEK (sensitive data, e.g. PUT KEY)
};

Result<Bytes> deriveSessionKey(ByteView staticKey, std::uint16_t constant,
                               ByteView sequenceCounter);
// All four session keys. With `singleBaseKey` (i-parameter b1 = 0) every
// session key derives from keys.enc.
Result<SessionKeys> deriveSessionKeys(const StaticKeys& keys, ByteView sequenceCounter,
                                      bool singleBaseKey = false);

Result<Bytes> fullTripleDesMac(ByteView key, ByteView icv, ByteView data);
Result<Bytes> retailMac(ByteView key, ByteView icv, ByteView data);

Result<Bytes> cardCryptogram(ByteView sessionEnc, ByteView hostChallenge, ByteView sequenceCounter,
                             ByteView cardChallenge);
Result<Bytes> hostCryptogram(ByteView sessionEnc, ByteView hostChallenge, ByteView sequenceCounter,
                             ByteView cardChallenge);

// The ICV for the command after one whose C-MAC was `mac`.
Result<Bytes> encryptIcv(ByteView sessionCMac, ByteView mac);

}  // namespace cardd::applets::scp02
