#include "pcsc/pcsc_context.hpp"

#include <PCSC/winscard.h>

#include <algorithm>
#include <type_traits>

namespace cardd::drivers::pcsc {

static_assert(std::is_same_v<SCARDCONTEXT, long>,
              "pcsc-lite's SCARDCONTEXT is expected to be long");

std::string_view waitOutcomeName(WaitOutcome outcome) {
  switch (outcome) {
    case WaitOutcome::CardPresent:
      return "card-present";
    case WaitOutcome::CardAbsent:
      return "card-absent";
    case WaitOutcome::Timeout:
      return "timeout";
    case WaitOutcome::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

Result<std::unique_ptr<PcscContext>> PcscContext::establish() {
  std::unique_ptr<PcscContext> c(new PcscContext());
  if (auto ok = c->reestablish(); !ok) return std::move(ok).error();
  c->generation_ = 0;
  return c;
}

PcscContext::~PcscContext() {
  if (valid_) SCardReleaseContext(context_.load());
}

Error PcscContext::fail(long code, const char* operation, const std::string& reader) {
  lastFailure_ = classifyPcscCode(code);
  return pcscError(code, operation, reader);
}

Status PcscContext::reestablish() {
  if (valid_) {
    SCardReleaseContext(context_.load());
    valid_ = false;
  }
  SCARDCONTEXT context = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
  if (rv != SCARD_S_SUCCESS) return fail(rv, "establish context", "");
  context_.store(context);
  valid_ = true;
  ++generation_;
  lastFailure_ = PcscFailure::None;
  return Ok{};
}

void PcscContext::cancel() {
  SCardCancel(context_.load());
}

bool PcscContext::recovered() {
  /* A dead context (pcscd stopped or restarted) is re-established once; the
     caller then retries its operation. */
  if (lastFailure_ != PcscFailure::ServiceStopped) return false;
  return reestablish().ok();
}

Result<std::vector<std::string>> PcscContext::listOnce() {
  if (!valid_) {
    if (auto ok = reestablish(); !ok) return std::move(ok).error();
  }
  DWORD size = 0;
  LONG rv = SCardListReaders(context_.load(), nullptr, nullptr, &size);
  std::string names;
  if (rv == SCARD_S_SUCCESS) {
    names.assign(size, '\0');
    rv = SCardListReaders(context_.load(), nullptr, names.data(), &size);
  }
  if (rv == static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) {
    lastFailure_ = PcscFailure::None;
    return std::vector<std::string>{};
  }
  if (rv != SCARD_S_SUCCESS) return fail(rv, "list readers", "");
  /* A multi-string: names separated by NUL, ended by an empty one. */
  std::vector<std::string> readers;
  std::size_t start = 0;
  names.resize(std::min<std::size_t>(names.size(), size));
  while (start < names.size()) {
    const std::size_t end = names.find('\0', start);
    const std::size_t stop = end == std::string::npos ? names.size() : end;
    if (stop > start) readers.emplace_back(names, start, stop - start);
    start = stop + 1;
  }
  lastFailure_ = PcscFailure::None;
  return readers;
}

Result<std::vector<std::string>> PcscContext::listReaders() {
  auto readers = listOnce();
  if (!readers && recovered()) return listOnce();
  return readers;
}

Result<WaitOutcome> PcscContext::waitOnce(const std::string& reader, bool present,
                                          std::chrono::milliseconds timeout) {
  if (!valid_) {
    if (auto ok = reestablish(); !ok) return std::move(ok).error();
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  SCARD_READERSTATE state{};
  state.szReader = reader.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  DWORD slice = 0;  // the first call only reads the current state

  /* Each call returns on a change, the slice's end, or cancel; we compare
     the reader's state with what is wanted and wait for the remainder. */
  while (true) {
    const LONG rv = SCardGetStatusChange(context_.load(), slice, &state, 1);
    if (rv == static_cast<LONG>(SCARD_E_CANCELLED)) {
      lastFailure_ = PcscFailure::None;
      return WaitOutcome::Cancelled;
    }
    if (rv != SCARD_S_SUCCESS && rv != static_cast<LONG>(SCARD_E_TIMEOUT)) {
      return fail(rv, present ? "wait for card" : "wait for card removal", reader);
    }
    if ((state.dwEventState & SCARD_STATE_UNKNOWN) != 0) {
      return fail(static_cast<LONG>(SCARD_E_UNKNOWN_READER), "wait for card", reader);
    }
    if ((state.dwEventState & SCARD_STATE_UNAVAILABLE) != 0) {
      return fail(static_cast<LONG>(SCARD_E_READER_UNAVAILABLE), "wait for card", reader);
    }
    const bool isPresent = (state.dwEventState & SCARD_STATE_PRESENT) != 0;
    lastFailure_ = PcscFailure::None;
    if (isPresent == present) return present ? WaitOutcome::CardPresent : WaitOutcome::CardAbsent;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return WaitOutcome::Timeout;
    slice =
        static_cast<DWORD>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  }
}

Result<WaitOutcome> PcscContext::waitFor(const std::string& reader, bool present,
                                         std::chrono::milliseconds timeout) {
  auto outcome = waitOnce(reader, present, timeout);
  if (!outcome && recovered()) return waitOnce(reader, present, timeout);
  return outcome;
}

Result<WaitOutcome> PcscContext::waitForCard(const std::string& reader,
                                             std::chrono::milliseconds timeout) {
  return waitFor(reader, true, timeout);
}

Result<WaitOutcome> PcscContext::waitForRemoval(const std::string& reader,
                                                std::chrono::milliseconds timeout) {
  return waitFor(reader, false, timeout);
}

Result<std::unique_ptr<PcscCardChannel>> PcscContext::connectOnce(const std::string& reader,
                                                                  const ConnectOptions& options) {
  if (!valid_) {
    if (auto ok = reestablish(); !ok) return std::move(ok).error();
  }
  if (!options.allowT0 && !options.allowT1) {
    return Error{ErrorCode::InvalidArgument, "connect options allow neither T=0 nor T=1"};
  }
  const DWORD share =
      options.share == ShareMode::Shared ? SCARD_SHARE_SHARED : SCARD_SHARE_EXCLUSIVE;
  DWORD protocols =
      (options.allowT0 ? SCARD_PROTOCOL_T0 : 0U) | (options.allowT1 ? SCARD_PROTOCOL_T1 : 0U);
  SCARDHANDLE handle = 0;
  DWORD active = 0;
  LONG rv = static_cast<LONG>(SCARD_E_PROTO_MISMATCH);

  /* T=1 alone first when preferred, then whatever is allowed. */
  if (options.preferT1 && options.allowT0 && options.allowT1) {
    rv = SCardConnect(context_.load(), reader.c_str(), share, SCARD_PROTOCOL_T1, &handle, &active);
  }
  if (rv == static_cast<LONG>(SCARD_E_PROTO_MISMATCH)) {
    rv = SCardConnect(context_.load(), reader.c_str(), share, protocols, &handle, &active);
  }
  if (rv != SCARD_S_SUCCESS) return fail(rv, "connect", reader);

  const Protocol protocol = active == SCARD_PROTOCOL_T0 ? Protocol::T0 : Protocol::T1;
  std::unique_ptr<PcscCardChannel> channel(new PcscCardChannel(handle, reader, protocol));
  channel->share_ = options.share;
  BYTE atr[MAX_ATR_SIZE];
  DWORD atrLength = sizeof atr;
  DWORD readerLength = 0;
  DWORD state = 0;
  DWORD proto = 0;
  rv = SCardStatus(handle, nullptr, &readerLength, &state, &proto, atr, &atrLength);
  if (rv != SCARD_S_SUCCESS) return fail(rv, "read card status", reader);
  channel->atr_.assign(atr, atr + atrLength);
  channel->chooseLengths(options);
  lastFailure_ = PcscFailure::None;
  return channel;
}

Result<std::unique_ptr<PcscCardChannel>> PcscContext::connect(const std::string& reader,
                                                              const ConnectOptions& options) {
  auto channel = connectOnce(reader, options);
  if (!channel && recovered()) return connectOnce(reader, options);
  return channel;
}

}  // namespace cardd::drivers::pcsc
