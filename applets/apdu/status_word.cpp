#include "apdu/status_word.hpp"

#include <cstdio>

namespace cardd::applets::apdu {

std::string_view statusWordName(std::uint16_t word) {
  switch (word >> 8) {
    case sw::kBytesRemainingSw1:
      return "response bytes still available";
    case sw::kWrongLeSw1:
      return "wrong Le field";
    default:
      break;
  }
  switch (word) {
    case sw::kOk:
      return "ok";
    case sw::kEndOfFile:
      return "end of file reached before reading Ne bytes";
    case sw::kWrongLength:
      return "wrong length";
    case sw::kSecurityNotSatisfied:
      return "security status not satisfied";
    case sw::kConditionsNotSatisfied:
      return "conditions of use not satisfied";
    case sw::kIncorrectSmDataObjects:
      return "incorrect secure messaging data objects";
    case sw::kWrongData:
      return "incorrect parameters in the data field";
    case sw::kFileNotFound:
      return "file or application not found";
    case sw::kNotEnoughMemory:
      return "not enough memory space in the file";
    case sw::kFileExists:
      return "file already exists";
    case sw::kWrongP1P2:
      return "wrong parameters P1-P2";
    case sw::kInsNotSupported:
      return "instruction code not supported or invalid";
    case sw::kClaNotSupported:
      return "class not supported";
    default:
      return "unknown status";
  }
}

std::string describeStatusWord(std::uint16_t word) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(word));
  std::string out(hex);
  out += " (";
  out += statusWordName(word);
  out += ')';
  return out;
}

bool isSuccess(std::uint16_t word) {
  return word == sw::kOk;
}

bool isNormalOrWarning(std::uint16_t word) {
  const unsigned sw1 = word >> 8;
  return word == sw::kOk || sw1 == sw::kBytesRemainingSw1 || sw1 == 0x62 || sw1 == 0x63;
}

std::size_t bytesAvailable(std::uint16_t word) {
  if ((word >> 8) != sw::kBytesRemainingSw1) return 0;
  const std::size_t n = word & 0xFF;
  return n == 0 ? 256 : n;
}

std::size_t correctLe(std::uint16_t word) {
  if ((word >> 8) != sw::kWrongLeSw1) return 0;
  const std::size_t n = word & 0xFF;
  return n == 0 ? 256 : n;
}

}  // namespace cardd::applets::apdu
