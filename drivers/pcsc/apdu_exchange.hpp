#pragma once
// The transport-level status word handling every ApduChannel owes its
// callers (see apdu/apdu_channel.hpp), as a pure function over a raw
// "send these bytes, give me the answer bytes" callable, so it is unit-tested
// with a script and shared by the PC/SC channel and fakes.
//
//   61xx  the card has xx more bytes (00 = 256): send GET RESPONSE
//         (CLA' C0 00 00 Le=xx, CLA' = 00 with the command's logical channel)
//         and append; repeat while 61xx comes back. The final status word
//         is the last GET RESPONSE's.
//   6Cxx  wrong Le; the exact one is xx (00 = 256): re-send the same command
//         once with Ne = xx. Applies to the command and to GET RESPONSE.
//
// Limits: at most 65536 bytes accumulate and at most 300 GET RESPONSEs are
// sent; beyond that the card is misbehaving (Internal error). Errors of the
// raw exchange are returned unchanged; a raw answer shorter than 2 bytes is
// an Internal error ("no status word").
//
// Thread-safe if `raw` is.

#include <functional>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::drivers::pcsc {

using applets::Bytes;
using applets::ByteView;

// Sends one encoded C-APDU and returns the raw R-APDU (data ‖ SW1 SW2).
using RawExchange = std::function<Result<Bytes>(ByteView command)>;

inline constexpr std::size_t kMaxGetResponses = 300;

// Encodes `command`, exchanges it through `raw`, and resolves 61xx / 6Cxx.
Result<applets::apdu::ResponseApdu> exchangeResolvingStatus(
    const RawExchange& raw, const applets::apdu::CommandApdu& command);

// The GET RESPONSE command for `ne` bytes (1..256) on the logical channel
// of `cla` (interindustry CLA: b1-b2; further interindustry: b1-b4).
applets::apdu::CommandApdu getResponseCommand(std::uint8_t cla, std::size_t ne);

}  // namespace cardd::drivers::pcsc
