#include "scp03/padding.hpp"

#include "scp03/aes.hpp"

namespace cardd::applets::scp03 {

Bytes pad80(ByteView data) {
  Bytes out(data.begin(), data.end());
  out.push_back(0x80);
  while (out.size() % kBlockSize != 0) out.push_back(0x00);
  return out;
}

Result<Bytes> unpad80(ByteView padded) {
  if (padded.empty() || padded.size() % kBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "padded data is not a whole number of blocks"};
  }
  /* Only the last block may hold padding: at most 15 zeros before the 80. */
  std::size_t i = padded.size();
  const std::size_t floor = padded.size() - kBlockSize;
  while (i > floor && padded[i - 1] == 0x00) --i;
  if (i == floor || padded[i - 1] != 0x80) {
    return Error{ErrorCode::InvalidArgument, "bad 80 padding"};
  }
  return Bytes(padded.begin(), padded.begin() + static_cast<std::ptrdiff_t>(i - 1));
}

}  // namespace cardd::applets::scp03
