#include "api/http_session.hpp"

#include <sys/socket.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json.hpp>

#include "api/json_views.hpp"
#include "core/log.hpp"
#include "core/version.hpp"

namespace cardd::api {
namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::chrono::seconds kHeartbeat{15};
constexpr int kReplayPage = 500;
constexpr std::size_t kMaxStreamBacklog = 8 * 1024 * 1024;

const char* reasonPhrase(unsigned status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace

std::string renderResponse(const HttpResponse& res, bool keep_alive) {
  std::string out;
  out.reserve(res.body.size() + 256);
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reasonPhrase(res.status);
  out += "\r\nServer: cardd/";
  out += kVersion;
  out += "\r\nContent-Type: ";
  out += res.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(res.body.size());
  for (const auto& [k, v] : res.headers) {
    out += "\r\n";
    out += k;
    out += ": ";
    out += v;
  }
  if (!keep_alive) out += "\r\nConnection: close";
  out += "\r\n\r\n";
  out += res.body;
  return out;
}

HttpSession::HttpSession(Socket socket, Peer peer, ApiContext& ctx, Handlers& handlers,
                         std::shared_ptr<ConnectionRegistry> registry)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      ctx_(ctx),
      handlers_(handlers),
      registry_(std::move(registry)),
      limits_(ctx.config->api.limits),
      read_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()) {
  registry_->add(this);
}

HttpSession::~HttpSession() {
  if (subscription_ != 0) ctx_.hub.unsubscribe(subscription_);
  registry_->remove(this);
}

void HttpSession::start() {
  readNext();
}

void HttpSession::drain() {
  if (streaming_) return closeNow();
  if (!read_closed_) {
    read_closed_ = true;
    // Wake a pending read; it ends as EOF and the session closes once its
    // accepted requests are answered.
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_receive, ignored);
  }
  if (pending_.empty() && !writing_ && !reading_) closeNow();
}

bool HttpSession::canReadMore() const {
  return !read_closed_ && !closed_ && !streaming_ && pending_.size() < limits_.max_pipeline;
}

// --- reading -----------------------------------------------------------------

void HttpSession::readNext() {
  if (!canReadMore() || reading_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  read_timed_out_ = false;
  header_checked_ = false;
  phase_ = buffer_.size() > 0 ? ReadPhase::Request : ReadPhase::Idle;
  armReadTimer(phase_ == ReadPhase::Idle ? limits_.idle_timeout : limits_.request_timeout);
  reading_ = true;
  readSome();
}

void HttpSession::readSome() {
  http::async_read_some(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, std::size_t n) { self->onReadSome(ec, n); });
}

void HttpSession::armReadTimer(std::chrono::milliseconds after) {
  const auto gen = ++read_generation_;
  read_timer_.expires_after(after);
  read_timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (ec || gen != self->read_generation_ || !self->reading_) return;
    // Timeouts end the read by shutting down our receive side: the pending
    // read then completes, while queued responses can still be written.
    self->read_timed_out_ = true;
    error_code ignored;
    self->socket_.shutdown(asio::socket_base::shutdown_receive, ignored);
  });
}

void HttpSession::onReadSome(error_code ec, std::size_t consumed) {
  if (!ec && phase_ == ReadPhase::Idle && (parser_->got_some() || buffer_.size() > 0)) {
    // The first bytes of a request: from now on it must arrive whole in time.
    phase_ = ReadPhase::Request;
    armReadTimer(limits_.request_timeout);
  }
  if (ec) return onReadError(ec);
  // Beast's own header limit is approximate; enforce ours exactly. The
  // parser consumes nothing until the whole header block is buffered, and
  // then exactly the header block (it is not eager).
  if (!header_checked_) {
    const bool header_done = parser_->is_header_done();
    const std::size_t header_bytes = header_done ? consumed : buffer_.size();
    if (header_bytes > limits_.max_header_bytes) return onReadError(http::error::header_limit);
    header_checked_ = header_done;
  }
  if (!parser_->is_done()) return readSome();

  reading_ = false;
  ++read_generation_;
  read_timer_.cancel();
  dispatch(parser_->release());
  readNext();
}

void HttpSession::onReadError(error_code ec) {
  reading_ = false;
  ++read_generation_;
  read_timer_.cancel();
  const bool mid_request = parser_ && parser_->got_some();
  if (read_timed_out_ && mid_request) {
    transportProblem(408, "request-timeout",
                     "the request did not arrive whole within " +
                         std::to_string(limits_.request_timeout.count()) + " ms");
  } else if (ec == http::error::header_limit) {
    transportProblem(
        431, "header-too-large",
        "the request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  } else if (ec == http::error::body_limit) {
    transportProblem(
        413, "payload-too-large",
        "the request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
  } else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
             ec == asio::error::eof || ec == asio::error::operation_aborted ||
             ec == asio::error::connection_reset || read_closed_ || read_timed_out_) {
    read_closed_ = true;  // the client went away, or an idle timeout
  } else {
    transportProblem(400, "bad-request", "the request is not valid HTTP/1.1: " + ec.message());
  }
  read_closed_ = true;
  if (pending_.empty() && !writing_) closeNow();
}

void HttpSession::transportProblem(unsigned status, const std::string& slug,
                                   const std::string& detail) {
  auto slot = std::make_shared<Slot>();
  pending_.push_back(slot);
  read_closed_ = true;
  complete(slot, problemResponse(makeProblem(status, slug, detail), ""), false);
}

void HttpSession::dispatch(http::request<http::string_body> req) {
  auto slot = std::make_shared<Slot>();
  pending_.push_back(slot);
  const bool keep_alive = req.keep_alive();
  if (!keep_alive) read_closed_ = true;

  // RFC 9112 §6.3: a request whose transfer coding is not chunked cannot be
  // framed; answer 400 and close rather than guess where the next one starts.
  if (req.count(http::field::transfer_encoding) > 0 && !req.chunked()) {
    read_closed_ = true;
    complete(slot,
             problemResponse(
                 makeProblem(400, "bad-request", "only the chunked transfer coding is accepted"),
                 std::string(req.target())),
             false);
    return;
  }

  const std::string method(req.method_string());
  const std::string target(req.target());
  const std::string content_type(req[http::field::content_type]);
  const std::string last_event_id(req["Last-Event-ID"]);
  HttpRequestView view{method, target, content_type, last_event_id, req.body()};

  // The responder keeps the session alive until the answer is sent, even when
  // nothing else is pending on the socket (Connection: close, full pipeline).
  auto stream = handlers_.handle(peer_, view,
                                 [self = shared_from_this(), slot, keep_alive](HttpResponse res) {
                                   self->complete(slot, std::move(res), keep_alive);
                                 });
  if (stream) {
    slot->stream = true;
    slot->stream_request = *stream;
    slot->ready = true;
    read_closed_ = true;  // nothing after an event stream is read
    maybeWrite();
  }
}

// --- writing -----------------------------------------------------------------

void HttpSession::complete(const std::shared_ptr<Slot>& slot, HttpResponse res, bool keep_alive) {
  if (closed_) return;
  slot->close_after = !keep_alive || slot->close_after;
  slot->bytes = renderResponse(res, !slot->close_after);
  slot->ready = true;
  maybeWrite();
}

void HttpSession::maybeWrite() {
  if (writing_ || closed_ || streaming_) return;
  if (pending_.empty() || !pending_.front()->ready) return;
  if (pending_.front()->stream) {
    auto req = pending_.front()->stream_request;
    pending_.pop_front();
    return startEventStream(req);
  }
  // Gather every ready response at the head into one write.
  std::vector<asio::const_buffer> bufs;
  std::size_t n = 0;
  for (const auto& s : pending_) {
    if (!s->ready || s->stream) break;
    bufs.emplace_back(asio::buffer(s->bytes));
    ++n;
    if (s->close_after) break;
  }
  writing_ = true;
  write_timer_.expires_after(kWriteTimeout);
  write_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && self->writing_) self->closeNow();
  });
  asio::async_write(socket_, bufs, [self = shared_from_this(), n](error_code ec, std::size_t) {
    self->onWritten(ec, n);
  });
}

void HttpSession::onWritten(error_code ec, std::size_t slots) {
  writing_ = false;
  write_timer_.cancel();
  if (ec) return closeNow();
  bool close = false;
  for (std::size_t i = 0; i < slots && !pending_.empty(); ++i) {
    close = close || pending_.front()->close_after;
    pending_.pop_front();
  }
  if (close) {
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    return closeNow();
  }
  maybeWrite();
  if (!writing_ && pending_.empty() && read_closed_ && !reading_ && !streaming_) return closeNow();
  readNext();
}

void HttpSession::closeNow() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  read_timer_.cancel();
  write_timer_.cancel();
  if (subscription_ != 0) {
    ctx_.hub.unsubscribe(subscription_);
    subscription_ = 0;
  }
  socket_.close(ignored);
}

// --- server-sent events -------------------------------------------------------

void HttpSession::startEventStream(const StreamRequest& req) {
  streaming_ = true;
  owner_filter_ = req.owner_filter;
  last_seq_ = req.since;
  out_ =
      "HTTP/1.1 200 OK\r\nServer: cardd/" + std::string(kVersion) +
      "\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
      ": cardd event stream\n\n";

  // Subscribe before replaying: live events that arrive meanwhile wait in
  // live_backlog_, and seq ordering drops the ones the replay already sent.
  std::weak_ptr<HttpSession> weak = weak_from_this();
  subscription_ = ctx_.hub.subscribe([weak](const std::vector<JobEvent>& events) {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    for (const auto& e : events) {
      if (self->owner_filter_ && e.job_owner_uid != *self->owner_filter_) continue;
      if (self->replaying_)
        self->live_backlog_.push_back(e);
      else
        self->appendEvent(e);
    }
    if (self->out_.size() > kMaxStreamBacklog) {
      log::warning("event stream client too slow; closing it (it can resume with since=)",
                   {{"uid", std::to_string(self->peer_.actor.uid)}});
      return self->closeNow();
    }
    self->pumpEvents();
  });
  replaying_ = true;
  watchForHangup();
  pumpEvents();
}

void HttpSession::appendEvent(const JobEvent& e) {
  if (e.seq <= last_seq_) return;
  last_seq_ = e.seq;
  out_ += "id: ";
  out_ += std::to_string(e.seq);
  out_ += "\nevent: ";
  out_ += e.kind;
  out_ += "\ndata: ";
  out_ += boost::json::serialize(eventToJson(e));
  out_ += "\n\n";
}

void HttpSession::pumpEvents() {
  if (closed_ || writing_) return;
  // Replay one page from the journal per write, so a long history neither
  // blocks the loop nor piles up in memory.
  if (replaying_ && out_.empty()) {
    auto page = ctx_.reader_jobs.eventsSince(last_seq_, kReplayPage, owner_filter_);
    if (!page) {
      log::error("event replay failed", {{"error", page.error().message}});
      return closeNow();
    }
    for (const auto& e : *page) appendEvent(e);
    if (page->size() < static_cast<std::size_t>(kReplayPage)) {
      replaying_ = false;
      for (const auto& e : live_backlog_) appendEvent(e);
      live_backlog_.clear();
    }
  }
  if (out_.empty()) return armHeartbeat();
  in_flight_.swap(out_);
  out_.clear();
  writing_ = true;
  write_timer_.expires_after(kWriteTimeout);
  write_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && self->writing_) self->closeNow();
  });
  asio::async_write(socket_, asio::buffer(in_flight_),
                    [self = shared_from_this()](error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->write_timer_.cancel();
                      self->in_flight_.clear();
                      if (ec) return self->closeNow();
                      self->pumpEvents();
                    });
}

void HttpSession::armHeartbeat() {
  write_timer_.expires_after(kHeartbeat);
  write_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closed_ || self->writing_) return;
    if (self->out_.empty()) self->out_ = ": keepalive\n\n";
    self->pumpEvents();
  });
}

void HttpSession::watchForHangup() {
  // The client sends nothing on an event stream; a read that ends means it left.
  socket_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (ec) return self->closeNow();
                            self->watchForHangup();
                          });
}

}  // namespace cardd::api
