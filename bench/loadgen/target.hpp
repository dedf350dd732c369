#pragma once
// What the load driver needs from a server under test. The driver (driver.hpp)
// owns sockets, timing, pipelining and statistics; a Target only knows how to
// open a connection, what bytes make up job i, and how to read one reply.
//
// Implementations: CarddHttpTarget (HTTP/1.1 POST /v1/jobs on a unix socket).
// Planned: IppTarget (IPP Print-Job over HTTP/1.1 on TCP, for cupsd), which
// can reuse HttpResponseReader with its own classifier (IPP status-code in the
// body), so the driver loop does not change.
//
// Threading: the driver is single-threaded; a Target is used from one thread.
// Ownership: the driver owns the fds returned by connect() and closes them.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cardd::bench {

// One complete reply, as judged by the target.
struct Reply {
  bool success = false;      // the server accepted the job (e.g. HTTP 2xx)
  int status = 0;            // protocol status shown in reports (HTTP status)
  bool close_after = false;  // the server will close the connection after this reply
  std::string detail;        // filled only when !success: body or reason (truncated)
};

// Incremental reader of replies on one connection. The driver keeps the
// unconsumed input bytes and offers them again, grown, until a reply is
// complete; a reader may keep scanning state between calls, so it must be
// reset (by completing a reply) before its input changes other than by growing.
class ResponseReader {
 public:
  enum class Step {
    NeedMore,  // no complete reply at the front of the input yet
    Reply,     // a reply is complete: `out` is filled, consumed() bytes belong to it
    Interim,   // an interim message (HTTP 1xx) of consumed() bytes: skip it
    Error,     // the input is not a valid reply; error() says why
  };

  virtual ~ResponseReader() = default;

  // Looks at the unconsumed bytes of the connection, starting with the first
  // byte of the next reply.
  virtual Step parse(std::string_view in, Reply& out) = 0;
  // The peer closed the connection; `in` is what is left. A reply delimited by
  // the end of the connection completes here; otherwise NeedMore (truncated).
  virtual Step parseAtEof(std::string_view in, Reply& out) = 0;
  // Bytes of the message completed by the last Reply or Interim step.
  virtual std::size_t consumed() const = 0;
  // Why the last step was Error.
  virtual std::string_view error() const = 0;
};

class Target {
 public:
  virtual ~Target() = default;

  // One line for reports, e.g. "cardd-http unix:/run/cardd/api.sock POST /v1/jobs".
  virtual std::string describe() const = 0;
  // Opens one connection; returns a connected stream socket (blocking or not:
  // the driver makes it non-blocking).
  virtual Result<int> connect() = 0;
  // Appends the complete request bytes for job `index` (0-based, unique within
  // a run) to `out`. Called on the hot path: keep it to a few appends.
  virtual void appendRequest(std::uint64_t index, std::string& out) = 0;
  // A fresh reader for a new connection.
  virtual std::unique_ptr<ResponseReader> newReader() const = 0;
};

}  // namespace cardd::bench
