// Integration: the emulator's virtual chips in a real PC/SC stack. A private
// pcscd with one vpcd reader (PrivatePcscd), cardd-printer-emulator with
// --vpcd pointing at it, the real EvolisDriver moving cards over TCP, and the
// PC/SC encoder (PcscContext, PcscCardChannel) talking to the chip:
// - a card at the contact station is a card in the reader with the blank's
//   chip serial; it leaves the reader when printed and ejected or rejected;
//   the next blank has another chip;
// - a chip personalised over SCP03 (diversified keys) keeps its state when
//   the card goes to the print position and back, and the control port
//   reports the issued card's lifecycle and file digests;
// - a card at the print position only never shows up in the reader.
// Skips when pcscd or the vpcd driver is not installed.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eid/eid_applet.hpp"
#include "emulator/vpcd_chip_slot.hpp"
#include "emulator_process.hpp"
#include "pcsc/pcsc_context.hpp"
#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_driver.hpp"
#include "printer/evolis/evolis_raster.hpp"
#include "private_pcscd.hpp"
#include "scp03/host_session.hpp"
#include "scp03/initialize_update.hpp"
#include "transport/tcp_transport.hpp"

namespace cardd::emulator {
namespace {

namespace apdu = applets::apdu;
namespace evolis = drivers::evolis;
namespace pcsc = drivers::pcsc;
namespace scp03 = applets::scp03;
using drivers::LinkState;
using drivers::Panel;
using drivers::PanelKind;
using drivers::PreparedCard;
using drivers::TcpTransport;
using drivers::Transport;
using drivers::TransportConnector;
using std::chrono::milliseconds;
using testing::EmulatorProcess;
using testing::TempDir;
using namespace std::chrono_literals;

const Bytes kMaster = *applets::fromHex("000102030405060708090A0B0C0D0E0F");

// ---- Printer side ---------------------------------------------------------------------

TransportConnector connectorFor(std::uint16_t port) {
  return [port]() -> Result<std::unique_ptr<Transport>> {
    auto t = std::make_unique<TcpTransport>("127.0.0.1", port);
    auto opened = t->open(milliseconds(2000));
    if (!opened) return opened.error();
    if (*opened != LinkState::Ok) return Error(ErrorCode::Unavailable, "connect timed out");
    return std::unique_ptr<Transport>(std::move(t));
  };
}

evolis::EvolisDriverOptions driverOptions() {
  evolis::EvolisDriverOptions o;
  o.reply_timeout = milliseconds(3000);
  o.movement_timeout = milliseconds(10000);
  o.print_timeout = milliseconds(30000);
  o.reply_gap = milliseconds(50);
  o.station_poll_interval = milliseconds(5);
  o.station_max_wait = milliseconds(10000);
  o.extended_status = true;
  return o;
}

PreparedCard kFront() {
  PreparedCard card;
  Panel k;
  k.kind = PanelKind::Black;
  k.pixels_per_line = evolis::kPixelsPerLine;
  k.lines = evolis::kScanLines;
  k.density.assign(evolis::kPixelsPerLine * evolis::kScanLines, 0);
  card.front.panels = {k};
  return card;
}

// One command on a raw printer connection; the reply up to its NUL byte.
std::string ask(TcpTransport& t, const evolis::Command& command) {
  auto bytes = evolis::encode(command);
  if (!bytes) return "<encode failed>";
  auto w = t.write(*bytes, milliseconds(5000));
  if (!w || *w != LinkState::Ok) return "<write failed>";
  std::string reply;
  for (;;) {
    auto r = t.read(512, milliseconds(5000));
    if (!r || r->state != LinkState::Ok) return "<no reply>";
    for (auto b : r->bytes) {
      if (b == 0) return reply;
      reply.push_back(static_cast<char>(b));
    }
  }
}

// ---- Card side --------------------------------------------------------------------------

apdu::CommandApdu command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                          Bytes data = {}, std::size_t ne = 0) {
  apdu::CommandApdu c;
  c.cla = cla;
  c.ins = ins;
  c.p1 = p1;
  c.p2 = p2;
  c.data = std::move(data);
  c.ne = ne;
  return c;
}

apdu::CommandApdu selectEid() {
  return command(0x00, 0xA4, 0x04, 0x0C, applets::eid::kEidAid);
}

// The host side of an SCP03 channel over a PC/SC channel, as the
// personaliser opens it: keys diversified from the master key with the
// chip's serial.
class Scp03Link {
 public:
  static std::optional<Scp03Link> open(apdu::ApduChannel& channel, ByteView serial,
                                       scp03::SecurityLevel level) {
    const Bytes challenge = *applets::fromHex("1122334455667788");
    auto iu = scp03::initializeUpdateCommand(applets::eid::kEidKeyVersion, challenge);
    if (!iu) return std::nullopt;
    auto answer = channel.transmit(*iu);
    if (!answer || answer->sw != 0x9000) return std::nullopt;
    auto parsed = scp03::parseInitializeUpdateResponse(answer->data);
    auto keys = applets::eid::eidChipKeys(kMaster, serial);
    if (!parsed || !keys) return std::nullopt;
    auto session = scp03::HostSession::open(*keys, challenge, *parsed, level);
    if (!session) return std::nullopt;
    auto ea = session->externalAuthenticate();
    if (!ea) return std::nullopt;
    auto confirmed = channel.transmit(*ea);
    if (!confirmed || !session->confirmExternalAuthenticate(*confirmed)) return std::nullopt;
    return Scp03Link(channel, std::move(session).value());
  }

  // Wraps, sends and unwraps; the plain status word (0 on a failure).
  std::uint16_t send(const apdu::CommandApdu& plain) {
    auto wrapped = session_.wrap(plain);
    if (!wrapped) return 0;
    auto answer = channel_.transmit(*wrapped);
    if (!answer) return 0;
    auto unwrapped = session_.unwrap(*answer);
    return unwrapped ? unwrapped->sw : 0;
  }

 private:
  Scp03Link(apdu::ApduChannel& channel, scp03::HostSession session)
      : channel_(channel), session_(std::move(session)) {}
  apdu::ApduChannel& channel_;
  scp03::HostSession session_;
};

std::string sha256Hex(const Bytes& data) {
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string out;
  char pair[3];
  for (unsigned i = 0; i < size; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    out += pair;
  }
  return out;
}

// ---- Fixture ------------------------------------------------------------------------------

class EmulatorChipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::PrivatePcscd::available(&why)) GTEST_SKIP() << why;
    test::PrivatePcscdOptions options;
    options.readers = 1;
    auto started = test::PrivatePcscd::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    pcscd_ = std::move(started).value();
    reader_ = pcscd_->readerName(0);

    key_file_ = (dir_.path() / "master.key").string();
    std::ofstream(key_file_) << applets::toHex(kMaster) << "\n";
    ASSERT_EQ(::chmod(key_file_.c_str(), 0600), 0);
    emu_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{
        "--time-scale", "0.01", "--serial-prefix", "CHIP-", "--vpcd",
        "127.0.0.1:" + std::to_string(pcscd_->vpcdPort(0)), "--chip-master-key", key_file_});
    ASSERT_TRUE(emu_->started());
    driver_ = std::make_unique<evolis::EvolisDriver>(connectorFor(emu_->port()), driverOptions());

    auto context = pcsc::PcscContext::establish();
    ASSERT_TRUE(context.ok()) << context.error().message;
    context_ = std::move(context).value();
  }

  void TearDown() override {
    channel_.reset();
    context_.reset();
    driver_.reset();
    emu_.reset();
    if (HasFailure() && pcscd_) std::printf("pcscd log:\n%s\n", pcscd_->log().c_str());
    pcscd_.reset();
  }

  void expectCard() {
    auto outcome = context_->waitForCard(reader_, 10s);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_EQ(*outcome, pcsc::WaitOutcome::CardPresent);
  }

  void expectEmpty() {
    auto outcome = context_->waitForRemoval(reader_, 10s);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_EQ(*outcome, pcsc::WaitOutcome::CardAbsent);
  }

  // Connects to the card in the reader and selects the e-ID applet.
  void connectAndSelect() {
    auto channel = context_->connect(reader_);
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    channel_ = std::move(channel).value();
    auto selected = channel_->transmit(selectEid());
    ASSERT_TRUE(selected.ok()) << selected.error().message;
    ASSERT_EQ(selected->sw, 0x9000);
  }

  // GET DATA `tag` in the clear (0 bytes on a failure).
  Bytes getData(std::uint8_t p1, std::uint8_t p2) {
    auto answer = channel_->transmit(command(0x00, 0xCA, p1, p2, {}, 256));
    if (!answer || answer->sw != 0x9000) return {};
    return answer->data;
  }

  void disconnect() {
    if (channel_) {
      EXPECT_TRUE(channel_->disconnect().ok());
    }
    channel_.reset();
  }

  // The chip report of the card with `serial` from the control port.
  boost::json::object chipOf(const std::string& serial) {
    auto state = emu_->state();
    if (!state.contains("chips")) return {};
    for (const auto& card : state.at("chips").at("cards").as_array()) {
      if (card.at("serial").as_string() == serial) return card.as_object();
    }
    return {};
  }

  TempDir dir_;
  std::string key_file_;
  std::unique_ptr<test::PrivatePcscd> pcscd_;
  std::string reader_;
  std::unique_ptr<EmulatorProcess> emu_;
  std::unique_ptr<evolis::EvolisDriver> driver_;
  std::unique_ptr<pcsc::PcscContext> context_;
  std::unique_ptr<pcsc::PcscCardChannel> channel_;
};

TEST_F(EmulatorChipTest, TheChipIsInTheReaderWhileTheCardIsAtTheContactStation) {
  auto before = context_->waitForCard(reader_, 0ms);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(*before, pcsc::WaitOutcome::Timeout);

  ASSERT_TRUE(driver_->feedToContactStation().ok());
  expectCard();
  connectAndSelect();
  const Bytes first = getData(0x00, 0x5A);
  EXPECT_EQ(first, chipSerialFor("CHIP-000001"));
  EXPECT_EQ(getData(0xDF, 0x70), Bytes{0x00});  // Blank.
  auto at_station = chipOf("CHIP-000001");
  ASSERT_FALSE(at_station.empty());
  EXPECT_TRUE(at_station.at("at_station").as_bool());
  EXPECT_TRUE(at_station.at("linked").as_bool());
  EXPECT_EQ(at_station.at("where").as_string(), "printer");
  disconnect();

  auto printed = driver_->printAndEject(kFront());
  ASSERT_TRUE(printed.ok()) << printed.error().message;
  expectEmpty();

  ASSERT_TRUE(driver_->feedToContactStation().ok());
  expectCard();
  connectAndSelect();
  const Bytes second = getData(0x00, 0x5A);
  EXPECT_EQ(second, chipSerialFor("CHIP-000002"));
  EXPECT_NE(second, first);
  disconnect();

  ASSERT_TRUE(driver_->reject().ok());
  expectEmpty();
  EXPECT_EQ(chipOf("CHIP-000001").at("where").as_string(), "hopper");
  EXPECT_EQ(chipOf("CHIP-000002").at("where").as_string(), "reject_box");
  EXPECT_FALSE(chipOf("CHIP-000002").at("at_station").as_bool());
}

TEST_F(EmulatorChipTest, AWrittenChipKeepsItsStateAndIsReportedAfterEject) {
  ASSERT_TRUE(driver_->feedToContactStation().ok());
  expectCard();
  connectAndSelect();
  const Bytes serial = getData(0x00, 0x5A);
  ASSERT_EQ(serial, chipSerialFor("CHIP-000001"));

  // Personalise over SCP03 (C-MAC, C-DEC, R-MAC): one file, then lock.
  Bytes data(48);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  {
    auto link = Scp03Link::open(*channel_, serial, 0x13);
    ASSERT_TRUE(link.has_value());
    const Bytes fcp = {0x62, 0x0B, 0x80, 0x02, 0x00, 0x30, 0x82,
                       0x01, 0x01, 0x83, 0x02, 0x01, 0x01};
    EXPECT_EQ(link->send(command(0x80, 0xE0, 0x00, 0x00, fcp)), 0x9000);
    EXPECT_EQ(link->send(command(0x80, 0xD6, 0x00, 0x00, data)), 0x9000);
    EXPECT_EQ(link->send(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);
  }
  disconnect();

  // To the print position and back: the reader empties, then sees the same chip.
  TcpTransport wire("127.0.0.1", emu_->port());
  ASSERT_TRUE(wire.open(milliseconds(2000)).ok());
  ASSERT_EQ(ask(wire, evolis::insertCard()), "OK");
  expectEmpty();
  EXPECT_FALSE(chipOf("CHIP-000001").at("at_station").as_bool());
  ASSERT_EQ(ask(wire, evolis::toContactStation()), "OK");
  expectCard();
  connectAndSelect();
  EXPECT_EQ(getData(0x00, 0x5A), serial);
  EXPECT_EQ(getData(0xDF, 0x70), Bytes{0x02});  // Still locked.
  disconnect();

  ASSERT_TRUE(driver_->eject().ok());
  expectEmpty();
  auto issued = chipOf("CHIP-000001");
  ASSERT_FALSE(issued.empty());
  EXPECT_EQ(issued.at("where").as_string(), "hopper");
  EXPECT_EQ(issued.at("chip_serial").as_string(), applets::toHex(serial));
  EXPECT_EQ(issued.at("lifecycle").as_string(), "locked");
  EXPECT_FALSE(issued.at("at_station").as_bool());
  const auto& files = issued.at("files").as_array();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].at("fid").as_string(), "0101");
  EXPECT_EQ(files[0].at("size").to_number<int>(), 48);
  EXPECT_EQ(files[0].at("sha256").as_string(), sha256Hex(data));
}

TEST_F(EmulatorChipTest, NoChipInTheReaderWhileTheCardIsAtThePrintPosition) {
  TcpTransport wire("127.0.0.1", emu_->port());
  ASSERT_TRUE(wire.open(milliseconds(2000)).ok());
  ASSERT_EQ(ask(wire, evolis::insertCard()), "OK");  // Si answers when the card is there.
  EXPECT_EQ(emu_->state().at("position").as_string(), "print");
  auto outcome = context_->waitForCard(reader_, 1500ms);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(*outcome, pcsc::WaitOutcome::Timeout);
  EXPECT_TRUE(chipOf("CHIP-000001").empty());  // Not even made yet.

  ASSERT_TRUE(driver_->eject().ok());
  auto issued = chipOf("CHIP-000001");
  ASSERT_FALSE(issued.empty());
  EXPECT_EQ(issued.at("where").as_string(), "hopper");
  EXPECT_EQ(issued.at("lifecycle").as_string(), "blank");
  EXPECT_TRUE(issued.at("files").as_array().empty());
}

}  // namespace
}  // namespace cardd::emulator
