#include "pcsc/pcsc_error.hpp"

#include <PCSC/winscard.h>

#include <cstdio>
#include <type_traits>

namespace cardd::drivers::pcsc {

static_assert(std::is_same_v<LONG, PcscCode>, "pcsc-lite's LONG is expected to be long");

PcscFailure classifyPcscCode(PcscCode code) {
  switch (static_cast<unsigned long>(code) & 0xFFFFFFFFUL) {
    case SCARD_S_SUCCESS:
      return PcscFailure::None;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
      return PcscFailure::CardRemoved;
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_NO_READERS_AVAILABLE:
      return PcscFailure::ReaderRemoved;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
    case SCARD_F_COMM_ERROR:
      return PcscFailure::ServiceStopped;
    case SCARD_E_TIMEOUT:
      return PcscFailure::Timeout;
    case SCARD_E_SHARING_VIOLATION:
      return PcscFailure::SharingViolation;
    case SCARD_W_RESET_CARD:
      return PcscFailure::CardReset;
    case SCARD_E_CANCELLED:
      return PcscFailure::Cancelled;
    default:
      return PcscFailure::Other;
  }
}

std::string_view failureSlug(PcscFailure failure) {
  switch (failure) {
    case PcscFailure::None:
      return "none";
    case PcscFailure::CardRemoved:
      return "card-removed";
    case PcscFailure::ReaderRemoved:
      return "reader-removed";
    case PcscFailure::ServiceStopped:
      return "pcscd-stopped";
    case PcscFailure::Timeout:
      return "timeout";
    case PcscFailure::SharingViolation:
      return "sharing-violation";
    case PcscFailure::CardReset:
      return "card-reset";
    case PcscFailure::Cancelled:
      return "cancelled";
    case PcscFailure::Other:
      break;
  }
  return "pcsc-error";
}

Error pcscError(PcscCode code, std::string_view operation, std::string_view reader) {
  /* What happened, where, pcsc-lite's words and code, and what to do. */
  const PcscFailure failure = classifyPcscCode(code);
  const std::string where = reader.empty() ? std::string() : " '" + std::string(reader) + "'";
  std::string what;
  std::string action;
  switch (failure) {
    case PcscFailure::CardRemoved:
      what = (static_cast<unsigned long>(code) & 0xFFFFFFFFUL) == SCARD_E_NO_SMARTCARD
                 ? "no card in reader" + where
                 : "card removed from reader" + where;
      action = "check the card is seated at the contact station; the card must be rejected";
      break;
    case PcscFailure::ReaderRemoved:
      what = "reader" + where + " is not available";
      action = "check the encoder's USB cable and that the printer is powered";
      break;
    case PcscFailure::ServiceStopped:
      what = "the PC/SC service (pcscd) stopped or restarted";
      if (!where.empty()) what += " while using reader" + where;
      action = "check that pcscd is running (systemctl status pcscd.socket)";
      break;
    case PcscFailure::Timeout:
      what = "timed out waiting for reader" + where;
      action = "check the card reached the contact station";
      break;
    case PcscFailure::SharingViolation:
      what = "another program holds the card in reader" + where;
      action = "close other smart-card programs (pcsc_scan, browsers, middleware)";
      break;
    case PcscFailure::CardReset:
      what = "the card in reader" + where + " was reset by another program";
      action = "close other smart-card programs; the card must be rejected";
      break;
    case PcscFailure::Cancelled:
      what = "the wait on reader" + where + " was cancelled";
      action = "none: cardd is stopping or the job was cancelled";
      break;
    case PcscFailure::None:
    case PcscFailure::Other:
      what = "PC/SC error on reader" + where;
      action = "see the pcscd log (journalctl -u pcscd)";
      break;
  }
  char hexCode[16];
  std::snprintf(hexCode, sizeof hexCode, "0x%08lX",
                static_cast<unsigned long>(code) & 0xFFFFFFFFUL);
  std::string message = what + " during " + std::string(operation) + " (" +
                        pcsc_stringify_error(static_cast<LONG>(code)) + ": " + hexCode + "); " +
                        action;
  const ErrorCode ec = failure == PcscFailure::Other || failure == PcscFailure::None
                           ? ErrorCode::Internal
                           : ErrorCode::Unavailable;
  return Error{ec, std::move(message)};
}

}  // namespace cardd::drivers::pcsc
