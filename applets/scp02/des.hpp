#pragma once
// The DES primitives SCP02 is built from, through OpenSSL 3's default
// provider (DES-EDE3 ECB/CBC only: single DES is computed as EDE3 with one
// key three times, since plain DES lives in OpenSSL's legacy provider).
//
// Keys: SCP02 keys are two-key 3DES, 16 bytes (K1 ‖ K2, used as K1 K2 K1);
// single-DES operations take the first 8 bytes. Any other size is an
// InvalidArgument error, as is CBC data that is not a whole number of 8-byte
// blocks. Failures inside OpenSSL are Internal errors. Pure functions;
// thread-safe.

#include <cstddef>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp02 {

inline constexpr std::size_t kDesBlockSize = 8;
inline constexpr std::size_t kKeySize = 16;

// Single DES, ECB, one 8-byte block, with the first 8 bytes of `key`
// (8 or 16 bytes).
Result<Bytes> desEncryptBlock(ByteView key, ByteView block);
// Single DES CBC (first 8 bytes of `key`), no padding.
Result<Bytes> desCbcEncrypt(ByteView key, ByteView iv, ByteView data);

// Two-key 3DES (16-byte key), ECB and CBC, no padding.
Result<Bytes> tdesEcbEncrypt(ByteView key, ByteView data);
Result<Bytes> tdesEcbDecrypt(ByteView key, ByteView data);
Result<Bytes> tdesCbcEncrypt(ByteView key, ByteView iv, ByteView data);
Result<Bytes> tdesCbcDecrypt(ByteView key, ByteView iv, ByteView data);

// ISO/IEC 9797-1 padding method 2 to 8-byte blocks: 80, then 00s (a whole
// block is added when the data already fills whole blocks).
Bytes pad80(ByteView data);
// Error (InvalidArgument): not whole blocks, empty, or no 80 marker.
Result<Bytes> unpad80(ByteView padded);

// GlobalPlatform key check value of a 3DES key: the first 3 bytes of
// 3DES-ECB(key, 00×8).
Result<Bytes> keyCheckValue(ByteView key);

}  // namespace cardd::applets::scp02
