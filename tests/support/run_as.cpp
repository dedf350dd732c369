#include "run_as.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

namespace cardd::test {
namespace {

void writeAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string RunAsResult::describe() const {
  std::string out;
  if (!exited) {
    out = "the child did not exit normally (wait status " + std::to_string(wait_status) + ")";
  } else {
    out = "the child exited with " + std::to_string(exit_code);
  }
  if (!message.empty()) out += "; it reported:\n" + message;
  return out;
}

RunAsResult runAsUid(uid_t uid, gid_t gid, const std::function<void(Checks&)>& fn,
                     std::chrono::milliseconds timeout) {
  RunAsResult result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.message = std::string("pipe2: ") + std::strerror(errno);
    return result;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    result.message = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (child == 0) {
    ::close(fds[0]);
    std::string message;
    int code = 0;
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
      message = std::string("cannot switch to uid ") + std::to_string(uid) + "/gid " +
                std::to_string(gid) + ": " + std::strerror(errno) + "\n";
      code = 2;
    } else if (::getuid() != uid || ::geteuid() != uid || ::getgid() != gid) {
      message = "the uid/gid switch did not take\n";
      code = 2;
    } else {
      try {
        Checks checks;
        fn(checks);
        if (!checks.ok()) {
          message = checks.text();
          code = 1;
        }
      } catch (const std::exception& e) {
        message = std::string("exception: ") + e.what() + "\n";
        code = 3;
      } catch (...) {
        message = "unknown exception\n";
        code = 3;
      }
    }
    writeAll(fds[1], message);
    ::close(fds[1]);
    ::_exit(code);  // no atexit handlers, no gtest teardown in the child
  }

  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) {
    ::kill(child, SIGKILL);
    result.message += "timed out after " + std::to_string(timeout.count()) + " ms; killed\n";
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  result.wait_status = status;
  result.exited = WIFEXITED(status);
  result.exit_code = result.exited ? WEXITSTATUS(status) : -1;
  return result;
}

std::optional<std::string> skipUnlessRoot() {
  if (::geteuid() != 0) {
    return "this test switches to other uids (65534 'nobody', 65533) to check cardd's per-caller "
           "access; "
           "it needs to run as root (euid is " +
           std::to_string(::geteuid()) + ")";
  }
  return std::nullopt;
}

}  // namespace cardd::test
