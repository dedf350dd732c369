#include "scp03/diversification.hpp"

#include "scp03/aes.hpp"
#include "scp03/kdf.hpp"

namespace cardd::applets::scp03 {

Result<Bytes> diversifyKdf3(ByteView master, KeyType type, ByteView kdd) {
  if (!isAesKeySize(master.size())) {
    return Error{ErrorCode::InvalidArgument, "master key must be AES-128, -192 or -256"};
  }
  if (kdd.empty()) return Error{ErrorCode::InvalidArgument, "empty key diversification data"};
  Bytes suffix{0x00, 0x00, 0x00, static_cast<std::uint8_t>(type), 0x00};
  append(suffix, kdd);
  return counterModeKdf(master, {}, suffix, master.size());
}

Result<StaticKeys> diversifyKeySetKdf3(ByteView master, ByteView kdd, std::uint8_t version) {
  StaticKeys keys;
  keys.version = version;
  auto enc = diversifyKdf3(master, KeyType::Enc, kdd);
  if (!enc) return std::move(enc).error();
  auto mac = diversifyKdf3(master, KeyType::Mac, kdd);
  if (!mac) return std::move(mac).error();
  auto dek = diversifyKdf3(master, KeyType::Dek, kdd);
  if (!dek) return std::move(dek).error();
  keys.enc = std::move(enc).value();
  keys.mac = std::move(mac).value();
  keys.dek = std::move(dek).value();
  return keys;
}

}  // namespace cardd::applets::scp03
