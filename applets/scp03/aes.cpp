#include "scp03/aes.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <string>

namespace cardd::applets::scp03 {

namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

Error keyError() {
  return Error{ErrorCode::InvalidArgument, "AES key must be 16, 24 or 32 bytes"};
}
Error sslError(const char* what) {
  return Error{ErrorCode::Internal, std::string("OpenSSL: ") + what};
}

const char* cbcName(std::size_t keySize) {
  switch (keySize) {
    case 16:
      return "AES-128-CBC";
    case 24:
      return "AES-192-CBC";
    default:
      return "AES-256-CBC";
  }
}

const char* ecbName(std::size_t keySize) {
  switch (keySize) {
    case 16:
      return "AES-128-ECB";
    case 24:
      return "AES-192-ECB";
    default:
      return "AES-256-ECB";
  }
}

std::size_t sizeIndex(std::size_t keySize) {
  return keySize == 16 ? 0 : keySize == 24 ? 1 : 2;
}

/* The algorithms, fetched once per process from the default library
   context: OpenSSL 3 would otherwise look each one up by name (locks, a
   method-store search) on every call. Never freed; read-only once built
   (function-local statics: thread-safe initialisation). A null entry means
   the fetch failed and is reported by the caller. */
struct Algorithms {
  EVP_CIPHER* cbc[3] = {};
  EVP_CIPHER* ecb[3] = {};
  /* CMAC contexts with the cipher already chosen (and a zero key): each
     call duplicates one and sets its own key. */
  EVP_MAC_CTX* cmac[3] = {};

  Algorithms() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    for (std::size_t size : {16u, 24u, 32u}) {
      const std::size_t i = sizeIndex(size);
      cbc[i] = EVP_CIPHER_fetch(nullptr, cbcName(size), nullptr);
      ecb[i] = EVP_CIPHER_fetch(nullptr, ecbName(size), nullptr);
      if (mac == nullptr) continue;
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
      /* OpenSSL takes the cipher name as a non-const char*; it only reads it. */
      std::string cipher = cbcName(size);
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher.data(), 0),
          OSSL_PARAM_construct_end(),
      };
      /* Keyed with zeros: OpenSSL only duplicates an initialised CMAC. */
      const unsigned char zeros[32] = {};
      if (ctx != nullptr && EVP_MAC_init(ctx, zeros, size, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
      cmac[i] = ctx;
    }
    EVP_MAC_free(mac);  // the contexts hold their own reference
  }
};

const Algorithms& algorithms() {
  static const Algorithms instance;
  return instance;
}

/* One EVP_Cipher pass with padding disabled; `iv` empty for ECB. Writes
   data.size() bytes to `out`. */
Status runCipher(ByteView key, ByteView iv, ByteView data, bool cbc, bool encrypt,
                 std::uint8_t* out) {
  if (!isAesKeySize(key.size())) return keyError();
  if (cbc && iv.size() != kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "AES-CBC IV must be 16 bytes"};
  }
  if (data.size() % kBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "AES data is not a whole number of blocks"};
  }
  if (data.empty()) return Ok{};
  const auto& algs = algorithms();
  const EVP_CIPHER* cipher = (cbc ? algs.cbc : algs.ecb)[sizeIndex(key.size())];
  if (cipher == nullptr) return sslError("EVP_CIPHER_fetch(AES)");
  /* One context per thread, reset and re-keyed for every call. */
  thread_local std::unique_ptr<EVP_CIPHER_CTX, MacDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return sslError("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), cbc ? iv.data() : nullptr, encrypt ? 1 : 0,
                         nullptr) != 1) {
    EVP_CIPHER_CTX_reset(ctx.get());
    return sslError("EVP_CipherInit_ex2");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  int written = 0;
  const bool ok =
      EVP_CipherUpdate(ctx.get(), out, &written, data.data(), static_cast<int>(data.size())) == 1 &&
      static_cast<std::size_t>(written) == data.size();
  /* No key schedule left behind in the thread's context. */
  EVP_CIPHER_CTX_reset(ctx.get());
  if (!ok) return sslError("AES cipher failed");
  return Ok{};
}

Result<Bytes> runCipher(ByteView key, ByteView iv, ByteView data, bool cbc, bool encrypt) {
  Bytes out(data.size());
  auto st = runCipher(key, iv, data, cbc, encrypt, out.data());
  if (!st) return std::move(st).error();
  return out;
}

/* AES-CMAC over `count` parts, keyed on a duplicate of the template. */
Result<Bytes> cmacOf(ByteView key, const ByteView* parts, std::size_t count) {
  if (!isAesKeySize(key.size())) return keyError();
  const EVP_MAC_CTX* templateCtx = algorithms().cmac[sizeIndex(key.size())];
  if (templateCtx == nullptr) return sslError("EVP_MAC_fetch(CMAC)");
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(
      EVP_MAC_CTX_dup(const_cast<EVP_MAC_CTX*>(templateCtx)));
  if (!ctx) return sslError("EVP_MAC_CTX_dup");
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1) {
    return sslError("EVP_MAC_init");
  }
  for (std::size_t i = 0; i < count; ++i) {
    const ByteView part = parts[i];
    if (!part.empty() && EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1) {
      return sslError("EVP_MAC_update");
    }
  }
  Bytes out(kBlockSize);
  std::size_t outLen = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &outLen, out.size()) != 1 || outLen != kBlockSize) {
    return sslError("EVP_MAC_final");
  }
  return out;
}

}  // namespace

bool isAesKeySize(std::size_t size) {
  return size == 16 || size == 24 || size == 32;
}

Result<Bytes> aesCmac(ByteView key, ByteView data) {
  return cmacOf(key, &data, 1);
}

Result<Bytes> aesCmac(ByteView key, std::initializer_list<ByteView> parts) {
  return cmacOf(key, parts.begin(), parts.size());
}

Result<Bytes> aesEncryptBlock(ByteView key, ByteView block) {
  if (block.size() != kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "AES block must be 16 bytes"};
  }
  return runCipher(key, {}, block, false, true);
}

Result<Bytes> aesCbcEncrypt(ByteView key, ByteView iv, ByteView data) {
  return runCipher(key, iv, data, true, true);
}

Result<Bytes> aesCbcDecrypt(ByteView key, ByteView iv, ByteView data) {
  return runCipher(key, iv, data, true, false);
}

Result<Bytes> keyCheckValue(ByteView key) {
  const Bytes ones(kBlockSize, 0x01);
  auto block = aesEncryptBlock(key, ones);
  if (!block) return block;
  block->resize(3);
  return block;
}

}  // namespace cardd::applets::scp03
