// cardd's side of the systemd protocols, without systemd: readiness,
// status, watchdog and stopping notifications on a NOTIFY_SOCKET we own;
// socket activation with an inherited fd; SIGHUP reload; and the logging
// rule that personal data never reaches a log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <poll.h>
#include <fstream>

#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

using namespace std::chrono_literals;

int unixSocket(int type, const std::string& path) {
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  return fd;
}

// Collects notify datagrams until `want` has been seen (or the deadline).
bool awaitNotification(int fd, const std::string& want, std::chrono::milliseconds timeout,
                       std::string& seen) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    const std::string msg(buf, static_cast<std::size_t>(n));
    seen += msg + "\n--\n";
    if (msg.find(want) != std::string::npos) return true;
  }
  return false;
}

TEST(SystemdProtocol, NotifiesReadyStatusWatchdogAndStopping) {
  DaemonProcess d;
  const std::string notify_path = d.dir() + "/notify.sock";
  const int notify = unixSocket(SOCK_DGRAM, notify_path);
  ASSERT_GE(notify, 0);
  d.setEnv("NOTIFY_SOCKET", notify_path);
  d.setEnv("WATCHDOG_USEC", "200000");
  ASSERT_TRUE(d.start());
  std::string seen;
  EXPECT_TRUE(awaitNotification(notify, "READY=1", 5s, seen)) << seen;
  EXPECT_NE(seen.find("STATUS=Serving on"), std::string::npos) << seen;
  // Pets at half the interval, from the event loop.
  int pets = 0;
  for (int i = 0; i < 3; ++i) pets += awaitNotification(notify, "WATCHDOG=1", 2s, seen) ? 1 : 0;
  EXPECT_EQ(pets, 3) << seen;
  ASSERT_TRUE(d.stop());
  EXPECT_TRUE(awaitNotification(notify, "STOPPING=1", 2s, seen)) << seen;
  ::close(notify);
}

TEST(SystemdProtocol, UsesTheInheritedSocketInsteadOfBindingItsOwn) {
  DaemonProcess d;
  const int listener = unixSocket(SOCK_STREAM, d.socketPath());
  ASSERT_GE(listener, 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::chmod(d.socketPath().c_str(), 0640), 0);
  struct stat before {};
  ASSERT_EQ(::stat(d.socketPath().c_str(), &before), 0);
  d.passListeningSocket(listener);
  ASSERT_TRUE(d.start());
  ::close(listener);  // the daemon holds its own copy now
  EXPECT_TRUE(submitOk(d.socketPath()));
  // Same file, same mode: cardd did not unlink and re-bind (it would apply 0600).
  struct stat after {};
  ASSERT_EQ(::stat(d.socketPath().c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(after.st_mode & 0777, 0640u);
  EXPECT_NE(d.stderrText().find("socket passed by systemd"), std::string::npos);
  ASSERT_TRUE(d.stop());
}

TEST(SystemdProtocol, SighupReloadsAndABrokenConfigKeepsTheRunningOne) {
  DaemonProcess d;
  d.config().station_name = "before reload";
  ASSERT_TRUE(d.start());
  auto station = [&] {
    return jsonObject(callOnce(d.socketPath(), "GET", "/v1/_ping")).at("station").as_string();
  };
  EXPECT_EQ(station(), "before reload");

  d.config().station_name = "after reload";
  { std::ofstream(d.configPath(), std::ios::trunc) << d.renderConfig(); }
  ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
  EXPECT_TRUE(waitFor([&] { return station() == "after reload"; }, 5s));

  { std::ofstream(d.configPath(), std::ios::trunc) << "api:\n  max_body_bytes: plenty\n"; }
  ASSERT_EQ(::kill(d.pid(), SIGHUP), 0);
  EXPECT_TRUE(
      waitFor([&] { return d.stderrText().find("reload refused") != std::string::npos; }, 5s));
  EXPECT_EQ(station(), "after reload");
  EXPECT_TRUE(submitOk(d.socketPath()));
  ASSERT_TRUE(d.stop());
}

TEST(Logging, PersonalDataNeverReachesTheLog) {
  DaemonProcess d;
  d.config().log_level = "debug";
  ASSERT_TRUE(d.start());
  auto job = sampleJob();
  const auto res = callOnce(d.socketPath(), "POST", "/v1/jobs", toText(job));
  ASSERT_EQ(res.status, 201) << res.body;
  // A refused job too: validation messages name fields, never values.
  job["person"].as_object()["nik"] = "31710123456700019";
  const auto bad = callOnce(d.socketPath(), "POST", "/v1/jobs", toText(job));
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.body.find("31710123456700019"), std::string::npos);
  ASSERT_TRUE(d.stop());
  const std::string log = d.stderrText();
  EXPECT_NE(log.find("job queued"), std::string::npos) << log;
  const auto sample = sampleJob();
  const auto& person = sample.at("person").as_object();
  for (const char* field : {"nik", "name", "birth_date", "birth_place"}) {
    const std::string value(person.at(field).as_string());
    EXPECT_EQ(log.find(value), std::string::npos) << field << " leaked into the log";
  }
  const std::string photo(sample.at("photo").as_string());
  EXPECT_EQ(log.find(photo.substr(0, 24)), std::string::npos) << "the photo leaked into the log";
}

}  // namespace
}  // namespace cardd::test
