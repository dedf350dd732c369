#pragma once
// Evolis raster geometry and bitmap encodings: panel sizes for the `Db`
// download, bit packing, and the `Dbc` line compression. Pure functions.
//
// Geometry (reference/card-printers.md): 300 dpi, CR80 card = 1016 x 648 px,
// sent as 1016 scan lines of 648 px, MSB first, bit 1 = ink. A 1 bit/pixel
// panel is 1016 * 81 = 82,296 bytes.
//
// Colour panels: `Db;<panel>;<levels>` with 32, 64 or 128 levels, i.e. 5, 6 or
// 7 bits per pixel. UNCERTAIN: the public sources do not show the colour bit
// layout. We assume pixels packed MSB first with no per-line padding, which
// gives 658,368 px * bpp / 8 bytes: 411,480 (32), 493,776 (64), 576,072 (128).
// 648 * bpp is a multiple of 8 for bpp 5, 6 and 7, so per-line padding would
// not change these sizes, only the layout if lines were padded to words. Check
// against a capture from a real printer before trusting colour output.
// (The open-source Perl simulator saves Db panels as 1015 lines and marks it
// "FIXME 1016?"; we follow the reference's 1016.)

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace cardd::drivers::evolis {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kScanLines = 1016;
inline constexpr std::size_t kPixelsPerLine = 648;
inline constexpr std::size_t kMonoLineBytes = kPixelsPerLine / 8;            // 81
inline constexpr std::size_t kMonoPanelBytes = kScanLines * kMonoLineBytes;  // 82,296

// Largest possible Dbc payload: every line as a 1-byte lead plus 81 bytes.
inline constexpr std::size_t kMaxDbcBytes = kScanLines * (1 + kMonoLineBytes);  // 83,312

// Bits per pixel for a `Db` levels parameter: 2 -> 1, 32 -> 5, 64 -> 6,
// 128 -> 7. Any other value is an InvalidArgument error.
Result<unsigned> bitsPerPixel(unsigned levels);

// Bytes of a full-card `Db` payload at `levels` (see the uncertainty above).
Result<std::size_t> panelBytes(unsigned levels);

// Packs a full-card density raster (kScanLines * kPixelsPerLine bytes, one
// per pixel, 0 = no ink .. 255 = full ink) into `levels` levels, MSB first.
// Density d maps to level round(d * (levels - 1) / 255); for levels == 2
// that is a 50% threshold. Fails on a wrong raster size or levels value.
Result<Bytes> packPanel(std::span<const std::uint8_t> density, unsigned levels);

// Dbc line compression of a 1 bit/pixel panel (any whole number of 81-byte
// lines, normally kMonoPanelBytes). Per line: 0x00 = all white, 0xFF = all
// black, n in 1..81 = n bytes follow, the rest of the line is white.
// Always succeeds for whole lines; a size that is not a multiple of 81 fails.
Result<Bytes> compressMono(std::span<const std::uint8_t> panel);

// Inverse of compressMono. Fails on a lead byte 82..254, a truncated line, or
// more than `max_lines` lines. Returns lines * 81 bytes.
Result<Bytes> decompressMono(std::span<const std::uint8_t> compressed,
                             std::size_t max_lines = kScanLines);

}  // namespace cardd::drivers::evolis
