#pragma once
// One client connection: HTTP/1.1 over a unix stream socket.
//
// - Pipelining: requests are read ahead (up to api.max_pipeline) while
//   earlier ones wait for the store; responses go out in request order,
//   several per write when they are ready together.
// - Limits: a header block over max_header_bytes gets 431, a body over
//   max_body_bytes 413, a request not complete within request_timeout 408
//   (each then closes the connection); an idle keep-alive connection is
//   closed after idle_timeout.
// - GET /v1/events turns the connection into a server-sent-events stream
//   (see startEventStream in the .cpp): replay from the journal, then live.
//
// Threading: everything runs on the event loop.

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "api/access.hpp"
#include "api/handlers.hpp"

namespace cardd::api {

class ConnectionRegistry;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  using Socket = boost::asio::local::stream_protocol::socket;

  HttpSession(Socket socket, Peer peer, ApiContext& ctx, Handlers& handlers,
              std::shared_ptr<ConnectionRegistry> registry);
  ~HttpSession();

  void start();
  // Stop reading new requests; finish and send what was accepted; close.
  void drain();
  // Close at once, abandoning unsent responses (shutdown past its deadline).
  void abort() { closeNow(); }

 private:
  enum class ReadPhase { Idle, Request };
  struct Slot {
    bool ready = false;
    bool close_after = false;
    bool stream = false;  // the SSE response head
    std::string bytes;
    StreamRequest stream_request;
  };

  void readNext();
  void readSome();
  void onReadSome(boost::system::error_code ec, std::size_t consumed);
  void onReadError(boost::system::error_code ec);
  void armReadTimer(std::chrono::milliseconds after);
  void dispatch(boost::beast::http::request<boost::beast::http::string_body> req);
  void transportProblem(unsigned status, const std::string& slug, const std::string& detail);
  void complete(const std::shared_ptr<Slot>& slot, HttpResponse res, bool keep_alive);
  void maybeWrite();
  void onWritten(boost::system::error_code ec, std::size_t slots);
  bool canReadMore() const;
  void closeNow();

  // Event stream.
  void startEventStream(const StreamRequest& req);
  void pumpEvents();
  void armHeartbeat();
  void watchForHangup();
  void appendEvent(const JobEvent& e);

  Socket socket_;
  Peer peer_;
  ApiContext& ctx_;
  Handlers& handlers_;
  std::shared_ptr<ConnectionRegistry> registry_;
  ApiLimits limits_;

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::asio::steady_timer read_timer_;
  boost::asio::steady_timer write_timer_;
  std::uint64_t read_generation_ = 0;
  ReadPhase phase_ = ReadPhase::Idle;
  bool reading_ = false;
  bool read_closed_ = false;  // no more requests will be read
  bool read_timed_out_ = false;
  bool header_checked_ = false;  // this request's header block passed the size check
  bool writing_ = false;
  bool closed_ = false;
  std::deque<std::shared_ptr<Slot>> pending_;

  // SSE state.
  bool streaming_ = false;
  std::optional<std::int64_t> owner_filter_;
  std::int64_t last_seq_ = 0;  // highest seq rendered into out_
  bool replaying_ = false;
  std::uint64_t subscription_ = 0;
  std::vector<JobEvent> live_backlog_;
  std::string out_;        // rendered, not yet written
  std::string in_flight_;  // being written
  std::array<char, 256> discard_{};
};

// Counts live sessions for the connection limit and lets the server drain
// them. Shared by the server and its sessions.
class ConnectionRegistry {
 public:
  std::size_t count() const { return sessions_.size(); }
  void add(HttpSession* s) { sessions_.push_back(s); }
  void remove(HttpSession* s) { std::erase(sessions_, s); }
  std::vector<HttpSession*> all() const { return sessions_; }

 private:
  std::vector<HttpSession*> sessions_;
};

// Serialises one HTTP/1.1 response.
std::string renderResponse(const HttpResponse& res, bool keep_alive);

}  // namespace cardd::api
