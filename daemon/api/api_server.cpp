#include "api/api_server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <filesystem>

#include "core/log.hpp"

namespace cardd::api {
namespace {
namespace asio = boost::asio;
using boost::system::error_code;
}  // namespace

ApiServer::ApiServer(ApiContext& ctx)
    : ctx_(ctx),
      handlers_(ctx),
      acceptor_(ctx.ioc),
      registry_(std::make_shared<ConnectionRegistry>()),
      idle_poll_(ctx.ioc) {}

Status ApiServer::bind(const std::string& path, unsigned mode, const std::string& group) {
  namespace fs = std::filesystem;
  error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) {
    std::error_code fec;
    fs::create_directories(p.parent_path(), fec);
  }
  // A socket file left by a previous run would make bind fail. Only remove
  // sockets, never a regular file someone pointed us at by mistake.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error(ErrorCode::InvalidArgument,
                   path + " exists and is not a socket; refusing to replace it");
    }
    ::unlink(path.c_str());
  }
  acceptor_.open(asio::local::stream_protocol(), ec);
  if (!ec) acceptor_.bind(asio::local::stream_protocol::endpoint(path), ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error(ErrorCode::InvalidArgument, "cannot listen on " + path + ": " + ec.message());
  bound_path_ = path;
  if (!group.empty()) {
    if (const struct group* gr = ::getgrnam(group.c_str());
        gr != nullptr) {  // NOLINT(concurrency-mt-unsafe)
      if (::chown(path.c_str(), static_cast<uid_t>(-1), gr->gr_gid) != 0) {
        log::warning("cannot set the socket's group", {{"group", group}, {"socket", path}});
      }
    } else {
      log::warning("socket group does not exist; the socket keeps the daemon's group",
                   {{"group", group}});
    }
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return Error(ErrorCode::InvalidArgument, "cannot set the mode of " + path);
  }
  return Ok{};
}

Status ApiServer::adopt(int fd) {
  error_code ec;
  acceptor_.assign(asio::local::stream_protocol(), fd, ec);
  if (ec)
    return Error(ErrorCode::InvalidArgument,
                 "cannot use the socket passed by systemd: " + ec.message());
  return Ok{};
}

void ApiServer::start() {
  accept();
}

void ApiServer::accept() {
  acceptor_.async_accept([this](error_code ec, asio::local::stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted || draining_) return;
    if (ec) {
      // EMFILE and friends: log, pause briefly, keep serving.
      log::warning("accept failed", {{"error", ec.message()}});
      idle_poll_.expires_after(std::chrono::milliseconds(100));
      idle_poll_.async_wait([this](error_code) {
        if (!draining_) accept();
      });
      return;
    }
    if (registry_->count() >= ctx_.config->api.limits.max_connections) {
      refuseBusy(std::move(socket));
    } else {
      uid_t uid = 0;
      gid_t gid = 0;
      pid_t pid = 0;
      if (!peerCredentials(socket.native_handle(), uid, gid, pid)) {
        log::warning("cannot read peer credentials; closing the connection");
      } else {
        auto peer = ctx_.access->resolve(uid, gid, pid);
        std::make_shared<HttpSession>(std::move(socket), std::move(peer), ctx_, handlers_,
                                      registry_)
            ->start();
      }
    }
    accept();
  });
}

void ApiServer::refuseBusy(asio::local::stream_protocol::socket socket) {
  auto p = makeProblem(503, "too-many-connections",
                       "cardd already serves " +
                           std::to_string(ctx_.config->api.limits.max_connections) +
                           " connections; retry shortly");
  p.headers.emplace_back("Retry-After", "1");
  auto bytes = std::make_shared<std::string>(renderResponse(problemResponse(p, ""), false));
  auto sock = std::make_shared<asio::local::stream_protocol::socket>(std::move(socket));
  asio::async_write(*sock, asio::buffer(*bytes), [sock, bytes](error_code, std::size_t) {
    error_code ignored;
    sock->shutdown(asio::socket_base::shutdown_send, ignored);
    sock->close(ignored);
  });
}

void ApiServer::drain(std::function<void()> on_idle) {
  draining_ = true;
  on_idle_ = std::move(on_idle);
  error_code ignored;
  acceptor_.close(ignored);
  if (!bound_path_.empty()) ::unlink(bound_path_.c_str());
  for (auto* s : registry_->all()) s->drain();
  checkIdle();
}

void ApiServer::closeAll() {
  draining_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  idle_poll_.cancel();
  for (auto* s : registry_->all()) s->abort();
}

void ApiServer::checkIdle() {
  if (registry_->count() == 0) {
    if (on_idle_) {
      auto fn = std::move(on_idle_);
      on_idle_ = nullptr;
      fn();
    }
    return;
  }
  idle_poll_.expires_after(std::chrono::milliseconds(20));
  idle_poll_.async_wait([this](error_code ec) {
    if (!ec) checkIdle();
  });
}

}  // namespace cardd::api
