#include "scp02/des.hpp"

#include <openssl/evp.h>

#include <memory>

namespace cardd::applets::scp02 {

namespace {

struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

/* K1 K2 K1 for two-key 3DES; K1 K1 K1 for single DES. */
Result<Bytes> ede3Key(ByteView key, bool single) {
  if (single ? (key.size() != 8 && key.size() != kKeySize) : key.size() != kKeySize) {
    return Error{ErrorCode::InvalidArgument,
                 single ? "DES key must be 8 or 16 bytes" : "3DES key must be 16 bytes"};
  }
  Bytes k;
  k.reserve(24);
  const ByteView k1 = key.first(8);
  const ByteView k2 = single ? k1 : key.subspan(8, 8);
  append(k, k1);
  append(k, k2);
  append(k, k1);
  return k;
}

Result<Bytes> run(ByteView key, bool single, ByteView iv, ByteView data, bool cbc, bool encrypt) {
  auto k = ede3Key(key, single);
  if (!k) return k;
  if (cbc && iv.size() != kDesBlockSize) {
    return Error{ErrorCode::InvalidArgument, "DES CBC IV must be 8 bytes"};
  }
  if (data.size() % kDesBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "DES data is not a whole number of blocks"};
  }
  if (data.empty()) return Bytes{};
  std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Error{ErrorCode::Internal, "OpenSSL: EVP_CIPHER_CTX_new"};
  if (EVP_CipherInit_ex(ctx.get(), cbc ? EVP_des_ede3_cbc() : EVP_des_ede3_ecb(), nullptr,
                        k->data(), cbc ? iv.data() : nullptr, encrypt ? 1 : 0) != 1) {
    return Error{ErrorCode::Internal, "OpenSSL: DES-EDE3 init failed"};
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes out(data.size() + kDesBlockSize);
  int written = 0;
  int tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &written, data.data(),
                       static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + written, &tail) != 1) {
    return Error{ErrorCode::Internal, "OpenSSL: DES-EDE3 failed"};
  }
  out.resize(static_cast<std::size_t>(written + tail));
  return out;
}

}  // namespace

Result<Bytes> desEncryptBlock(ByteView key, ByteView block) {
  if (block.size() != kDesBlockSize) {
    return Error{ErrorCode::InvalidArgument, "DES block must be 8 bytes"};
  }
  return run(key, true, {}, block, false, true);
}

Result<Bytes> desCbcEncrypt(ByteView key, ByteView iv, ByteView data) {
  return run(key, true, iv, data, true, true);
}

Result<Bytes> tdesEcbEncrypt(ByteView key, ByteView data) {
  return run(key, false, {}, data, false, true);
}

Result<Bytes> tdesEcbDecrypt(ByteView key, ByteView data) {
  return run(key, false, {}, data, false, false);
}

Result<Bytes> tdesCbcEncrypt(ByteView key, ByteView iv, ByteView data) {
  return run(key, false, iv, data, true, true);
}

Result<Bytes> tdesCbcDecrypt(ByteView key, ByteView iv, ByteView data) {
  return run(key, false, iv, data, true, false);
}

Bytes pad80(ByteView data) {
  Bytes out(data.begin(), data.end());
  out.push_back(0x80);
  while (out.size() % kDesBlockSize != 0) out.push_back(0x00);
  return out;
}

Result<Bytes> unpad80(ByteView padded) {
  if (padded.empty() || padded.size() % kDesBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "padded data is not a whole number of blocks"};
  }
  std::size_t end = padded.size();
  while (end > 0 && padded[end - 1] == 0x00) --end;
  if (end == 0 || padded[end - 1] != 0x80 || padded.size() - end >= kDesBlockSize) {
    return Error{ErrorCode::InvalidArgument, "bad ISO 9797-1 method 2 padding"};
  }
  return Bytes(padded.begin(), padded.begin() + static_cast<std::ptrdiff_t>(end - 1));
}

Result<Bytes> keyCheckValue(ByteView key) {
  const Bytes zeros(kDesBlockSize, 0x00);
  auto block = tdesEcbEncrypt(key, zeros);
  if (!block) return block;
  block->resize(3);
  return block;
}

}  // namespace cardd::applets::scp02
