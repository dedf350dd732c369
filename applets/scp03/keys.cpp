#include "scp03/keys.hpp"

#include "scp03/aes.hpp"

namespace cardd::applets::scp03 {

Status validateStaticKeys(const StaticKeys& keys) {
  if (!isAesKeySize(keys.enc.size())) {
    return Error{ErrorCode::InvalidArgument, "SCP03 keys must be AES-128, -192 or -256"};
  }
  if (keys.mac.size() != keys.enc.size() || keys.dek.size() != keys.enc.size()) {
    return Error{ErrorCode::InvalidArgument, "SCP03 ENC, MAC and DEK keys differ in size"};
  }
  return Ok{};
}

}  // namespace cardd::applets::scp03
