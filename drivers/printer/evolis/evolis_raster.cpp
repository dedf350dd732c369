#include "printer/evolis/evolis_raster.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
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

namespace {

// Packs groups of 8 pixels, which make exactly kBpp bytes (the raster is a
// multiple of 8 pixels): the 8 levels are gathered MSB first in a word whose
// top kBpp bytes are the output. While 8 bytes fit before the end of `out`
// the word is stored whole, big-endian (the next group overwrites the extra
// bytes); the last groups are stored byte by byte.
template <unsigned kBpp>
void packGroups(const std::uint8_t* density, std::size_t pixels,
                const std::array<std::uint8_t, 256>& level, std::uint8_t* out) {
  std::uint8_t* const end = out + pixels / 8 * kBpp;
  auto gather = [&](const std::uint8_t* d) {
    std::uint64_t word = 0;
    for (unsigned j = 0; j < 8; ++j) word = (word << kBpp) | level[d[j]];
    return word << (64 - 8 * kBpp);  // the first pixel's MSB at bit 63
  };
  for (; end - out >= 8; density += 8, out += kBpp) {
    std::uint64_t word = gather(density);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    std::memcpy(out, &word, sizeof word);
  }
  for (; out < end; density += 8, out += kBpp) {
    const std::uint64_t word = gather(density);
    for (unsigned b = 0; b < kBpp; ++b) out[b] = static_cast<std::uint8_t>(word >> (56 - 8 * b));
  }
}

}  // namespace

Result<Bytes> packPanel(std::span<const std::uint8_t> density, unsigned levels) {
  auto size = panelBytes(levels);
  if (!size) return size.error();
  if (density.size() != kScanLines * kPixelsPerLine) {
    return badArgument("evolis: panel raster must be 1016 x 648 pixels");
  }
  const unsigned bpp = *bitsPerPixel(levels);

  // The level of every density value, once: round(d * (levels - 1) / 255).
  std::array<std::uint8_t, 256> level{};
  for (unsigned d = 0; d < 256; ++d) {
    level[d] = static_cast<std::uint8_t>((d * (levels - 1) + 127) / 255);
  }
  Bytes out(*size);
  switch (bpp) {
    case 1:
      packGroups<1>(density.data(), density.size(), level, out.data());
      break;
    case 5:
      packGroups<5>(density.data(), density.size(), level, out.data());
      break;
    case 6:
      packGroups<6>(density.data(), density.size(), level, out.data());
      break;
    default:
      packGroups<7>(density.data(), density.size(), level, out.data());
      break;
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
