#pragma once
// How the PC/SC encoder turns pcsc-lite return codes into cardd::Error values
// a technician can act on. The raw code is classified into a PcscFailure
// (what the scheduler and the personaliser care about: is the card gone, the
// reader, the service?) and a sentence naming the operation, the reader and
// pcsc-lite's own text (pcsc_stringify_error). APDU bytes never appear.
//
//   card removed      SCARD_W_REMOVED_CARD, SCARD_E_NO_SMARTCARD,
//                     SCARD_W_UNPOWERED_CARD, SCARD_W_UNRESPONSIVE_CARD
//   reader removed    SCARD_E_READER_UNAVAILABLE, SCARD_E_UNKNOWN_READER,
//                     SCARD_E_NO_READERS_AVAILABLE
//   service stopped   SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED,
//                     SCARD_E_INVALID_HANDLE (a handle from before a pcscd
//                     restart), SCARD_F_COMM_ERROR
//   timeout           SCARD_E_TIMEOUT
//   sharing violation SCARD_E_SHARING_VIOLATION (another program holds the card)
//   card reset        SCARD_W_RESET_CARD (another program reset it)
//   cancelled         SCARD_E_CANCELLED
//   other             everything else (protocol mismatch, driver errors, ...)
//
// ErrorCode: Unavailable for the first six (the device is not there or busy:
// the scheduler may retry or hold), Internal for "other". Pure; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace cardd::drivers::pcsc {

enum class PcscFailure : std::uint8_t {
  None,
  CardRemoved,
  ReaderRemoved,
  ServiceStopped,
  Timeout,
  SharingViolation,
  CardReset,
  Cancelled,
  Other,
};

// pcsc-lite's LONG return code, widened (pcsc-lite's LONG is `long`).
using PcscCode = long;

PcscFailure classifyPcscCode(PcscCode code);

// Stable slug for logs and tests ("card-removed").
std::string_view failureSlug(PcscFailure failure);

// "card removed from reader 'Station Reader 00 00' during transmit
//  (Card was removed.: 0x80100069); check the card is seated ...".
// SCARD_E_NO_SMARTCARD reads "no card in reader ...".
Error pcscError(PcscCode code, std::string_view operation, std::string_view reader);

}  // namespace cardd::drivers::pcsc
