// VpcdConnection against a fake vpcd: a loopback TCP listener in this test
// that speaks vpcd's framing (2-byte big-endian length + payload; 1-byte
// payloads are control) the way Debian's vpcd does.

#include "virtual_chip/vpcd_connection.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "echo_applet.hpp"
#include "test_hex.hpp"

namespace cardd::applets::virtual_chip {
namespace {

using applets::testing::EchoApplet;
using applets::testing::hex;
using applets::testing::kEchoAtr;
using namespace std::chrono_literals;

// The reader side of vpcd, one card at a time. Bound at construction (so the
// port is known); listen() may come later to play "vpcd not up yet".
class FakeVpcd {
 public:
  explicit FakeVpcd(bool listenNow = true) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t length = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    if (listenNow) listen();
  }
  ~FakeVpcd() {
    dropCard();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  void listen() { EXPECT_EQ(::listen(listener_, 4), 0); }

  // Waits for the card to connect.
  bool acceptCard(std::chrono::milliseconds timeout = 3s) {
    dropCard();
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
    card_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    return card_ >= 0;
  }
  void dropCard() {
    if (card_ >= 0) ::close(card_);
    card_ = -1;
  }

  // Like Debian's vpcd: length and body in two writes, Nagle left on.
  void send(const Bytes& payload) {
    const std::uint8_t header[2] = {static_cast<std::uint8_t>(payload.size() >> 8),
                                    static_cast<std::uint8_t>(payload.size() & 0xFF)};
    ASSERT_EQ(::send(card_, header, 2, MSG_NOSIGNAL), 2);
    std::size_t sent = 0;
    while (sent < payload.size()) {
      const ssize_t n = ::send(card_, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  std::optional<Bytes> receive(std::chrono::milliseconds timeout = 3s) {
    std::uint8_t header[2];
    if (!readExact(header, 2, timeout)) return std::nullopt;
    Bytes payload((std::size_t{header[0]} << 8) | header[1]);
    if (!readExact(payload.data(), payload.size(), timeout)) return std::nullopt;
    return payload;
  }

  Bytes transmit(const Bytes& command) {
    send(command);
    auto answer = receive();
    EXPECT_TRUE(answer.has_value()) << "no answer to " << toHex(command);
    return answer.value_or(Bytes{});
  }

  // Whether the card closed its end (EOF within `timeout`).
  bool cardClosed(std::chrono::milliseconds timeout) {
    pollfd pfd{card_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
    std::uint8_t byte;
    return ::recv(card_, &byte, 1, 0) == 0;
  }

 private:
  bool readExact(std::uint8_t* out, std::size_t size, std::chrono::milliseconds timeout) {
    std::size_t got = 0;
    while (got < size) {
      pollfd pfd{card_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
      const ssize_t n = ::recv(card_, out + got, size - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }

  int listener_ = -1;
  int card_ = -1;
  std::uint16_t port_ = 0;
};

VpcdEndpoint endpointFor(std::uint16_t port) {
  VpcdEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  endpoint.initialBackoff = 20ms;
  endpoint.maxBackoff = 200ms;
  return endpoint;
}

const Bytes kSelect = hex("00 A4 04 00 07 F0 63 61 72 64 64 01");
const Bytes kOk = hex("9000");

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

TEST(VpcdConnection, AnswersControlAndApdus) {
  FakeVpcd vpcd;
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  ASSERT_TRUE(vpcd.acceptCard());
  EXPECT_TRUE(eventually([&] { return card.isLinked(); }));

  EXPECT_EQ(vpcd.transmit({0x04}), kEchoAtr);
  vpcd.send({0x01});
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 02 AB CD")), hex("6985"));  // not selected
  EXPECT_EQ(vpcd.transmit(kSelect), kOk);
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 03 01 02 03 00")), hex("01 02 03 90 00"));
  EXPECT_EQ(vpcd.transmit(hex("00 A4 04 00 02 AA BB")), hex("6A82"));
  EXPECT_EQ(vpcd.transmit(hex("00 CA 00 00")), hex("6D00"));
  // Malformed and invalid-class commands are answered by the connection.
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00")), hex("6700"));
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 05 01 02")), hex("6700"));
  EXPECT_EQ(vpcd.transmit(hex("FF EE 00 00")), hex("6E00"));
  // An unknown control byte gets no answer; the ATR still comes next.
  vpcd.send({0x07});
  EXPECT_EQ(vpcd.transmit({0x04}), kEchoAtr);
  // Reset deselects.
  vpcd.send({0x02});
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 01 55")), hex("6985"));
  vpcd.send({0x00});

  EXPECT_TRUE(eventually([&] { return applet.powerOffs() == 1; }));
  EXPECT_EQ(applet.powerOns(), 1);
  EXPECT_EQ(applet.resets(), 1);
  EXPECT_EQ(applet.echoes(), 1);
  const VpcdStats stats = card.stats();
  EXPECT_EQ(stats.links, 1u);
  EXPECT_EQ(stats.apdus, 9u);
  EXPECT_EQ(stats.controls, 6u);
}

TEST(VpcdConnection, EchoesExtendedApdus) {
  FakeVpcd vpcd;
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  ASSERT_TRUE(vpcd.acceptCard());
  vpcd.send({0x01});
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  // 65526 is the largest Nc whose 4E command (9 header/length bytes) fits a vpcd frame.
  for (const std::size_t size : {std::size_t{256}, std::size_t{4096}, std::size_t{65526}}) {
    Bytes data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    Bytes command = {0x00,
                     0xEE,
                     0x00,
                     0x00,
                     0x00,
                     static_cast<std::uint8_t>(size >> 8),
                     static_cast<std::uint8_t>(size & 0xFF)};
    append(command, data);
    command.insert(command.end(), {0x00, 0x00});  // Le = 65536
    Bytes expected = data;
    append(expected, kOk);
    EXPECT_EQ(vpcd.transmit(command), expected) << size;
  }
}

TEST(VpcdConnection, ReconnectsWhenVpcdDropsTheCardAndKeepsAppletState) {
  FakeVpcd vpcd;
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  ASSERT_TRUE(vpcd.acceptCard());
  vpcd.send({0x01});
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  ASSERT_EQ(vpcd.transmit(hex("00 EE 00 00 01 42")), hex("42 9000"));

  vpcd.dropCard();  // what vpcd does after a transmit error
  ASSERT_TRUE(vpcd.acceptCard());
  EXPECT_TRUE(eventually([&] { return card.isLinked(); }));
  EXPECT_EQ(applet.powerOffs(), 1);  // losing the reader cut the power
  EXPECT_EQ(vpcd.transmit({0x04}), kEchoAtr);
  vpcd.send({0x01});
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 01 42")), hex("6985"));  // session state gone
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 01 43")), hex("43 9000"));
  EXPECT_EQ(applet.echoes(), 2);  // persistent state kept
  const VpcdStats stats = card.stats();
  EXPECT_EQ(stats.links, 2u);
  EXPECT_EQ(stats.linksLost, 1u);
}

TEST(VpcdConnection, RetriesUntilVpcdListens) {
  FakeVpcd vpcd(/*listenNow=*/false);
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  EXPECT_TRUE(eventually([&] { return card.stats().linkFailures >= 2; }));
  EXPECT_FALSE(card.isLinked());
  vpcd.listen();
  ASSERT_TRUE(vpcd.acceptCard());
  EXPECT_EQ(vpcd.transmit({0x04}), kEchoAtr);
  EXPECT_TRUE(card.isLinked());
}

TEST(VpcdConnection, DisconnectRemovesTheCardPromptlyAndConnectInsertsItAgain) {
  FakeVpcd vpcd;
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  EXPECT_FALSE(card.connect().ok());  // already inserted
  ASSERT_TRUE(vpcd.acceptCard());
  vpcd.send({0x01});
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  ASSERT_EQ(vpcd.transmit(hex("00 EE 00 00 01 01")), hex("01 9000"));

  const auto before = std::chrono::steady_clock::now();
  card.disconnect();  // the worker is blocked in recv
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
  EXPECT_FALSE(card.isInserted());
  EXPECT_FALSE(card.isLinked());
  EXPECT_TRUE(vpcd.cardClosed(1s));
  EXPECT_EQ(applet.powerOffs(), 1);
  card.disconnect();  // idempotent

  ASSERT_TRUE(card.connect().ok());
  ASSERT_TRUE(vpcd.acceptCard());
  EXPECT_TRUE(card.isInserted());
  vpcd.send({0x01});
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  EXPECT_EQ(vpcd.transmit(hex("00 EE 00 00 01 02")), hex("02 9000"));
  EXPECT_EQ(applet.echoes(), 2);
}

TEST(VpcdConnection, DisconnectWhileBackingOffIsPrompt) {
  FakeVpcd vpcd(/*listenNow=*/false);
  EchoApplet applet;
  VpcdEndpoint endpoint = endpointFor(vpcd.port());
  endpoint.initialBackoff = 10s;
  endpoint.maxBackoff = 10s;
  VpcdConnection card(applet, endpoint);
  ASSERT_TRUE(card.connect().ok());
  EXPECT_TRUE(eventually([&] { return card.stats().linkFailures >= 1; }));
  const auto before = std::chrono::steady_clock::now();
  card.disconnect();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
  EXPECT_EQ(applet.powerOffs(), 0);  // never powered by a reader
}

TEST(VpcdConnection, RejectsAnIncompleteEndpoint) {
  EchoApplet applet;
  VpcdEndpoint endpoint;
  endpoint.port = 0;
  VpcdConnection card(applet, endpoint);
  EXPECT_FALSE(card.connect().ok());
  EXPECT_FALSE(card.isInserted());
}

// Debian's vpcd writes length and body separately with Nagle on; without
// TCP_QUICKACK on the card side every exchange stalls ~40 ms (delayed ACK).
TEST(VpcdConnection, SplitWritesDoNotStall) {
  FakeVpcd vpcd;
  EchoApplet applet;
  VpcdConnection card(applet, endpointFor(vpcd.port()));
  ASSERT_TRUE(card.connect().ok());
  ASSERT_TRUE(vpcd.acceptCard());
  vpcd.send({0x01});
  ASSERT_EQ(vpcd.transmit(kSelect), kOk);
  std::vector<double> micros;
  for (int i = 0; i < 200; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(vpcd.transmit(hex("00 EE 00 00 04 01 02 03 04")), hex("01 02 03 04 9000"));
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::nth_element(micros.begin(), micros.begin() + 100, micros.end());
  const double median = micros[100];
  std::printf("fake vpcd round trip median: %.1f us\n", median);
  EXPECT_LT(median, 10000.0);
}

}  // namespace
}  // namespace cardd::applets::virtual_chip
