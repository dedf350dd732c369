#pragma once
// TcpTransport: a Transport over a TCP stream socket, for network card
// printers and emulators ("tcp:127.0.0.1:9100").
//
// Life cycle: construct with a host and port, then open(). open() resolves
// the host (IPv4 or IPv6, numeric or a name, via getaddrinfo), tries each
// address until one connects, and sets TCP_NODELAY. Calling open() again
// drops any current connection and reconnects: that is how the owner
// "replaces" the transport after a Disconnected. close() releases the socket;
// the destructor closes too.
//
// Timeouts: every call returns within its timeout (plus scheduling slack),
// with one exception: resolving a host *name* uses the blocking system
// resolver, which the connect timeout cannot bound. Pass a numeric address
// where a hard bound matters.
//
// Errors (see transport.hpp for the LinkState contract):
//   open()  Ok; Timeout when no address connected in time; an Error
//           (Unavailable) when the name does not resolve or every address
//           refused or was unreachable.
//   write() Ok; Timeout (some bytes may have gone out); Disconnected when the
//           peer closed or reset the connection (EPIPE, ECONNRESET). Never
//           raises SIGPIPE (MSG_NOSIGNAL).
//   read()  Ok with 1..max_bytes bytes; Timeout; Disconnected on an orderly
//           close by the peer (EOF) or a reset.
//   Calls before open() or after close() return an Error (InvalidArgument).
//   Disconnected is sticky until the next successful open().
//   Nothing throws.
//
// Threading: as Transport; one device worker thread owns the object.

#include <chrono>
#include <cstdint>
#include <string>

#include "transport/transport.hpp"

namespace cardd::drivers {

class TcpTransport final : public Transport {
 public:
  // `host` is an IPv4/IPv6 literal ("127.0.0.1", "::1") or a name. Does not
  // connect; call open().
  TcpTransport(std::string host, std::uint16_t port);
  ~TcpTransport() override;

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // Connects (or reconnects), waiting at most `connect_timeout` in total
  // across all resolved addresses.
  [[nodiscard]] Result<LinkState> open(std::chrono::milliseconds connect_timeout);

  // True between a successful open() and close()/a Disconnected.
  bool connected() const { return fd_ >= 0 && !disconnected_; }

  // Transport
  [[nodiscard]] Result<LinkState> write(std::span<const std::uint8_t> bytes,
                                        std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<ReadResult> read(std::size_t max_bytes,
                                        std::chrono::milliseconds timeout) override;
  void close() override;
  std::string describe() const override;

 private:
  void closeSocket();

  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
  bool disconnected_ = false;
};

}  // namespace cardd::drivers
