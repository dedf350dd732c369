#pragma once
// Per-card static keys from a master key: the "KDF3" scheme of
// GlobalPlatformPro (PlaintextKeys.diversify with Diversification.KDF3),
// which is the SP 800-108 counter-mode KDF of kdf.hpp with an empty prefix:
//
//   block i = CMAC(master, i ‖ 00 00 00 ‖ keyType ‖ 00 ‖ KDD)
//
// keyType 01 ENC, 02 MAC, 03 DEK; output as long as the master key (two
// blocks, truncated, for AES-192/256). KDD is the key diversification data
// the card returns in INITIALIZE UPDATE (10 bytes). Pure; thread-safe.

#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "scp03/keys.hpp"

namespace cardd::applets::scp03 {

enum class KeyType : std::uint8_t { Enc = 0x01, Mac = 0x02, Dek = 0x03 };

// One diversified key. Errors (InvalidArgument): master not an AES key, KDD
// empty.
Result<Bytes> diversifyKdf3(ByteView master, KeyType type, ByteView kdd);

// The card's whole static key set (all three keys from the one master key),
// with key version `version`.
Result<StaticKeys> diversifyKeySetKdf3(ByteView master, ByteView kdd, std::uint8_t version);

}  // namespace cardd::applets::scp03
