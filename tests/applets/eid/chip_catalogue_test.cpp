// VirtualChipFactory and ChipCatalogue: blank chips get the diversified keys,
// chips restore from exported state, and a catalogue chip put "at the contact
// station" answers a (fake, loopback) vpcd and keeps its state across
// remove / insert.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "eid/chip_catalogue.hpp"
#include "eid_test_support.hpp"

namespace cardd::applets::eid {
namespace {

using namespace std::chrono_literals;
using testing::command;
using testing::hex;
using testing::kMaster;
using testing::kSerial;
using testing::pattern;
using testing::Station;

/* The vpcd side of one link, on a free loopback port. */
class FakeVpcd {
 public:
  FakeVpcd() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t size = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeVpcd() {
    if (link_ >= 0) ::close(link_);
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  void accept() {
    if (link_ >= 0) ::close(link_);
    link_ = ::accept(listener_, nullptr, nullptr);
    ASSERT_GE(link_, 0);
    timeval timeout{5, 0};
    ::setsockopt(link_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  // Sends one frame and reads the answer frame (empty on EOF / timeout).
  Bytes exchange(const Bytes& payload) {
    Bytes frame = {static_cast<std::uint8_t>(payload.size() >> 8),
                   static_cast<std::uint8_t>(payload.size())};
    append(frame, payload);
    if (::send(link_, frame.data(), frame.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(frame.size())) {
      return {};
    }
    std::uint8_t header[2];
    if (!readExact(header, 2)) return {};
    Bytes answer(static_cast<std::size_t>((header[0] << 8) | header[1]));
    if (!readExact(answer.data(), answer.size())) return {};
    return answer;
  }
  void send(const Bytes& payload) {
    Bytes frame = {0x00, static_cast<std::uint8_t>(payload.size())};
    append(frame, payload);
    ASSERT_EQ(::send(link_, frame.data(), frame.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(frame.size()));
  }
  // True when the card closed the link.
  bool closedByCard() {
    std::uint8_t byte = 0;
    return ::recv(link_, &byte, 1, 0) == 0;
  }

 private:
  bool readExact(std::uint8_t* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = ::recv(link_, out + done, n - done, 0);
      if (r <= 0) return false;
      done += static_cast<std::size_t>(r);
    }
    return true;
  }
  int listener_ = -1;
  int link_ = -1;
  std::uint16_t port_ = 0;
};

TEST(VirtualChipFactory, BlankEidChipOpensWithTheDiversifiedKeys) {
  auto factory = VirtualChipFactory::create(kMaster);
  ASSERT_TRUE(factory.ok());
  auto chip = factory->makeBlank(AppletKind::Eid, kSerial);
  ASSERT_TRUE(chip.ok());
  EXPECT_EQ((*chip)->kind(), AppletKind::Eid);
  EXPECT_EQ((*chip)->serial(), kSerial);
  Station s(**chip);
  EXPECT_EQ(s.open(0x33), 0x9000);  // host derives from kMaster + KDD

  auto jmrtd = factory->makeBlank(AppletKind::Jmrtd, kSerial);
  ASSERT_TRUE(jmrtd.ok());
  EXPECT_EQ((*jmrtd)->kind(), AppletKind::Jmrtd);

  EXPECT_FALSE(VirtualChipFactory::create(hex("0102")).ok());
  EXPECT_FALSE(VirtualChipFactory::create(kMaster, EidAppletOptions{0, 10}).ok());
  EXPECT_FALSE(factory->makeBlank(AppletKind::Eid, hex("01")).ok());
  EXPECT_EQ(parseAppletKind("jmrtd").value(), AppletKind::Jmrtd);
  EXPECT_FALSE(parseAppletKind("piv").ok());
}

TEST(VirtualChipFactory, RestoreBringsBackKindSerialAndFiles) {
  auto factory = VirtualChipFactory::create(kMaster);
  ASSERT_TRUE(factory.ok());
  auto chip = factory->makeBlank(AppletKind::Eid, kSerial);
  ASSERT_TRUE(chip.ok());
  Station s(**chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  const Bytes data = pattern(2000, 0x01);
  ASSERT_EQ(s.create(0x0101, data.size()), 0x9000);
  ASSERT_EQ(s.writeAll(data, 1500), 0x9000);

  auto restored = factory->restore((*chip)->exportState());
  ASSERT_TRUE(restored.ok());
  Station t(**restored);
  ASSERT_EQ(t.open(0x33), 0x9000);
  ASSERT_EQ(t.selectFile(0x0101), 0x9000);
  EXPECT_EQ(t.readAll(data.size(), 1024), data);

  auto otherFactory = VirtualChipFactory::create(hex("000102030405060708090A0B0C0D0E0F"));
  ASSERT_TRUE(otherFactory.ok());
  EXPECT_FALSE(otherFactory->restore((*chip)->exportState()).ok());
}

TEST(ChipCatalogue, InsertAnswersVpcdAndStateSurvivesRemoval) {
  auto factory = VirtualChipFactory::create(kMaster);
  ASSERT_TRUE(factory.ok());
  ChipCatalogue chips(std::move(factory).value());
  ASSERT_TRUE(chips.addBlank(AppletKind::Eid, kSerial).ok());
  EXPECT_FALSE(chips.addBlank(AppletKind::Jmrtd, kSerial).ok());  // serial taken
  const Bytes other = hex("8877665544332211");
  ASSERT_TRUE(chips.addBlank(AppletKind::Jmrtd, other).ok());
  EXPECT_EQ(chips.serials().size(), 2u);
  ASSERT_NE(chips.find(kSerial), nullptr);
  EXPECT_EQ(chips.find(hex("0000000000000000")), nullptr);

  FakeVpcd vpcd;
  virtual_chip::VpcdEndpoint endpoint;
  endpoint.port = vpcd.port();
  endpoint.initialBackoff = 10ms;
  EXPECT_EQ(chips.insert(hex("0000000000000000"), endpoint).error().code, ErrorCode::NotFound);
  ASSERT_TRUE(chips.insert(kSerial, endpoint).ok());
  EXPECT_FALSE(chips.insert(kSerial, endpoint).ok());  // already at a station
  EXPECT_TRUE(chips.isInserted(kSerial));
  vpcd.accept();
  EXPECT_EQ(vpcd.exchange({0x04}), eidAtr());
  vpcd.send({0x01});  // power on
  EXPECT_EQ(vpcd.exchange(hex("00 A4 04 0C 07 F0 63 61 72 64 64 01")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(hex("00 CA 00 5A 00")), hex("0011223344556677 9000"));

  chips.remove(kSerial);
  EXPECT_FALSE(chips.isInserted(kSerial));
  EXPECT_TRUE(vpcd.closedByCard());
  chips.remove(kSerial);  // idempotent

  /* Personalise directly, then insert again: the data is still there. */
  Station s(*chips.find(kSerial));
  ASSERT_EQ(s.open(0x33), 0x9000);
  ASSERT_EQ(s.create(0x0101, 3), 0x9000);
  ASSERT_EQ(s.writeAll(hex("0A0B0C"), 3), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, hex("0102030405060708"))), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);
  ASSERT_TRUE(chips.insert(kSerial, endpoint).ok());
  vpcd.accept();
  vpcd.send({0x01});
  EXPECT_EQ(vpcd.exchange(hex("00 A4 04 0C 07 F0 63 61 72 64 64 01")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(hex("00 20 00 81 08 0102030405060708")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(hex("00 A4 02 0C 02 01 01")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(hex("00 B0 00 00 00")), hex("0A0B0C 6282"));
}

}  // namespace
}  // namespace cardd::applets::eid
