#pragma once
// Accepts connections on the API's unix socket, reads each peer's
// credentials, enforces the connection limit (503 beyond it) and hands the
// connection to an HttpSession. Runs on the event loop.

#include <boost/asio/local/stream_protocol.hpp>

#include <functional>
#include <memory>
#include <string>

#include "api/api_context.hpp"
#include "api/handlers.hpp"
#include "api/http_session.hpp"
#include "core/result.hpp"

namespace cardd::api {

class ApiServer {
 public:
  explicit ApiServer(ApiContext& ctx);

  // Binds `path` (replacing a stale socket file), with the configured mode
  // and group. Start-up only.
  Status bind(const std::string& path, unsigned mode, const std::string& group);
  // Adopts a listening socket inherited from systemd (LISTEN_FDS).
  Status adopt(int fd);

  void start();
  // Stops accepting and asks every session to finish what it accepted.
  // `on_idle` runs once no session is left.
  void drain(std::function<void()> on_idle);
  // Closes every session at once; run the loop afterwards so they can unwind.
  void closeAll();
  std::size_t connections() const { return registry_->count(); }

 private:
  void accept();
  void refuseBusy(boost::asio::local::stream_protocol::socket socket);
  void checkIdle();

  ApiContext& ctx_;
  Handlers handlers_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::shared_ptr<ConnectionRegistry> registry_;
  std::string bound_path_;
  bool draining_ = false;
  std::function<void()> on_idle_;
  boost::asio::steady_timer idle_poll_;
};

}  // namespace cardd::api
