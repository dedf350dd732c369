#pragma once
// How drivers spell their likely failures with the core error vocabulary.
//
// core/error.hpp has no device-specific codes yet, so every driver builds its
// errors through these helpers and the mapping lives in this one place. When
// core grows codes such as DeviceProtocol, NotSupported or DeviceGone, only
// this file changes. Messages name the device family and the command, never
// personal data.

#include <string>
#include <utility>

#include "core/error.hpp"

namespace cardd::drivers {

// The device sent bytes that break its protocol (garbled or unexpected reply,
// malformed frame). Mapped to Internal: an unexpected failure of a dependency.
inline Error protocolError(std::string message) {
  return Error(ErrorCode::Internal, std::move(message));
}

// The device refused a command or its parameters (e.g. Evolis "ERROR CDE",
// "ERROR PARAMETERS"). Mapped to InvalidArgument: cardd sent something outside
// the device's contract.
inline Error deviceRefused(std::string message) {
  return Error(ErrorCode::InvalidArgument, std::move(message));
}

// The operation does not exist for this family or model (OpenSC's NULL entry).
// Mapped to Unavailable.
inline Error notSupported(std::string message) {
  return Error(ErrorCode::Unavailable, std::move(message));
}

// A caller handed a driver or codec a value outside the documented contract
// (wrong bitmap size, parameter with a separator in it).
inline Error badArgument(std::string message) {
  return Error(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace cardd::drivers
