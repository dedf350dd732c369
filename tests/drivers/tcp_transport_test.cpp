// TcpTransport against a loopback server started in the test: round trips,
// timeouts that come back promptly, peer close and reset as Disconnected,
// refused connections as errors, reconnect by open().
#include "transport/tcp_transport.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "loopback_server.hpp"
#include "transport/scripted_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;
using testing::LoopbackServer;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kLong{2000};

milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
}

// Reads until `n` bytes have arrived (the stream may split them).
Bytes readN(Transport& t, std::size_t n) {
  Bytes out;
  while (out.size() < n) {
    auto r = t.read(n - out.size(), kLong);
    if (!r.ok() || r->state != LinkState::Ok) break;
    out.insert(out.end(), r->bytes.begin(), r->bytes.end());
  }
  return out;
}

TEST(TcpTransport, RoundTrip) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  server.serve([](int& fd) {
    auto got = testing::readExactly(fd, 5);
    if (got && *got == bytesOf("\x1bRtp\r")) testing::sendAll(fd, bytesOf("Evolis Primacy 2\r"));
    testing::waitForPeerClose(fd);
  });
  TcpTransport t("127.0.0.1", server.port());
  auto opened = t.open(kLong);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(*opened, LinkState::Ok);
  EXPECT_TRUE(t.connected());

  const Bytes cmd = bytesOf("\x1bRtp\r");
  auto w = t.write(cmd, kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Ok);
  EXPECT_EQ(readN(t, 17), bytesOf("Evolis Primacy 2\r"));
  t.close();
}

TEST(TcpTransport, RoundTripIpv6) {
  LoopbackServer server(/*ipv6=*/true);
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  server.serve([](int& fd) {
    auto got = testing::readExactly(fd, 4);
    if (got) testing::sendAll(fd, *got);
    testing::waitForPeerClose(fd);
  });
  TcpTransport t("::1", server.port());
  EXPECT_EQ(t.describe(), "tcp:[::1]:" + std::to_string(server.port()));
  auto opened = t.open(kLong);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(*opened, LinkState::Ok);
  ASSERT_EQ(*t.write(bytesOf("ping"), kLong), LinkState::Ok);
  EXPECT_EQ(readN(t, 4), bytesOf("ping"));
}

TEST(TcpTransport, NameIsResolved) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  server.serve([](int& fd) {
    testing::sendAll(fd, bytesOf("hi"));
    testing::waitForPeerClose(fd);
  });
  TcpTransport t("localhost", server.port());
  auto opened = t.open(kLong);
  if (!opened.ok() || *opened != LinkState::Ok) {
    GTEST_SKIP() << "localhost does not reach 127.0.0.1 here";
  }
  EXPECT_EQ(readN(t, 2), bytesOf("hi"));
}

TEST(TcpTransport, ReadTimeoutReturnsPromptly) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  server.serve([](int& fd) { testing::waitForPeerClose(fd); });  // Says nothing.
  TcpTransport t("127.0.0.1", server.port());
  ASSERT_EQ(*t.open(kLong), LinkState::Ok);

  const auto t0 = Clock::now();
  auto r = t.read(64, milliseconds(100));
  const auto took = since(t0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Timeout);
  EXPECT_TRUE(r->bytes.empty());
  EXPECT_GE(took, milliseconds(90));
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_TRUE(t.connected());  // A timeout is not a disconnect.
  t.close();
}

TEST(TcpTransport, PeerCloseIsStickyDisconnected) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  server.serve([](int& fd) {
    ::close(fd);
    fd = -1;
  });
  TcpTransport t("127.0.0.1", server.port());
  ASSERT_EQ(*t.open(kLong), LinkState::Ok);
  server.join();

  auto r = t.read(64, kLong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Disconnected);
  EXPECT_FALSE(t.connected());
  auto w = t.write(bytesOf("x"), kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Disconnected);
  EXPECT_EQ(t.read(64, kLong)->state, LinkState::Disconnected);
}

TEST(TcpTransport, ConnectToClosedPortIsAnErrorQuickly) {
  // Reserve a port, then release it: nothing listens there.
  std::uint16_t port = 0;
  {
    LoopbackServer reserve;
    ASSERT_TRUE(reserve.ok());
    port = reserve.port();
  }
  TcpTransport t("127.0.0.1", port);
  const auto t0 = Clock::now();
  auto opened = t.open(kLong);
  EXPECT_LT(since(t0), milliseconds(1000));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::Unavailable);
  EXPECT_NE(opened.error().message.find("tcp:127.0.0.1:"), std::string::npos);
  EXPECT_FALSE(t.connected());
}

TEST(TcpTransport, ConnectTimeoutIsAValue) {
  // A listener that never accepts, with a backlog of 0: once its queue is
  // full, the kernel drops further SYNs and connect() hangs until timeout.
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  ASSERT_EQ(::listen(server.listenFdForTest(), 0), 0);
  std::vector<std::unique_ptr<TcpTransport>> clients;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    auto t = std::make_unique<TcpTransport>("127.0.0.1", server.port());
    const auto t0 = Clock::now();
    auto opened = t->open(milliseconds(150));
    EXPECT_LT(since(t0), milliseconds(1000));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    timed_out = *opened == LinkState::Timeout;
    clients.push_back(std::move(t));
  }
  EXPECT_TRUE(timed_out);
}

TEST(TcpTransport, WriteAfterPeerResetDoesNotKillTheProcess) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  server.serve([](int& fd) {
    linger lg{1, 0};  // Close with RST instead of FIN.
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
    fd = -1;
  });
  TcpTransport t("127.0.0.1", server.port());
  ASSERT_EQ(*t.open(kLong), LinkState::Ok);
  server.join();

  // The first writes may still be buffered locally; after the RST lands the
  // next one fails with EPIPE/ECONNRESET, which must be a value, not SIGPIPE.
  const Bytes chunk(1024, 0x55);
  LinkState last = LinkState::Ok;
  for (int i = 0; i < 100 && last == LinkState::Ok; ++i) {
    auto w = t.write(chunk, kLong);
    ASSERT_TRUE(w.ok()) << w.error().message;
    last = *w;
    if (last == LinkState::Ok) std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(last, LinkState::Disconnected);
  EXPECT_EQ(*t.write(chunk, kLong), LinkState::Disconnected);
}

TEST(TcpTransport, OpenAgainReconnects) {
  LoopbackServer server;
  ASSERT_TRUE(server.ok());
  int sessions = 0;
  server.serve(
      [&sessions](int& fd) {
        ++sessions;
        if (sessions == 1) return;  // Hang up at once.
        auto got = testing::readExactly(fd, 2);
        if (got) testing::sendAll(fd, *got);
        testing::waitForPeerClose(fd);
      },
      2);
  TcpTransport t("127.0.0.1", server.port());
  ASSERT_EQ(*t.open(kLong), LinkState::Ok);
  EXPECT_EQ(t.read(16, kLong)->state, LinkState::Disconnected);

  ASSERT_EQ(*t.open(kLong), LinkState::Ok);
  EXPECT_TRUE(t.connected());
  ASSERT_EQ(*t.write(bytesOf("ok"), kLong), LinkState::Ok);
  EXPECT_EQ(readN(t, 2), bytesOf("ok"));
  t.close();
  server.join();
  EXPECT_EQ(sessions, 2);
}

TEST(TcpTransport, UseBeforeOpenOrAfterCloseIsAnError) {
  TcpTransport t("127.0.0.1", 9100);
  EXPECT_EQ(t.describe(), "tcp:127.0.0.1:9100");
  EXPECT_FALSE(t.write(bytesOf("x"), kLong).ok());
  EXPECT_FALSE(t.read(1, kLong).ok());
  t.close();
  t.close();  // Idempotent.
  EXPECT_FALSE(t.read(1, kLong).ok());
}

}  // namespace
}  // namespace cardd::drivers
