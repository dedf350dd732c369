#pragma once
// Byte buffers for everything that travels to or from a chip: owned buffers
// (Bytes), borrowed views (ByteView), and hex conversion for traces, test
// vectors and profile files. Pure functions, no state, thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cardd::applets {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Upper-case hex, no separators ("9000").
std::string toHex(ByteView bytes);

// Parses hex digits (either case). Spaces, tabs, newlines and ':' between
// bytes are ignored, so "84 82 11 00" and "848211:00" both work. Errors
// (InvalidArgument): a non-hex character, or an odd number of digits.
Result<Bytes> fromHex(std::string_view text);

// Appends `tail` to `out`.
void append(Bytes& out, ByteView tail);

// Compares two buffers in time independent of their contents (for MACs and
// cryptograms). Buffers of different sizes compare unequal.
bool constantTimeEqual(ByteView a, ByteView b);

}  // namespace cardd::applets
