#pragma once
// VpcdConnection: the card side of vsmartcard's vpcd protocol, so a
// CardApplet appears as a card in a real PC/SC reader ("Virtual PCD 00 00").
//
// Wire (vpcd listens, the card connects to host:port over TCP): every message
// is a 2-byte big-endian length followed by that many bytes; vpcd starts every
// exchange. A 1-byte payload is control: 00 power off, 01 power on, 02 reset
// (no answer), 04 get ATR (answered with the ATR). Longer payloads are
// C-APDUs, answered with the R-APDU (data ‖ SW1 SW2). Unknown control bytes
// are ignored. Bytes that do not parse as a C-APDU answer 6700, CLA FF 6E00.
//
// Lifecycle: connect() "inserts" the card: it starts one worker thread that
// connects, serves vpcd in a blocking loop, and, when vpcd drops the link
// (it does after a transmit error) or is not listening yet, reconnects with
// exponential backoff until disconnect(). disconnect() "removes" the card and
// is the clean stop: it shuts the socket down (waking the blocked recv),
// joins the thread; a link that was up powers the applet off. connect() may be called again
// afterwards; the applet (owned by the caller, must outlive this object) keeps
// its state across disconnects. Each lost link also powers the applet off.
//
// Latency: TCP_NODELAY is set, and TCP_QUICKACK is re-armed before every recv
// (Debian's vpcd writes length and body separately; with a delayed ACK each
// APDU would stall ~44 ms).
//
// Threading: connect(), disconnect(), isInserted(), isLinked() and stats() are
// safe from any thread, but connect()/disconnect() must not be called from
// the applet's callbacks (the worker would join itself; that aborts). The
// applet is only ever called from the worker thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "virtual_chip/card_applet.hpp"

namespace cardd::applets::virtual_chip {

struct VpcdEndpoint {
  std::string host = "127.0.0.1";  // name or numeric address (IPv4 or IPv6)
  std::uint16_t port = 35963;      // Debian's "Virtual PCD 00 00"
  std::chrono::milliseconds initialBackoff{50};
  std::chrono::milliseconds maxBackoff{2000};
  std::chrono::milliseconds connectTimeout{3000};
};

// Counters since construction; for tests and diagnostics.
struct VpcdStats {
  std::uint64_t links = 0;         // successful TCP connects
  std::uint64_t linkFailures = 0;  // failed connect attempts
  std::uint64_t linksLost = 0;     // established links that ended (any cause)
  std::uint64_t apdus = 0;         // C-APDUs answered (including 6700 / 6E00)
  std::uint64_t controls = 0;      // control messages handled
};

class VpcdConnection {
 public:
  // Validates nothing yet; `applet` must outlive this object.
  VpcdConnection(CardApplet& applet, VpcdEndpoint endpoint);
  // Calls disconnect().
  ~VpcdConnection();

  VpcdConnection(const VpcdConnection&) = delete;
  VpcdConnection& operator=(const VpcdConnection&) = delete;

  // Inserts the card: starts the worker. Returns at once; the link comes up
  // asynchronously (see isLinked()). Error (InvalidArgument): already
  // inserted, empty host or port 0.
  Status connect();

  // Removes the card: stops the worker and closes the link; if a link was up
  // the worker powers the applet off before it ends. Idempotent; returns when
  // the worker has ended.
  void disconnect();

  // Whether connect() was called without a disconnect() since.
  bool isInserted() const { return inserted_.load(); }
  // Whether a TCP link to vpcd is up right now.
  bool isLinked() const { return linked_.load(); }

  VpcdStats stats() const;

 private:
  void run();
  // Connects one socket; -1 on failure or stop.
  int openLink();
  // Serves one link until it drops or stop; closes nothing.
  void serve(int fd);
  // Handles one message; returns false on a write error.
  bool handle(int fd, ByteView payload);
  bool sendFrame(int fd, ByteView payload);
  bool recvExact(int fd, std::uint8_t* out, std::size_t size);
  // Sleeps for `delay` or until stop; returns false on stop.
  bool sleepUnlessStopped(std::chrono::milliseconds delay);
  void setFd(int fd);

  CardApplet& applet_;
  const VpcdEndpoint endpoint_;

  std::mutex lifecycleMutex_;  // serialises connect()/disconnect()
  std::thread worker_;
  std::atomic<bool> inserted_{false};
  std::atomic<bool> linked_{false};

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  int fd_ = -1;  // the current socket, for shutdown() from disconnect()
  VpcdStats stats_;
};

}  // namespace cardd::applets::virtual_chip
