#pragma once
// runAsUid: run a piece of client code as another (non-root) uid, to test
// how cardd treats callers by their SO_PEERCRED identity.
//
// The function runs in a forked child that dropped to the given ids
// (setgroups(0) → setgid → setuid) and must not use GoogleTest assertions:
// it reports problems through a Checks object (or by returning a message),
// which the parent turns into one test failure with every message.
//
//   if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
//   auto r = runAsUid(65534, 65534, [&](Checks& c) {
//     auto conn = client::Connection::connect(path, 5s);
//     c.expect(conn.ok(), "connect");
//   });
//   EXPECT_TRUE(r.ok()) << r.describe();
//
// Fork from a test's main thread only (no other threads running).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cardd::test {

// Collects the failed expectations of the child.
class Checks {
 public:
  // Records `what` (and returns false) when `condition` is false.
  bool expect(bool condition, const std::string& what) {
    if (!condition) failures_.push_back(what);
    return condition;
  }
  void fail(const std::string& what) { failures_.push_back(what); }
  bool ok() const { return failures_.empty(); }
  std::string text() const {
    std::string out;
    for (const auto& f : failures_) out += "  - " + f + "\n";
    return out;
  }

 private:
  std::vector<std::string> failures_;
};

struct RunAsResult {
  int wait_status = 0;  // from waitpid
  bool exited = false;  // the child exited (not killed)
  int exit_code = -1;   // 0: every check passed
  std::string message;  // the child's failed checks / setup error
  bool ok() const { return exited && exit_code == 0 && message.empty(); }
  std::string describe() const;
};

// Forks; in the child drops to uid/gid (no supplementary groups), runs `fn`
// and reports through a pipe. Waits for the child up to `timeout` (then
// kills it and reports that).
RunAsResult runAsUid(uid_t uid, gid_t gid, const std::function<void(Checks&)>& fn,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A reason to skip when the test cannot switch uids (not running as root).
std::optional<std::string> skipUnlessRoot();

}  // namespace cardd::test
