#pragma once
// cardd_client: a synchronous HTTP/1.1 client for cardd's API socket (an
// AF_UNIX stream socket; see docs/api/openapi.yaml). Used by cardctl and by the
// integration tests.
//
// Threading: a Connection is not thread-safe; use one per thread. Every call
// blocks the caller until it completes or its timeout passes.
//
// Errors: every likely failure is a cardd::Error value; no exception leaves
// this library (Boost exceptions are caught and returned as ErrorCode::Internal).
//   - connect(): no socket file (ENOENT) or nobody listening (ECONNREFUSED)
//     -> ErrorCode::Unavailable, message "cardd is not running (no socket at
//     PATH)" / "cardd is not running (connection refused at PATH)";
//     EACCES -> ErrorCode::Forbidden, "permission denied on PATH".
//   - A timeout -> ErrorCode::Unavailable with the message exactly "timeout"
//     (see isTimeout()).
//   - The peer closed or reset the connection -> ErrorCode::Unavailable
//     ("connection closed by cardd" / "connection reset by cardd").
//   - Bytes that are not HTTP -> ErrorCode::Internal.
// An HTTP error status (4xx/5xx) is not an Error: request() returns the
// Response; see client/problem.hpp to read its problem body.
//
// After a timeout or a protocol error in the middle of a message, the
// connection cannot be resynchronised: it is closed and later calls fail with
// ErrorCode::Unavailable "connection is closed". (A timeout in nextEvent() or
// readSome() loses nothing and leaves the connection usable.)

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/response.hpp"
#include "client/sse.hpp"
#include "core/result.hpp"

namespace cardd::client {

using Headers = std::vector<std::pair<std::string, std::string>>;

// True for the Error every call returns when its timeout passed.
bool isTimeout(const Error& error);

class Connection {
 public:
  // Connects to the unix socket at `socket_path`. `timeout` bounds the
  // connect and is the default per-call timeout of request() and sendRaw().
  static Result<Connection> connect(const std::string& socket_path,
                                    std::chrono::milliseconds timeout);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Sends one request on the keep-alive connection and reads the whole
  // response (sequentially; call it again for the next request). Headers sent:
  // Host: localhost, User-Agent: cardd-client/<version>, Content-Length, and
  // Content-Type: `content_type` when `body` is non-empty and `content_type`
  // is non-empty; then `extra_headers`, each replacing a default header of the
  // same name. The whole call (write + read) is bounded by the per-call timeout.
  // If the response says "Connection: close" the next call will fail with
  // "connection closed by cardd". Not allowed while an event stream is open.
  Result<Response> request(std::string_view method, std::string_view target,
                           std::string_view body = {},
                           std::string_view content_type = "application/json",
                           const Headers& extra_headers = {});

  // Raw protocol access for tests: writes `bytes` as they are.
  Status sendRaw(std::string_view bytes);
  // Returns bytes the server sent (whatever is buffered, else what arrives
  // next, at least one byte), or "" when the server closed the connection.
  Result<std::string> readSome(std::chrono::milliseconds timeout);

  // Sends GET `target` (e.g. "/v1/events?since=3") with Accept:
  // text/event-stream plus `extra_headers` (e.g. Last-Event-ID), and reads the
  // response header. Succeeds on 200 text/event-stream; otherwise the response
  // body is read and returned as an Error (via toError() for a problem body).
  // From then on the connection belongs to the stream: read it with nextEvent().
  Status openEventStream(std::string_view target, const Headers& extra_headers = {});
  // The next event of the stream opened by openEventStream(); heartbeat
  // comments are skipped. A timeout (no complete event within `timeout`) is
  // ErrorCode::Unavailable "timeout" and the stream stays usable; the stream's
  // end is ErrorCode::Unavailable "event stream closed by cardd".
  Result<SseEvent> nextEvent(std::chrono::milliseconds timeout);

  // The per-call timeout of request() and sendRaw().
  void setTimeout(std::chrono::milliseconds timeout);
  const std::string& socketPath() const;
  // False after close(), after a timeout or protocol error that closed the
  // connection, and for a moved-from Connection. (A peer's close is noticed
  // only by the next read.)
  bool isOpen() const;
  void close();

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cardd::client
