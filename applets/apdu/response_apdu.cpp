#include "apdu/response_apdu.hpp"

namespace cardd::applets::apdu {

Bytes ResponseApdu::encode() const {
  Bytes out;
  out.reserve(data.size() + 2);
  append(out, data);
  out.push_back(sw1());
  out.push_back(sw2());
  return out;
}

Result<ResponseApdu> parseResponseApdu(ByteView bytes) {
  if (bytes.size() < 2) return Error{ErrorCode::InvalidArgument, "R-APDU shorter than 2 bytes"};
  if (bytes.size() > 65536 + 2) {
    return Error{ErrorCode::InvalidArgument, "R-APDU data longer than 65536 bytes"};
  }
  ResponseApdu r;
  r.data.assign(bytes.begin(), bytes.end() - 2);
  r.sw = static_cast<std::uint16_t>((bytes[bytes.size() - 2] << 8) | bytes[bytes.size() - 1]);
  return r;
}

}  // namespace cardd::applets::apdu
