#include "templates/render_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace cardd {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string templatesDirOf(const render::CardTemplate& tmpl) {
  return fs::path(tmpl.dir).parent_path().string();
}

json::object requestFor(std::string_view op, const render::CardTemplate& tmpl, std::int64_t job_id,
                        const DocumentPolicy& policy, std::string_view issued) {
  return {{"op", op},
          {"templates_dir", templatesDirOf(tmpl)},
          {"template", tmpl.id},
          {"job_id", job_id},
          {"issued", issued},
          {"policy", render_ipc::policyToJson(policy)}};
}

Error replyError(const render_ipc::Message& reply) {
  if (const auto* e = reply.header.if_contains("error")) return render_ipc::errorFromJson(*e);
  return Error(ErrorCode::Internal, "the render helper refused the request without a reason");
}

bool replyOk(const render_ipc::Message& reply) {
  const auto* ok = reply.header.if_contains("ok");
  return ok != nullptr && ok->is_bool() && ok->get_bool();
}

}  // namespace

RenderClient::RenderClient(std::string helper_path)
    : path_(helper_path.empty() ? defaultHelperPath() : std::move(helper_path)) {}

RenderClient::~RenderClient() {
  stop();
}

std::string RenderClient::defaultHelperPath() {
  if (const char* env = std::getenv("CARDD_RENDER_HELPER"); env != nullptr && *env != '\0')
    return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "cardd-render";
  return (self.parent_path() / "cardd-render").string();
}

bool RenderClient::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pid_ > 0;
}

pid_t RenderClient::helperPid() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pid_;
}

void RenderClient::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopLocked();
}

void RenderClient::stopLocked() {
  // Closing our end is the helper's signal to exit; it finishes nothing else.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

Status RenderClient::spawn() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Error(ErrorCode::Unavailable,
                 std::string("cannot create the render helper's socket: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);  // dup2 clears FD_CLOEXEC on 0
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The helper gets default signal dispositions and an empty mask, whatever
  // the calling thread blocks.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = path_;
  std::string arg1 = "--serve";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, path_.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return Error(ErrorCode::Unavailable, "cannot start the card renderer " + path_ + ": " +
                                             std::strerror(rc) +
                                             " (is cardd-render installed next to cardd?)");
  }
  fd_ = sv[0];
  pid_ = pid;
  return Ok{};
}

Result<render_ipc::Message> RenderClient::call(const json::object& header, std::string_view body) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A helper that has gone (crash, kill) shows as Unavailable before any
  // byte of the reply: start a fresh one and ask once more. Requests have no
  // side effects, so asking twice is safe.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0) {
      if (auto st = spawn(); !st) return std::move(st).error();
    }
    Status sent = render_ipc::writeMessage(fd_, header, body);
    if (sent) {
      auto reply = render_ipc::readMessage(fd_);
      if (reply) return reply;
      sent = std::move(reply).error();
    }
    const Error e = sent.error();
    stopLocked();
    if (e.code != ErrorCode::Unavailable || attempt == 1) {
      return Error(ErrorCode::Unavailable, "the card renderer failed: " + e.message);
    }
  }
  return Error(ErrorCode::Unavailable, "the card renderer failed");
}

Result<std::vector<std::uint8_t>> RenderClient::preview(
    const render::CardTemplate& tmpl, std::string_view payload, std::int64_t job_id,
    const DocumentPolicy& policy, std::string_view issued, render::Side side) {
  json::object header = requestFor("preview", tmpl, job_id, policy, issued);
  header["side"] = render::sideName(side);
  auto reply = call(header, payload);
  if (!reply) return std::move(reply).error();
  if (!replyOk(*reply)) return replyError(*reply);
  return std::vector<std::uint8_t>(reply->body.begin(), reply->body.end());
}

Status RenderClient::panels(const render::CardTemplate& tmpl, std::string_view payload,
                            std::int64_t job_id, const DocumentPolicy& policy,
                            std::string_view issued, drivers::PreparedCard& card) {
  auto reply = call(requestFor("panels", tmpl, job_id, policy, issued), payload);
  if (!reply) return std::move(reply).error();
  if (!replyOk(*reply)) return replyError(*reply);
  // The header lists each side's panels; the body holds their densities in
  // that order.
  std::size_t at = 0;
  const std::string& body = reply->body;
  auto readSide = [&](const char* key, drivers::PanelSet& set) -> Status {
    const auto* list = reply->header.if_contains(key);
    const std::size_t n = list != nullptr && list->is_array() ? list->get_array().size() : 0;
    set.panels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto* p = list->get_array()[i].if_object();
      if (p == nullptr) return Error(ErrorCode::Internal, "the render helper sent a bad panel");
      drivers::Panel& panel = set.panels[i];
      const auto num = [&](std::string_view k) -> std::uint64_t {
        const auto* v = p->if_contains(k);
        return v != nullptr && v->is_int64() && v->get_int64() >= 0
                   ? static_cast<std::uint64_t>(v->get_int64())
                   : 0;
      };
      panel.kind = static_cast<drivers::PanelKind>(num("kind"));
      panel.pixels_per_line = static_cast<std::uint32_t>(num("pixels_per_line"));
      panel.lines = static_cast<std::uint32_t>(num("lines"));
      const std::size_t size = std::size_t{panel.pixels_per_line} * panel.lines;
      if (size > body.size() - at) {
        return Error(ErrorCode::Internal, "the render helper's panels are shorter than announced");
      }
      panel.density.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                           body.begin() + static_cast<std::ptrdiff_t>(at + size));
      at += size;
    }
    return Ok{};
  };
  if (auto st = readSide("front", card.front); !st) return st;
  return readSide("back", card.back);
}

Result<std::string> RenderClient::photoJpeg(std::string_view png, int quality) {
  auto reply = call({{"op", "photo-jpeg"}, {"quality", quality}}, png);
  if (!reply) return std::move(reply).error();
  if (!replyOk(*reply)) return replyError(*reply);
  return std::move(reply->body);
}

PhotoToJpeg RenderClient::jpegConverter() {
  return [this](std::string_view png, int quality) { return photoJpeg(png, quality); };
}

Result<std::vector<std::optional<Error>>> RenderClient::check(const std::string& templates_dir,
                                                              const std::vector<std::string>& ids) {
  json::array list;
  for (const auto& id : ids) list.push_back(json::value(id));
  auto reply = call({{"op", "check"}, {"templates_dir", templates_dir}, {"templates", list}}, {});
  if (!reply) return std::move(reply).error();
  if (!replyOk(*reply)) return replyError(*reply);
  std::vector<std::optional<Error>> out;
  const auto* problems = reply->header.if_contains("problems");
  if (problems == nullptr || !problems->is_array() || problems->get_array().size() != ids.size()) {
    return Error(ErrorCode::Internal, "the render helper's check reply does not match the request");
  }
  for (const auto& p : problems->get_array()) {
    if (p.is_null())
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(render_ipc::errorFromJson(p));
  }
  return out;
}

}  // namespace cardd
