#include "printer/evolis/evolis_raster.hpp"

#include <algorithm>
#include <string>

#include "driver_error.hpp"

namespace cardd::drivers::evolis {

Result<unsigned> bitsPerPixel(unsigned levels) {
  switch (levels) {
    case 2:
      return 1u;
    case 32:
      return 5u;
    case 64:
      return 6u;
    case 128:
      return 7u;
    default:
      return badArgument("evolis: unsupported Db levels " + std::to_string(levels));
  }
}

Result<std::size_t> panelBytes(unsigned levels) {
  auto bpp = bitsPerPixel(levels);
  if (!bpp) return bpp.error();
  return kScanLines * kPixelsPerLine * *bpp / 8;
}

Result<Bytes> packPanel(std::span<const std::uint8_t> density, unsigned levels) {
  auto size = panelBytes(levels);
  if (!size) return size.error();
  if (density.size() != kScanLines * kPixelsPerLine) {
    return badArgument("evolis: panel raster must be 1016 x 648 pixels");
  }
  const unsigned bpp = *bitsPerPixel(levels);

  // Scale each pixel to a level, then append its bpp bits MSB first.
  Bytes out(*size, 0);
  std::size_t bit = 0;
  for (const std::uint8_t d : density) {
    const unsigned level = (static_cast<unsigned>(d) * (levels - 1) + 127) / 255;
    for (unsigned b = bpp; b-- > 0; ++bit) {
      if ((level >> b) & 1u) out[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    }
  }
  return out;
}

Result<Bytes> compressMono(std::span<const std::uint8_t> panel) {
  if (panel.size() % kMonoLineBytes != 0) {
    return badArgument("evolis: a 1 bpp panel must be whole 81-byte lines");
  }
  Bytes out;
  out.reserve(panel.size() / 4);
  for (std::size_t off = 0; off < panel.size(); off += kMonoLineBytes) {
    const auto line = panel.subspan(off, kMonoLineBytes);
    if (std::all_of(line.begin(), line.end(), [](std::uint8_t b) { return b == 0x00; })) {
      out.push_back(0x00);
    } else if (std::all_of(line.begin(), line.end(), [](std::uint8_t b) { return b == 0xFF; })) {
      out.push_back(0xFF);
    } else {
      // Keep up to the last inked byte; the decoder pads the rest with white.
      std::size_t n = kMonoLineBytes;
      while (line[n - 1] == 0x00) --n;
      out.push_back(static_cast<std::uint8_t>(n));
      out.insert(out.end(), line.begin(), line.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  return out;
}

Result<Bytes> decompressMono(std::span<const std::uint8_t> compressed, std::size_t max_lines) {
  Bytes out;
  std::size_t i = 0;
  std::size_t lines = 0;
  while (i < compressed.size()) {
    if (++lines > max_lines) return protocolError("evolis: Dbc payload has too many lines");
    const std::uint8_t lead = compressed[i++];
    if (lead == 0x00 || lead == 0xFF) {
      out.insert(out.end(), kMonoLineBytes, lead);
      continue;
    }
    if (lead > kMonoLineBytes) {
      return protocolError("evolis: Dbc line lead byte " + std::to_string(lead) + " is invalid");
    }
    if (compressed.size() - i < lead) return protocolError("evolis: Dbc payload ends mid-line");
    out.insert(out.end(), compressed.begin() + static_cast<std::ptrdiff_t>(i),
               compressed.begin() + static_cast<std::ptrdiff_t>(i + lead));
    out.insert(out.end(), kMonoLineBytes - lead, 0x00);
    i += lead;
  }
  return out;
}

}  // namespace cardd::drivers::evolis
