#pragma once
// The AES primitives SCP03 is built from, through OpenSSL 3 (EVP_MAC "CMAC",
// EVP_Cipher AES-ECB / AES-CBC). Keys are 16, 24 or 32 bytes; any other size
// is an InvalidArgument error, as is CBC data that is not a whole number of
// blocks. Failures inside OpenSSL are Internal errors. No padding is added or
// removed here (see padding.hpp). Pure functions; thread-safe: the
// algorithms are fetched once per process, each call keys its own context
// (a CMAC context duplicated from a per-process template, a per-thread
// cipher context reset after use).

#include <cstddef>
#include <initializer_list>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp03 {

inline constexpr std::size_t kBlockSize = 16;

// Whether `size` is an AES key size (16, 24, 32).
bool isAesKeySize(std::size_t size);

// AES-CMAC (NIST SP 800-38B) of `data`: 16 bytes.
Result<Bytes> aesCmac(ByteView key, ByteView data);
// AES-CMAC of the concatenation of `parts`, without building it.
Result<Bytes> aesCmac(ByteView key, std::initializer_list<ByteView> parts);

// AES-ECB of one 16-byte block.
Result<Bytes> aesEncryptBlock(ByteView key, ByteView block);

// AES-CBC without padding; `iv` is 16 bytes, `data` a multiple of 16 bytes
// (may be empty).
Result<Bytes> aesCbcEncrypt(ByteView key, ByteView iv, ByteView data);
Result<Bytes> aesCbcDecrypt(ByteView key, ByteView iv, ByteView data);

// GlobalPlatform key check value: the first 3 bytes of AES-ECB(key, 01×16).
Result<Bytes> keyCheckValue(ByteView key);

}  // namespace cardd::applets::scp03
