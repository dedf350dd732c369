#include "master_key.hpp"

#include <openssl/crypto.h>

#include <utility>

#include "key_files.hpp"
#include "scp03/aes.hpp"
#include "scp03/diversification.hpp"

namespace cardd::applets::signing {

FileMasterKey::~FileMasterKey() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

Result<FileMasterKey> FileMasterKey::fromBytes(Bytes key, std::string origin) {
  if (!scp03::isAesKeySize(key.size())) {
    OPENSSL_cleanse(key.data(), key.size());
    return Error{ErrorCode::InvalidArgument,
                 "the master key from " + origin + " is not an AES key (16, 24 or 32 bytes)"};
  }
  auto kcv = scp03::keyCheckValue(key);
  FileMasterKey master;
  master.key_ = std::move(key);
  master.description_ = origin + " (KCV " + (kcv ? toHex(*kcv) : std::string("?")) + ")";
  return master;
}

Result<FileMasterKey> FileMasterKey::load(const std::string& path) {
  auto perms = checkSecretFilePermissions(path, "SCP03 master key");
  if (!perms) return std::move(perms).error();
  auto raw = readFileBytes(path);
  if (!raw) return std::move(raw).error();
  std::string text(raw->begin(), raw->end());
  OPENSSL_cleanse(raw->data(), raw->size());
  auto key = fromHex(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key) {
    return Error{ErrorCode::InvalidArgument,
                 "the SCP03 master key file '" + path + "' must hold the key as hex digits"};
  }
  return fromBytes(std::move(key).value(), "file:" + path);
}

Result<Bytes> FileMasterKey::diversify(std::uint8_t keyType, ByteView kdd) const {
  return scp03::diversifyKdf3(key_, static_cast<scp03::KeyType>(keyType), kdd);
}

}  // namespace cardd::applets::signing
