// The emulated-station rig (tests/support EmulatedStation) on its own: three
// printer emulators behind one private pcscd. Every emulator answers on its
// control port, pcscd lists the three readers, and a card fed to one
// printer's contact station (by the real EvolisDriver) puts a chip in exactly
// that printer's reader. Then cardd runs on the generated config and survives
// a SIGKILL and a restart. Skips without pcscd / vpcd.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "eid/eid_applet.hpp"
#include "emulated_station.hpp"
#include "pcsc/pcsc_context.hpp"
#include "printer/evolis/evolis_driver.hpp"
#include "transport/tcp_transport.hpp"

namespace cardd::test {
namespace {

using namespace std::chrono_literals;
namespace evolis = drivers::evolis;
namespace pcsc = drivers::pcsc;

drivers::TransportConnector connectorFor(std::uint16_t port) {
  return [port]() -> Result<std::unique_ptr<drivers::Transport>> {
    auto t = std::make_unique<drivers::TcpTransport>("127.0.0.1", port);
    auto opened = t->open(2000ms);
    if (!opened) return opened.error();
    if (*opened != drivers::LinkState::Ok) {
      return Error(ErrorCode::Unavailable, "connect timed out");
    }
    return std::unique_ptr<drivers::Transport>(std::move(t));
  };
}

evolis::EvolisDriverOptions driverOptions() {
  evolis::EvolisDriverOptions o;
  o.reply_timeout = 3000ms;
  o.movement_timeout = 10000ms;
  o.station_poll_interval = 5ms;
  o.station_max_wait = 10000ms;
  return o;
}

std::string stringField(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class EmulatedStationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatedStationOptions options;
    options.printers = 3;
    options.feeder = 20;
    auto started = EmulatedStation::start(options);
    if (!started && started.error().code == ErrorCode::Unavailable) {
      GTEST_SKIP() << started.error().message;
    }
    ASSERT_TRUE(started.ok()) << started.error().message;
    station_ = std::move(started).value();
  }

  void TearDown() override {
    if (HasFailure() && station_) {
      std::printf("pcscd log:\n%s\ncardd log:\n%s\n", station_->pcscd().log().c_str(),
                  station_->carddLog().c_str());
    }
    station_.reset();
  }

  std::unique_ptr<EmulatedStation> station_;
};

TEST_F(EmulatedStationTest, EmulatorsAnswerAndReadersAreListed) {
  EmulatedStation& s = *station_;
  ASSERT_EQ(s.printers(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto state = s.emulatorState(i);
    ASSERT_TRUE(state.ok()) << state.error().message;
    EXPECT_EQ(state->at("feeder").as_int64(), 20) << s.printerId(i);
    EXPECT_NE(state->if_contains("chips"), nullptr) << s.printerId(i) << " has no virtual chips";
  }
  // A fault is one emulator's own.
  auto jam = s.emulatorControl(0, R"({"cmd":"inject","fault":"jam"})");
  ASSERT_TRUE(jam.ok()) << jam.error().message;
  EXPECT_EQ(*jam, R"({"ok":true})");
  auto jammed = s.emulatorState(0);
  ASSERT_TRUE(jammed.ok()) << jammed.error().message;
  EXPECT_EQ(jammed->at("faults").as_array().size(), 1u);
  auto clean = s.emulatorState(1);
  ASSERT_TRUE(clean.ok()) << clean.error().message;
  EXPECT_TRUE(clean->at("faults").as_array().empty());
  auto refused = s.emulatorControl(2, R"({"cmd":"no-such-command"})");
  ASSERT_TRUE(refused.ok());
  EXPECT_NE(refused->find(R"("ok":false)"), std::string::npos) << *refused;

  auto context = pcsc::PcscContext::establish();
  ASSERT_TRUE(context.ok()) << context.error().message;
  auto readers = (*context)->listReaders();
  ASSERT_TRUE(readers.ok()) << readers.error().message;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::count(readers->begin(), readers->end(), s.readerName(i)), 1) << s.readerName(i);
  }
  // Three printers, two readers per vpcd entry: names stay distinct.
  EXPECT_NE(s.readerName(0), s.readerName(2));
}

TEST_F(EmulatedStationTest, CardAtTheContactStationIsInThatPrintersReaderOnly) {
  EmulatedStation& s = *station_;
  auto context = pcsc::PcscContext::establish();
  ASSERT_TRUE(context.ok()) << context.error().message;
  for (std::size_t i = 0; i < 3; ++i) {
    auto empty = (*context)->waitForCard(s.readerName(i), 300ms);
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_EQ(*empty, pcsc::WaitOutcome::Timeout) << s.readerName(i) << " has a card already";
  }

  // Printer P2 feeds a blank to its contact station.
  evolis::EvolisDriver driver(connectorFor(s.emulator(1).port), driverOptions());
  ASSERT_TRUE(driver.feedToContactStation().ok());

  auto present = (*context)->waitForCard(s.readerName(1), 15s);
  ASSERT_TRUE(present.ok()) << present.error().message;
  ASSERT_EQ(*present, pcsc::WaitOutcome::CardPresent) << s.emulatorLog(1);
  auto channel = (*context)->connect(s.readerName(1));
  ASSERT_TRUE(channel.ok()) << channel.error().message;
  applets::apdu::CommandApdu select;
  select.ins = 0xA4;
  select.p1 = 0x04;
  select.p2 = 0x0C;
  select.data = applets::eid::kEidAid;
  auto selected = (*channel)->transmit(select);
  ASSERT_TRUE(selected.ok()) << selected.error().message;
  EXPECT_EQ(selected->sw, applets::apdu::sw::kOk);

  for (std::size_t i : std::vector<std::size_t>{0, 2}) {
    auto empty = (*context)->waitForCard(s.readerName(i), 500ms);
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_EQ(*empty, pcsc::WaitOutcome::Timeout) << s.readerName(i);
  }

  auto state = s.emulatorState(1);
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(stringField(*state, "position"), "contact");
  EXPECT_EQ(stringField(*state, "card_serial"), "P2-000001");
  const auto& cards = state->at("chips").as_object().at("cards").as_array();
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_TRUE(cards[0].as_object().at("at_station").as_bool());
  auto other = s.emulatorState(0);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->at("feeder").as_int64(), 20);
}

// cardd on the generated config, crashed and restarted on the same state.
TEST_F(EmulatedStationTest, CarddStartsIsKilledAndRestarts) {
  EmulatedStation& s = *station_;
  ASSERT_TRUE(s.checkConfig().ok()) << s.checkConfig().error().message;
  auto started = s.startCardd();
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto ping = s.get("/v1/_ping");
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  EXPECT_EQ(ping->status, 200);
  // The generated printers section reached cardd: P1..P3 on their readers.
  auto printers = s.get("/v1/printers");
  ASSERT_TRUE(printers.ok()) << printers.error().message;
  ASSERT_EQ(printers->status, 200) << printers->body;
  const auto listed = EmulatedStation::json(*printers);
  ASSERT_TRUE(listed.is_object()) << printers->body;
  const auto& array = listed.as_object().at("printers").as_array();
  ASSERT_EQ(array.size(), 3u) << printers->body;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(stringField(array[i].as_object(), "id"), s.printerId(i));
    EXPECT_EQ(stringField(array[i].as_object(), "reader"), s.readerName(i));
  }

  auto killed = s.killCardd(SIGKILL);
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  EXPECT_TRUE(WIFSIGNALED(*killed));
  EXPECT_FALSE(s.carddRunning());
  EXPECT_FALSE(s.get("/v1/_ping").ok());

  auto again = s.startCardd();
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto stopped = s.killCardd(SIGTERM);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << *stopped;
}

}  // namespace
}  // namespace cardd::test
