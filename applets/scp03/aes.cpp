#include "scp03/aes.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

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

const EVP_CIPHER* cipherFor(std::size_t keySize, bool cbc) {
  switch (keySize) {
    case 16:
      return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    case 24:
      return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    default:
      return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
  }
}

/* One EVP_Cipher pass with padding disabled; `iv` empty for ECB. */
Result<Bytes> runCipher(ByteView key, ByteView iv, ByteView data, bool cbc, bool encrypt) {
  if (!isAesKeySize(key.size())) return keyError();
  if (cbc && iv.size() != kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "AES-CBC IV must be 16 bytes"};
  }
  if (data.size() % kBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "AES data is not a whole number of blocks"};
  }
  if (data.empty()) return Bytes{};
  std::unique_ptr<EVP_CIPHER_CTX, MacDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return sslError("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex(ctx.get(), cipherFor(key.size(), cbc), nullptr, key.data(),
                        cbc ? iv.data() : nullptr, encrypt ? 1 : 0) != 1) {
    return sslError("EVP_CipherInit_ex");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes out(data.size() + kBlockSize);
  int written = 0;
  int tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &written, data.data(),
                       static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + written, &tail) != 1) {
    return sslError("AES cipher failed");
  }
  out.resize(static_cast<std::size_t>(written + tail));
  return out;
}

}  // namespace

bool isAesKeySize(std::size_t size) {
  return size == 16 || size == 24 || size == 32;
}

Result<Bytes> aesCmac(ByteView key, ByteView data) {
  if (!isAesKeySize(key.size())) return keyError();
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
  if (!mac) return sslError("EVP_MAC_fetch(CMAC)");
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return sslError("EVP_MAC_CTX_new");

  /* OpenSSL takes the cipher name as a non-const char*; it only reads it. */
  std::string cipher = cbcName(key.size());
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher.data(), 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) return sslError("EVP_MAC_init");
  if (!data.empty() && EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) {
    return sslError("EVP_MAC_update");
  }
  Bytes out(kBlockSize);
  std::size_t outLen = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &outLen, out.size()) != 1 || outLen != kBlockSize) {
    return sslError("EVP_MAC_final");
  }
  return out;
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
