#pragma once
// SCP03 key material. A card's static key set (ENC, MAC, DEK, one key version
// number) and the session keys derived from it for one secure channel
// session. All keys of a set have the same AES size. Key bytes are secrets:
// never log them; log keyCheckValue() instead.

#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp03 {

struct StaticKeys {
  std::uint8_t version = 0x30;  // KVN, 01..7F for SCP03 key sets
  Bytes enc;
  Bytes mac;
  Bytes dek;
};

struct SessionKeys {
  Bytes enc;   // S-ENC: C-DECRYPTION and R-ENCRYPTION
  Bytes mac;   // S-MAC: C-MAC and cryptograms
  Bytes rmac;  // S-RMAC: R-MAC
};

// Ok when enc, mac and dek are all AES keys of one size; InvalidArgument
// otherwise.
Status validateStaticKeys(const StaticKeys& keys);

}  // namespace cardd::applets::scp03
