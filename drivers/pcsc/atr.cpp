#include "pcsc/atr.hpp"

namespace cardd::drivers::pcsc {

namespace {

Error malformed(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("malformed ATR: ") + what};
}

/* COMPACT-TLV objects (tag in the high nibble, length in the low one). */
void readCapabilities(applets::ByteView objects, AtrInfo& info) {
  std::size_t i = 0;
  while (i < objects.size()) {
    const std::uint8_t tag = objects[i] >> 4;
    const std::size_t length = objects[i] & 0x0F;
    ++i;
    if (i + length > objects.size()) return;
    if (tag == 0x7 && length >= 3) {
      const std::uint8_t third = objects[i + 2];
      info.commandChaining = (third & 0x80) != 0;
      info.extendedLength = (third & 0x40) != 0;
    }
    i += length;
  }
}

}  // namespace

Result<AtrInfo> parseAtr(applets::ByteView atr) {
  if (atr.size() < 2) return malformed("fewer than 2 bytes");
  if (atr.size() > 33) return malformed("more than 33 bytes");
  AtrInfo info;
  std::size_t i = 1;  // T0
  std::uint8_t y = atr[i] >> 4;
  const std::size_t historical = atr[i] & 0x0F;
  ++i;
  bool anyTd = false;
  bool needsTck = false;

  /* Interface bytes: TAi TBi TCi TDi as flagged by Y; TDi names a protocol
     and flags the next group. */
  while (true) {
    for (int bit = 0; bit < 3; ++bit) {
      if ((y & (1 << bit)) != 0) ++i;
    }
    if ((y & 0x08) == 0) break;
    if (i >= atr.size()) return malformed("interface bytes cut short");
    const std::uint8_t td = atr[i++];
    anyTd = true;
    const std::uint8_t t = td & 0x0F;
    if (t == 0) info.offersT0 = true;
    if (t == 1) info.offersT1 = true;
    if (t != 0) needsTck = true;
    y = td >> 4;
  }
  if (!anyTd) info.offersT0 = true;
  if (i + historical > atr.size()) return malformed("historical bytes cut short");
  info.historicalBytes.assign(atr.begin() + static_cast<std::ptrdiff_t>(i),
                              atr.begin() + static_cast<std::ptrdiff_t>(i + historical));
  i += historical;
  if (needsTck && i >= atr.size()) return malformed("TCK missing");

  const auto& h = info.historicalBytes;
  if (!h.empty() && h[0] == 0x80) {
    readCapabilities(applets::ByteView(h).subspan(1), info);
  } else if (!h.empty() && h[0] == 0x00 && h.size() >= 4) {
    readCapabilities(applets::ByteView(h).subspan(1, h.size() - 4), info);
  }
  return info;
}

}  // namespace cardd::drivers::pcsc
