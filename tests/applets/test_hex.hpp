#pragma once
// Hex helpers for the applet tests: vectors are written as in the specs.

#include <gtest/gtest.h>

#include <string_view>

#include "common/bytes.hpp"

namespace cardd::applets::testing {

inline Bytes hex(std::string_view text) {
  auto bytes = fromHex(text);
  if (!bytes) {
    ADD_FAILURE() << "bad hex in test: " << text;
    return {};
  }
  return std::move(bytes).value();
}

}  // namespace cardd::applets::testing
