#pragma once
// The parts of an Answer-To-Reset (ISO/IEC 7816-3 §8.2) the encoder uses: the
// protocols the card offers and whether its historical bytes announce
// extended Lc/Le (ISO/IEC 7816-4 §8.1.1.2.7, card capabilities, third
// software function byte, b7). Pure; thread-safe.
//
// Parsing: TS, T0, the interface bytes chained by the Y nibbles (TDi's low
// nibble is a protocol T), the K historical bytes, and TCK when any protocol
// other than T=0 is offered. Historical bytes starting with 80 (or 00, with a
// 3-byte status indicator at the end) are read as COMPACT-TLV; tag 7 is the
// card capabilities object. Error (InvalidArgument): the ATR is shorter than
// its structure says, or longer than 33 bytes.

#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::drivers::pcsc {

struct AtrInfo {
  bool offersT0 = false;  // T=0 (also when no TD1: T=0 is implicit)
  bool offersT1 = false;
  applets::Bytes historicalBytes;
  bool extendedLength = false;   // card capabilities b7 of the 3rd byte
  bool commandChaining = false;  // card capabilities b8 of the 3rd byte
};

Result<AtrInfo> parseAtr(applets::ByteView atr);

}  // namespace cardd::drivers::pcsc
