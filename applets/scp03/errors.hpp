#pragma once
// The two kinds of SCP03 failure, shared by the host and the card session:
// a caller breaking the protocol's order or sizes, and a cryptographic check
// (cryptogram, MAC) that did not verify.

#include <string>

#include "core/error.hpp"

namespace cardd::applets::scp03 {

inline Error misuse(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("SCP03: ") + what};
}

inline Error failedCheck(const char* what) {
  return Error{ErrorCode::IntegrityCheckFailed, std::string("SCP03: ") + what};
}

}  // namespace cardd::applets::scp03
