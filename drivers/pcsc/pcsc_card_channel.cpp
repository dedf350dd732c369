#include "pcsc/pcsc_card_channel.hpp"

#include <PCSC/reader.h>
#include <PCSC/winscard.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <type_traits>
#include <vector>

#include "pcsc/apdu_exchange.hpp"
#include "pcsc/atr.hpp"

namespace cardd::drivers::pcsc {

namespace apdu = applets::apdu;

static_assert(std::is_same_v<SCARDHANDLE, long>, "pcsc-lite's SCARDHANDLE is expected to be long");

namespace {

DWORD dispositionCode(Disposition d) {
  switch (d) {
    case Disposition::Leave:
      return SCARD_LEAVE_CARD;
    case Disposition::Reset:
      return SCARD_RESET_CARD;
    case Disposition::Unpower:
      return SCARD_UNPOWER_CARD;
    case Disposition::Eject:
      return SCARD_EJECT_CARD;
  }
  return SCARD_LEAVE_CARD;
}

/* Bytes around Nc in an extended command: header 4, Lc 3, Le 2. */
constexpr std::size_t kExtendedOverhead = 9;

}  // namespace

PcscCardChannel::PcscCardChannel(long handle, std::string reader, Protocol protocol)
    : handle_(handle), connected_(true), reader_(std::move(reader)), protocol_(protocol) {}

PcscCardChannel::~PcscCardChannel() {
  if (connected_) SCardDisconnect(handle_, SCARD_LEAVE_CARD);
}

Error PcscCardChannel::fail(long code, const char* operation) {
  lastFailure_ = classifyPcscCode(code);
  return pcscError(code, operation, reader_);
}

void PcscCardChannel::chooseLengths(const ConnectOptions& options) {
  /* The reader's limit, when its driver reports one (CCID does; vpcd may
     not): the largest APDU it moves. */
  std::size_t readerLimit = 0;
  {
    /* Drivers answer a 32-bit little-endian value (CCID); accept 1..8 bytes. */
    BYTE value[8] = {};
    DWORD size = sizeof value;
    if (SCardGetAttrib(handle_, SCARD_ATTR_MAXINPUT, value, &size) == SCARD_S_SUCCESS &&
        size >= 1 && size <= sizeof value) {
      for (DWORD i = size; i > 0; --i) readerLimit = readerLimit << 8 | value[i - 1];
    }
  }
  auto extended = [&](const std::string& why) {
    maxCommandData_ = apdu::kExtendedMaxData;
    maxResponseData_ = apdu::kExtendedMaxExpected;
    lengthSource_ = why;
    if (readerLimit > 0) {
      if (readerLimit < apdu::kShortMaxData + kExtendedOverhead + 1) {
        maxCommandData_ = apdu::kShortMaxData;
        maxResponseData_ = apdu::kShortMaxExpected;
        lengthSource_ = why + ", short: reader maxinput " + std::to_string(readerLimit);
      } else {
        maxCommandData_ = std::min(maxCommandData_, readerLimit - kExtendedOverhead);
        lengthSource_ = why + "+reader-maxinput";
      }
    }
  };

  if (options.maxCommandDataOverride > 0) {
    maxCommandData_ = std::min(options.maxCommandDataOverride, apdu::kExtendedMaxData);
    maxResponseData_ = maxCommandData_ > apdu::kShortMaxData ? apdu::kExtendedMaxExpected
                                                             : apdu::kShortMaxExpected;
    lengthSource_ = "override";
    return;
  }
  switch (options.length) {
    case LengthPolicy::ShortOnly:
      lengthSource_ = "policy: short only";
      return;
    case LengthPolicy::Extended:
      extended("policy: extended");
      return;
    case LengthPolicy::Auto:
      break;
  }
  auto info = parseAtr(atr_);
  if (info && info->extendedLength) {
    extended("atr");
  } else {
    lengthSource_ = info ? "atr: no extended length" : "atr unreadable";
  }
}

Result<applets::Bytes> PcscCardChannel::rawTransmit(applets::ByteView command) {
  const SCARD_IO_REQUEST* pci = protocol_ == Protocol::T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  /* One receive buffer per channel: a fresh zero-filled 64 KB per APDU was
     a tenth of a personalisation's host time. */
  if (answer_.size() < MAX_BUFFER_SIZE_EXTENDED) answer_.resize(MAX_BUFFER_SIZE_EXTENDED);
  DWORD length = static_cast<DWORD>(answer_.size());
  const LONG rv = SCardTransmit(handle_, pci, command.data(), static_cast<DWORD>(command.size()),
                                nullptr, answer_.data(), &length);
  if (rv == static_cast<LONG>(SCARD_E_NOT_TRANSACTED) && cardWentAway()) {
    return fail(static_cast<LONG>(SCARD_W_REMOVED_CARD), "transmit");
  }
  if (rv != SCARD_S_SUCCESS) return fail(rv, "transmit");
  return applets::Bytes(answer_.begin(), answer_.begin() + static_cast<std::ptrdiff_t>(length));
}

bool PcscCardChannel::cardWentAway() {
  /* A card pulled during an exchange fails it with SCARD_E_NOT_TRANSACTED;
     pcscd's presence poll (~400 ms) then reports the removal. Ask for up to
     1.5 s so the technician reads "card removed", not "transaction failed". */
  for (int attempt = 0; attempt < 30; ++attempt) {
    DWORD readerLength = 0;
    DWORD state = 0;
    DWORD protocol = 0;
    DWORD atrLength = 0;
    const LONG rv =
        SCardStatus(handle_, nullptr, &readerLength, &state, &protocol, nullptr, &atrLength);
    const PcscFailure failure = classifyPcscCode(rv);
    if (failure == PcscFailure::CardRemoved) return true;
    if (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT) != 0) return true;
    if (rv != SCARD_S_SUCCESS && failure != PcscFailure::CardReset) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Result<apdu::ResponseApdu> PcscCardChannel::transmit(const apdu::CommandApdu& command) {
  if (!connected_) {
    return Error{ErrorCode::InvalidArgument, "no card connection to '" + reader_ + "'"};
  }
  if (command.data.size() > maxCommandData_ || command.ne > maxResponseData_) {
    return Error{ErrorCode::InvalidArgument,
                 "command of " + std::to_string(command.data.size()) + " data bytes (Ne " +
                     std::to_string(command.ne) + ") exceeds what reader '" + reader_ +
                     "' takes in one APDU (" + std::to_string(maxCommandData_) + " / " +
                     std::to_string(maxResponseData_) + "); split it into chunks"};
  }
  auto response = exchangeResolvingStatus(
      [this](applets::ByteView bytes) { return rawTransmit(bytes); }, command);
  if (response) lastFailure_ = PcscFailure::None;
  return response;
}

Status PcscCardChannel::beginTransaction() {
  const LONG rv = SCardBeginTransaction(handle_);
  if (rv != SCARD_S_SUCCESS) return fail(rv, "begin transaction");
  lastFailure_ = PcscFailure::None;
  return Ok{};
}

Status PcscCardChannel::endTransaction(Disposition disposition) {
  const LONG rv = SCardEndTransaction(handle_, dispositionCode(disposition));
  if (rv != SCARD_S_SUCCESS) return fail(rv, "end transaction");
  lastFailure_ = PcscFailure::None;
  return Ok{};
}

Status PcscCardChannel::reconnect(Disposition initialization) {
  DWORD active = 0;
  const DWORD protocols = protocol_ == Protocol::T0 ? SCARD_PROTOCOL_T0 : SCARD_PROTOCOL_T1;
  /* pcsc-lite wants the share mode again: the one chosen at connect. */
  const DWORD share = share_ == ShareMode::Shared ? SCARD_SHARE_SHARED : SCARD_SHARE_EXCLUSIVE;
  const LONG rv =
      SCardReconnect(handle_, share, protocols, dispositionCode(initialization), &active);
  if (rv != SCARD_S_SUCCESS) return fail(rv, "reconnect");
  lastFailure_ = PcscFailure::None;
  return Ok{};
}

Status PcscCardChannel::disconnect(Disposition disposition) {
  if (!connected_) return Ok{};
  connected_ = false;
  const LONG rv = SCardDisconnect(handle_, dispositionCode(disposition));
  /* The card or pcscd being gone already is not a failure to disconnect. */
  const PcscFailure failure = classifyPcscCode(rv);
  if (rv != SCARD_S_SUCCESS && failure != PcscFailure::CardRemoved &&
      failure != PcscFailure::ServiceStopped && failure != PcscFailure::ReaderRemoved) {
    return fail(rv, "disconnect");
  }
  return Ok{};
}

}  // namespace cardd::drivers::pcsc
