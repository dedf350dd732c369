#include "client/connection.hpp"

#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <limits>
#include <optional>

#include "client/problem.hpp"
#include "core/version.hpp"

namespace cardd::client {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using Protocol = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kTimeoutMessage = "timeout";
constexpr std::uint64_t kMaxBodyBytes = 64ULL * 1024 * 1024;
constexpr std::uint32_t kMaxHeaderBytes = 64U * 1024;
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

Error timeoutError() {
  return Error(ErrorCode::Unavailable, std::string(kTimeoutMessage));
}
Error closedError() {
  return Error(ErrorCode::Unavailable, "connection is closed");
}
Error movedFromError() {
  return Error(ErrorCode::InvalidArgument, "use of a moved-from Connection");
}

bool isPeerClosed(const error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == http::error::partial_message;
}

bool isPeerReset(const error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

Error ioError(const error_code& ec, const std::string& path) {
  if (isPeerClosed(ec)) return Error(ErrorCode::Unavailable, "connection closed by cardd");
  if (isPeerReset(ec)) return Error(ErrorCode::Unavailable, "connection reset by cardd");
  if (ec.category() == make_error_code(http::error::bad_version).category()) {
    return Error(ErrorCode::Internal, "malformed HTTP response from cardd: " + ec.message());
  }
  return Error(ErrorCode::Unavailable, "I/O error on " + path + ": " + ec.message());
}

Error connectError(const error_code& ec, const std::string& path) {
  namespace errc = boost::system::errc;
  if (ec == errc::no_such_file_or_directory || ec == errc::not_a_directory) {
    return Error(ErrorCode::Unavailable, "cardd is not running (no socket at " + path + ")");
  }
  if (ec == errc::connection_refused) {
    return Error(ErrorCode::Unavailable,
                 "cardd is not running (connection refused at " + path + ")");
  }
  if (ec == errc::permission_denied || ec == errc::operation_not_permitted) {
    return Error(ErrorCode::Forbidden, "permission denied on " + path);
  }
  return Error(ErrorCode::Unavailable, "cannot connect to " + path + ": " + ec.message());
}

milliseconds remaining(Clock::time_point deadline) {
  auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : milliseconds(0);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename Fields>
void copyHeaders(const Fields& fields, Response& out) {
  for (const auto& f : fields) {
    std::string name = lower(f.name_string());
    auto [it, inserted] = out.headers.emplace(name, std::string(f.value()));
    if (!inserted) it->second.append(", ").append(f.value());
  }
  std::string type = out.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(0, 1);
  out.content_type = lower(type);
}

http::request<http::string_body> makeRequest(std::string_view method, std::string_view target,
                                             std::string_view body, std::string_view content_type,
                                             const Headers& extra_headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "localhost");
  req.set(http::field::user_agent, std::string("cardd-client/") + kVersion);
  if (!body.empty() && !content_type.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::string(body);
  req.prepare_payload();
  for (const auto& [name, value] : extra_headers) req.set(name, value);
  return req;
}

// Runs `f`, turning any exception into an Error: nothing escapes the library.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error(ErrorCode::Internal, std::string("cardd_client: ") + e.what());
  } catch (...) {
    return Error(ErrorCode::Internal, "cardd_client: unknown exception");
  }
}

}  // namespace

bool isTimeout(const Error& error) {
  return error.code == ErrorCode::Unavailable && error.message == kTimeoutMessage;
}

struct Connection::Impl {
  asio::io_context ioc{1};
  Protocol::socket socket{ioc};
  beast::flat_buffer buffer;  // received, not yet consumed (shared by all readers)
  std::string path;
  milliseconds timeout{0};
  bool open = false;
  bool peer_closing = false;  // the last response said "Connection: close"
  bool peer_eof = false;      // readSome() saw the end of the stream
  // The event stream, once openEventStream() succeeded.
  std::optional<http::response_parser<http::buffer_body>> stream;
  bool stream_ended = false;
  SseParser sse;

  // Runs one asynchronous operation on `ioc` until it completes or `limit`
  // passes; then the operation is cancelled and run to its (aborted) end.
  // `start` receives a completion handler (error_code, size_t). Returns the
  // operation's error code, or nullopt when it timed out.
  template <typename Start>
  std::optional<error_code> run(milliseconds limit, Start&& start, std::size_t* bytes = nullptr) {
    bool done = false;
    error_code result;
    std::size_t count = 0;
    ioc.restart();
    start([&](error_code ec, std::size_t n) {
      done = true;
      result = ec;
      count = n;
    });
    if (limit.count() > 0) ioc.run_for(limit);
    if (!done) {
      error_code ignored;
      socket.cancel(ignored);  // NOLINT(bugprone-unused-return-value)
      ioc.restart();
      ioc.run();
    }
    if (bytes != nullptr) *bytes = count;
    if (!done || result == asio::error::operation_aborted) return std::nullopt;
    return result;
  }

  void shut() {
    error_code ignored;
    socket.shutdown(Protocol::socket::shutdown_both,
                    ignored);  // NOLINT(bugprone-unused-return-value)
    socket.close(ignored);     // NOLINT(bugprone-unused-return-value)
    open = false;
    stream.reset();
    buffer.clear();
  }

  // Writes a request. A write error is returned as is: the peer may have
  // answered (413, 431) and closed before reading everything.
  std::optional<error_code> write(http::request<http::string_body>& req,
                                  Clock::time_point deadline) {
    return run(remaining(deadline),
               [&](auto handler) { http::async_write(socket, req, std::move(handler)); });
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::connect(const std::string& socket_path, milliseconds timeout) {
  return guarded([&]() -> Result<Connection> {
    if (socket_path.empty()) return Error(ErrorCode::InvalidArgument, "empty socket path");
    if (socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return Error(ErrorCode::InvalidArgument, "socket path too long: " + socket_path);
    }
    auto impl = std::make_unique<Impl>();
    impl->path = socket_path;
    impl->timeout = timeout;
    Protocol::endpoint endpoint(socket_path);
    auto ec = impl->run(timeout, [&](auto handler) {
      impl->socket.async_connect(endpoint,
                                 [h = std::move(handler)](error_code e) mutable { h(e, 0); });
    });
    if (!ec) return timeoutError();
    if (*ec) return connectError(*ec, socket_path);
    impl->open = true;
    return Connection(std::move(impl));
  });
}

Result<Response> Connection::request(std::string_view method, std::string_view target,
                                     std::string_view body, std::string_view content_type,
                                     const Headers& extra_headers) {
  if (!impl_) return movedFromError();
  return guarded([&]() -> Result<Response> {
    Impl& c = *impl_;
    if (!c.open) return closedError();
    if (c.stream) {
      return Error(ErrorCode::InvalidArgument, "an event stream is open on this connection");
    }
    if (c.peer_closing) return Error(ErrorCode::Unavailable, "connection closed by cardd");

    auto req = makeRequest(method, target, body, content_type, extra_headers);
    const auto deadline = Clock::now() + c.timeout;
    auto wec = c.write(req, deadline);
    if (!wec) {
      c.shut();
      return timeoutError();
    }
    if (*wec && !isPeerReset(*wec)) {
      Error err = ioError(*wec, c.path);
      c.shut();
      return err;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.header_limit(kMaxHeaderBytes);
    if (method == "HEAD") parser.skip(true);
    auto rec = c.run(remaining(deadline), [&](auto handler) {
      http::async_read(c.socket, c.buffer, parser, std::move(handler));
    });
    if (!rec) {
      c.shut();
      return timeoutError();
    }
    if (*rec) {
      // Report the write's failure when it came first.
      Error err = ioError(*wec ? *wec : *rec, c.path);
      c.shut();
      return err;
    }
    auto msg = parser.release();
    Response out;
    out.status = static_cast<int>(msg.result_int());
    copyHeaders(msg, out);
    out.body = std::move(msg.body());
    if (!msg.keep_alive() || *wec) c.peer_closing = true;
    return out;
  });
}

Status Connection::sendRaw(std::string_view bytes) {
  if (!impl_) return movedFromError();
  return guarded([&]() -> Status {
    Impl& c = *impl_;
    if (!c.open) return closedError();
    auto ec = c.run(c.timeout, [&](auto handler) {
      asio::async_write(c.socket, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
    });
    if (!ec) {
      c.shut();
      return timeoutError();
    }
    if (*ec) return ioError(*ec, c.path);
    return Ok{};
  });
}

Result<std::string> Connection::readSome(milliseconds timeout) {
  if (!impl_) return movedFromError();
  return guarded([&]() -> Result<std::string> {
    Impl& c = *impl_;
    if (!c.open) return closedError();
    if (c.buffer.size() == 0) {
      if (c.peer_eof) return std::string();  // stays at the end, without waiting
      std::size_t n = 0;
      auto ec = c.run(
          timeout,
          [&](auto handler) {
            c.socket.async_read_some(c.buffer.prepare(kReadChunk), std::move(handler));
          },
          &n);
      if (!ec) return timeoutError();
      if (*ec == asio::error::eof) {
        c.peer_eof = true;
        return std::string();
      }
      if (*ec) return ioError(*ec, c.path);
      c.buffer.commit(n);
    }
    std::string out = beast::buffers_to_string(c.buffer.data());
    c.buffer.consume(c.buffer.size());
    return out;
  });
}

Status Connection::openEventStream(std::string_view target, const Headers& extra_headers) {
  if (!impl_) return movedFromError();
  return guarded([&]() -> Status {
    Impl& c = *impl_;
    if (!c.open) return closedError();
    if (c.stream) {
      return Error(ErrorCode::InvalidArgument, "an event stream is open on this connection");
    }
    if (c.peer_closing) return Error(ErrorCode::Unavailable, "connection closed by cardd");

    Headers headers{{"Accept", "text/event-stream"}};
    headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
    auto req = makeRequest("GET", target, {}, {}, headers);
    const auto deadline = Clock::now() + c.timeout;
    auto wec = c.write(req, deadline);
    if (!wec) {
      c.shut();
      return timeoutError();
    }
    if (*wec) {
      Error err = ioError(*wec, c.path);
      c.shut();
      return err;
    }

    c.stream.emplace();
    c.stream->body_limit(std::numeric_limits<std::uint64_t>::max());
    c.stream->header_limit(kMaxHeaderBytes);
    auto hec = c.run(remaining(deadline), [&](auto handler) {
      http::async_read_header(c.socket, c.buffer, *c.stream, std::move(handler));
    });
    if (!hec) {
      c.shut();
      return timeoutError();
    }
    if (*hec) {
      Error err = ioError(*hec, c.path);
      c.shut();
      return err;
    }

    Response head;
    head.status = static_cast<int>(c.stream->get().result_int());
    copyHeaders(c.stream->get(), head);
    if (head.status == 200 && head.content_type == "text/event-stream") {
      c.sse = SseParser{};
      c.stream_ended = false;
      return Ok{};
    }

    // Not a stream: read the (bounded) body and turn it into an Error.
    std::string chunk(kReadChunk, '\0');
    while (!c.stream->is_done()) {
      c.stream->get().body().data = chunk.data();
      c.stream->get().body().size = chunk.size();
      auto ec = c.run(remaining(deadline), [&](auto handler) {
        http::async_read_some(c.socket, c.buffer, *c.stream, std::move(handler));
      });
      head.body.append(chunk.data(), chunk.size() - c.stream->get().body().size);
      if (!ec) {
        c.shut();
        return timeoutError();
      }
      if (*ec && *ec != http::error::need_buffer) break;
      if (head.body.size() > kMaxBodyBytes) break;
    }
    const bool clean = c.stream->is_done() && c.stream->get().keep_alive();
    c.stream.reset();
    if (!clean) c.shut();
    if (auto problem = parseProblem(head)) return toError(*problem);
    return Error(ErrorCode::Internal, "unexpected response to GET " + std::string(target) +
                                          ": HTTP " + std::to_string(head.status) + " " +
                                          head.content_type);
  });
}

Result<SseEvent> Connection::nextEvent(milliseconds timeout) {
  if (!impl_) return movedFromError();
  return guarded([&]() -> Result<SseEvent> {
    Impl& c = *impl_;
    if (!c.stream) {
      return Error(ErrorCode::InvalidArgument, "no event stream is open on this connection");
    }
    const auto deadline = Clock::now() + timeout;
    std::string chunk(kReadChunk, '\0');
    for (;;) {
      if (auto ev = c.sse.next()) return std::move(*ev);
      if (c.stream_ended || c.stream->is_done()) {
        return Error(ErrorCode::Unavailable, "event stream closed by cardd");
      }
      const milliseconds left = remaining(deadline);
      if (left.count() == 0) return timeoutError();

      auto& body = c.stream->get().body();
      body.data = chunk.data();
      body.size = chunk.size();
      auto ec = c.run(left, [&](auto handler) {
        http::async_read_some(c.socket, c.buffer, *c.stream, std::move(handler));
      });
      const std::size_t got = chunk.size() - body.size;
      body.data = nullptr;
      body.size = 0;
      if (got > 0) c.sse.feed(std::string_view(chunk.data(), got));
      if (!ec || !*ec || *ec == http::error::need_buffer) continue;
      if (isPeerClosed(*ec) || isPeerReset(*ec)) {
        c.stream_ended = true;
        continue;
      }
      Error err = ioError(*ec, c.path);
      c.shut();
      return err;
    }
  });
}

void Connection::setTimeout(milliseconds timeout) {
  if (impl_) impl_->timeout = timeout;
}

const std::string& Connection::socketPath() const {
  static const std::string kNone;
  return impl_ ? impl_->path : kNone;
}

bool Connection::isOpen() const {
  return impl_ && impl_->open;
}

void Connection::close() {
  if (impl_ && impl_->open) impl_->shut();
}

}  // namespace cardd::client
