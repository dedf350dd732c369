#pragma once
// Helpers for the Evolis codec tests: byte strings written as the reference
// shows them ("\x1bPem;2\r") and recognisable bitmaps.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "printer/evolis/evolis_raster.hpp"

namespace cardd::drivers::evolis::testing {

inline Bytes bytesOf(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

inline std::string textOf(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// A 1 bpp panel with white, black, partly inked and fully inked-but-not-0xFF
// lines, and payload bytes equal to ESC and CR to catch escaping bugs.
inline Bytes patternedMonoPanel() {
  Bytes panel(kMonoPanelBytes, 0x00);
  for (std::size_t line = 0; line < kScanLines; ++line) {
    auto* l = panel.data() + line * kMonoLineBytes;
    switch (line % 5) {
      case 0:
        break;  // white
      case 1:
        std::fill(l, l + kMonoLineBytes, std::uint8_t{0xFF});
        break;
      case 2:
        l[0] = 0x1B;
        l[1] = 0x0D;
        l[line % kMonoLineBytes] = 0x80;
        break;
      case 3:
        for (std::size_t i = 0; i < kMonoLineBytes; ++i) l[i] = static_cast<std::uint8_t>(i + line);
        break;
      default:
        l[kMonoLineBytes - 1] = 0x01;  // last byte only: a full-length line
        break;
    }
  }
  return panel;
}

}  // namespace cardd::drivers::evolis::testing
