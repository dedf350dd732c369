#include "scp03/security_level.hpp"

namespace cardd::applets::scp03 {

bool isValidSecurityLevel(SecurityLevel l) {
  switch (l) {
    case 0x00:
    case 0x01:
    case 0x03:
    case 0x11:
    case 0x13:
    case 0x33:
      return true;
    default:
      return false;
  }
}

}  // namespace cardd::applets::scp03
