#pragma once
// ISO/IEC 9797-1 padding method 2 as SCP03 uses it: append 80, then 00 up to
// the next multiple of 16 (a full block is added when the data already fills
// whole blocks). Pure functions; thread-safe.

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp03 {

Bytes pad80(ByteView data);

// Removes the padding. Error (InvalidArgument): not a whole number of blocks,
// empty, or the last non-zero byte of the final block is not 80.
Result<Bytes> unpad80(ByteView padded);

}  // namespace cardd::applets::scp03
