#pragma once
// Transport: the byte-moving seam under every device driver (USB bulk, TCP
// socket, a scripted fake in tests). A transport knows nothing of commands,
// framing or replies; the family codec does.
//
// Threading: every call blocks. A Transport belongs to exactly one device
// worker thread, which is the only thread that calls it; implementations need
// no locking. The worker posts results back to the event loop.
//
// Errors: the two things that routinely happen to a device link are values of
// LinkState, not errors: a timeout (the device said nothing in time) and a
// disconnect (unplugged, peer closed). Once a call has returned Disconnected,
// every later call returns Disconnected until the owner replaces the
// transport. An Error is reserved for anything else (permission denied, an
// I/O failure the OS reports, use after close()).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace cardd::drivers {

using Bytes = std::vector<std::uint8_t>;

enum class LinkState {
  Ok,            // The call did what it was asked.
  Timeout,       // The deadline passed first. For write, some bytes may have gone out.
  Disconnected,  // The device or peer is gone.
};

struct ReadResult {
  LinkState state = LinkState::Ok;
  Bytes bytes;  // Non-empty exactly when state == Ok.
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Writes all of `bytes`, waiting at most `timeout` in total. Ok means every
  // byte was handed to the device (not that the device acted on it).
  [[nodiscard]] virtual Result<LinkState> write(std::span<const std::uint8_t> bytes,
                                                std::chrono::milliseconds timeout) = 0;

  // Waits at most `timeout` for data and returns what has arrived, at least
  // one and at most `max_bytes` bytes. Replies may arrive split or joined: the
  // codec, not the transport, finds message boundaries.
  [[nodiscard]] virtual Result<ReadResult> read(std::size_t max_bytes,
                                                std::chrono::milliseconds timeout) = 0;

  // Releases the device. Idempotent; later calls return an Error.
  virtual void close() = 0;

  // A stable, non-personal name for logs and traces ("usb:0f49:3007:1-2",
  // "tcp:127.0.0.1:9100").
  virtual std::string describe() const = 0;
};

}  // namespace cardd::drivers
