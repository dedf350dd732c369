// Integration: the cardd-printer-emulator executable on free loopback ports,
// driven first over TcpTransport + the codec (wire-level contract), then
// through the real EvolisDriver: a YMCKO + K card end to end with its PNGs
// and event log, every fault kind injected mid-job with the normalised
// reason and the recovery, link faults (disconnect, garbage, slow), the
// spurious Rrt;count OK and the cleaning thresholds.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "emulator/output_sink.hpp"
#include "emulator_process.hpp"
#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_driver.hpp"
#include "printer/evolis/evolis_reply.hpp"
#include "transport/tcp_transport.hpp"

namespace cardd::emulator {
namespace {

namespace evolis = drivers::evolis;
using drivers::CardPosition;
using drivers::LinkState;
using drivers::Panel;
using drivers::PanelKind;
using drivers::PreparedCard;
using drivers::PrinterStatus;
using drivers::TcpTransport;
using drivers::Transport;
using drivers::TransportConnector;
using std::chrono::milliseconds;
using testing::EmulatorProcess;
using testing::TempDir;

// 100x faster than a real printer: a card takes a few hundred milliseconds.
const std::vector<std::string> kFast = {"--time-scale", "0.01", "--cooling-tau-ms", "20000"};

std::vector<std::string> fastWith(std::vector<std::string> extra) {
  std::vector<std::string> args = kFast;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// ---- Wire level ---------------------------------------------------------------------

// Sends one command and reads one NUL-terminated reply.
std::string ask(TcpTransport& t, const evolis::Command& command) {
  auto bytes = evolis::encode(command);
  if (!bytes) return "<encode failed>";
  auto w = t.write(*bytes, milliseconds(5000));
  if (!w || *w != LinkState::Ok) return "<write failed>";
  std::string reply;
  for (;;) {
    auto r = t.read(512, milliseconds(5000));
    if (!r) return "<read error>";
    if (r->state == LinkState::Disconnected) return "<disconnected>";
    if (r->state != LinkState::Ok) return "<timeout>";
    for (auto b : r->bytes) {
      if (b == 0) return reply;
      reply.push_back(static_cast<char>(b));
    }
  }
}

evolis::Command raw(std::string name, std::vector<std::string> params = {}) {
  return evolis::Command{std::move(name), std::move(params), false, {}};
}

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emu = std::make_unique<EmulatorProcess>(
        fastWith({"--feeder", "5", "--serial-prefix", "WIRE-", "--serial", "SN-WIRE"}));
    ASSERT_TRUE(emu->started());
    link = std::make_unique<TcpTransport>("127.0.0.1", emu->port());
    auto opened = link->open(milliseconds(2000));
    ASSERT_TRUE(opened.ok());
    ASSERT_EQ(*opened, LinkState::Ok);
  }

  std::unique_ptr<EmulatorProcess> emu;
  std::unique_ptr<TcpTransport> link;
};

TEST_F(WireTest, AnswersReadsSettingsAndRefusals) {
  EXPECT_EQ(ask(*link, evolis::readSerial()), "SN-WIRE");
  EXPECT_EQ(ask(*link, evolis::setErrorMode(evolis::ErrorMode::Host)), "OK");
  EXPECT_EQ(ask(*link, evolis::setRibbon(evolis::Ribbon::Ymckok)), "OK");
  EXPECT_EQ(ask(*link, evolis::readSensor(evolis::Sensor::Cover)), "5,00 Volts");
  EXPECT_EQ(ask(*link, evolis::readSensor(evolis::Sensor::FeederNearEmpty)), "0,50 Volts");
  EXPECT_EQ(ask(*link, evolis::readHopper()), "NO CARD");
  EXPECT_EQ(ask(*link, evolis::readCleaning()), "OK");
  EXPECT_EQ(ask(*link, evolis::readRibbonCapacity()), "300");
  EXPECT_EQ(ask(*link, evolis::readCounter(evolis::Counter::Cards)), "0");
  EXPECT_EQ(ask(*link, raw("Rxs")), "00000000 00000000 00000000 00000000");
  EXPECT_EQ(ask(*link, raw("Zzz")), "ERROR CDE");
  EXPECT_EQ(ask(*link, raw("Rco", {"x"})), "ERROR PARAMETERS");
  EXPECT_EQ(ask(*link, raw("Pem", {"7"})), "ERROR PARAMETERS");
}

TEST_F(WireTest, MovesACardAndReportsWhereItIs) {
  EXPECT_EQ(ask(*link, evolis::readCardPosition()), "OK");
  ASSERT_EQ(ask(*link, evolis::toContactStation()), "OK");
  std::string position;
  for (int i = 0; i < 500 && position != "SMART CARD"; ++i) {
    position = ask(*link, evolis::readCardPosition());
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(position, "SMART CARD");
  EXPECT_EQ(emu->state().at("card_serial").as_string(), "WIRE-000001");
  EXPECT_EQ(ask(*link, evolis::rejectCard()), "OK");
  EXPECT_EQ(ask(*link, evolis::readCardPosition()), "OK");
  EXPECT_EQ(emu->state().at("reject_box").to_number<int>(), 1);
}

TEST_F(WireTest, MalformedFrameIsRefusedAndTheStreamRecovers) {
  const std::uint8_t bad[] = {0x1B, 'D', 'b', ';', 'k', ';', '9', ';', 0x0D};
  ASSERT_EQ(*link->write(bad, milliseconds(2000)), LinkState::Ok);
  std::string reply;
  while (reply.empty() || reply.back() != '\0') {
    auto r = link->read(64, milliseconds(5000));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->state, LinkState::Ok);
    reply.append(r->bytes.begin(), r->bytes.end());
  }
  EXPECT_EQ(reply, std::string("ERROR PARAMETERS") + '\0');
  EXPECT_EQ(ask(*link, evolis::readSerial()), "SN-WIRE");
}

TEST_F(WireTest, GarbageSlowAndDisconnectLinkFaults) {
  ASSERT_TRUE(emu->ok(R"({"cmd":"inject","fault":"garbage","count":1})"));
  auto garbled = ask(*link, evolis::readSerial());
  EXPECT_FALSE(evolis::parseReply(garbled).ok());
  EXPECT_EQ(ask(*link, evolis::readSerial()), "SN-WIRE");  // Only the next N replies.

  ASSERT_TRUE(emu->ok(R"({"cmd":"inject","fault":"slow","ms":300})"));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ask(*link, evolis::readSerial()), "SN-WIRE");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(300));
  ASSERT_TRUE(emu->ok(R"({"cmd":"clear","fault":"slow"})"));

  ASSERT_TRUE(emu->ok(R"({"cmd":"inject","fault":"disconnect"})"));
  EXPECT_EQ(ask(*link, evolis::readSerial()), "<disconnected>");
  TcpTransport again("127.0.0.1", emu->port());
  ASSERT_TRUE(again.open(milliseconds(2000)).ok());
  EXPECT_EQ(ask(again, evolis::readSerial()), "<disconnected>");  // Hangs up on new clients.
  ASSERT_TRUE(emu->ok(R"({"cmd":"clear","fault":"disconnect"})"));
  ASSERT_TRUE(again.open(milliseconds(2000)).ok());
  EXPECT_EQ(ask(again, evolis::readSerial()), "SN-WIRE");
}

TEST_F(WireTest, PrinterErrorModeWaitsForTheConditionToClear) {
  ASSERT_EQ(ask(*link, evolis::setErrorMode(evolis::ErrorMode::Printer)), "OK");
  ASSERT_TRUE(emu->ok(R"({"cmd":"inject","fault":"cover_open"})"));
  auto bytes = evolis::encode(evolis::insertCard());
  ASSERT_EQ(*link->write(*bytes, milliseconds(2000)), LinkState::Ok);
  auto none = link->read(64, milliseconds(200));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->state, LinkState::Timeout);  // Held while the cover is open.
  ASSERT_TRUE(emu->ok(R"({"cmd":"clear","fault":"cover_open"})"));
  std::string reply;
  while (reply.empty() || reply.back() != '\0') {
    auto r = link->read(64, milliseconds(5000));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->state, LinkState::Ok);
    reply.append(r->bytes.begin(), r->bytes.end());
  }
  EXPECT_EQ(reply, std::string("OK") + '\0');
  EXPECT_EQ(ask(*link, evolis::readCardPosition()), "CARD");
}

// ---- Through the real driver --------------------------------------------------------

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
  o.spurious_ok_retries = 30;
  o.extended_status = true;
  return o;
}

Panel panel(PanelKind kind, std::uint8_t fill) {
  Panel p;
  p.kind = kind;
  p.pixels_per_line = evolis::kPixelsPerLine;
  p.lines = evolis::kScanLines;
  p.density.assign(evolis::kPixelsPerLine * evolis::kScanLines, fill);
  return p;
}

// Front: cyan background, a black square in the corner (lines and pixels
// 0..99), overlay everywhere. Back: one black line (scan line 500).
PreparedCard ymckoFrontKBack() {
  PreparedCard card;
  Panel k = panel(PanelKind::Black, 0);
  for (std::size_t line = 0; line < 100; ++line) {
    for (std::size_t px = 0; px < 100; ++px) k.density[line * evolis::kPixelsPerLine + px] = 255;
  }
  card.front.panels = {panel(PanelKind::Yellow, 0), panel(PanelKind::Magenta, 0),
                       panel(PanelKind::Cyan, 255), k, panel(PanelKind::Overlay, 255)};
  Panel back = panel(PanelKind::Black, 0);
  for (std::size_t px = 0; px < evolis::kPixelsPerLine; ++px) {
    back.density[500 * evolis::kPixelsPerLine + px] = 255;
  }
  card.back.panels = {back};
  return card;
}

PreparedCard kFront() {
  PreparedCard card;
  card.front.panels = {panel(PanelKind::Black, 0)};
  return card;
}

bool hasReason(const PrinterStatus& status, std::string_view keyword) {
  for (const auto& r : status.reasons) {
    if (r.keyword() == keyword) return true;
  }
  return false;
}

std::string reasonsText(const PrinterStatus& status) {
  std::string out;
  for (const auto& r : status.reasons) out += r.keyword() + " ";
  return out;
}

std::array<std::uint8_t, 3> pixel(const std::vector<std::uint8_t>& rgb, int x, int y) {
  const std::size_t i =
      (static_cast<std::size_t>(y) * kImageWidth + static_cast<std::size_t>(x)) * 3;
  return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

TEST(DriverIntegration, PrintsYmckoFrontAndKBackWithImagesAndEvents) {
  TempDir out;
  EmulatorProcess emu(fastWith({"--output-dir", out.path().string(), "--serial-prefix", "EMU1-"}));
  ASSERT_TRUE(emu.started());
  evolis::EvolisDriver driver(connectorFor(emu.port()), driverOptions());

  auto id = driver.identify();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->family, "evolis");
  EXPECT_FALSE(id->serial.empty());

  auto before = driver.status();
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->reasons.empty()) << reasonsText(*before);
  EXPECT_EQ(before->counters.ribbon_remaining, 300u);

  ASSERT_TRUE(driver.feedToContactStation().ok());
  auto where = driver.cardPosition();
  ASSERT_TRUE(where.ok());
  EXPECT_EQ(*where, CardPosition::ContactStation);
  const std::string serial(emu.state().at("card_serial").as_string());
  EXPECT_EQ(serial, "EMU1-000001");

  auto printed = driver.printAndEject(ymckoFrontKBack());
  ASSERT_TRUE(printed.ok()) << printed.error().message;
  auto after_pos = driver.cardPosition();
  ASSERT_TRUE(after_pos.ok());
  EXPECT_EQ(*after_pos, CardPosition::None);

  auto state = emu.state();
  EXPECT_EQ(state.at("hopper").to_number<int>(), 1);
  EXPECT_EQ(state.at("ribbon").at("type").as_string(), "ymckok");
  EXPECT_EQ(state.at("ribbon").at("remaining").to_number<int>(), 299);  // One YMCKOK set.
  EXPECT_EQ(state.at("counters").at("panels").to_number<int>(), 6);

  auto after = driver.status();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->counters.cards, 1u);
  EXPECT_EQ(after->counters.panels, 6u);
  EXPECT_EQ(after->counters.ribbon_remaining, 299u);

  // The front: black square at the corner, cyan elsewhere (overlay not shown).
  auto front = readPng(out.path() / (serial + "-front.png"));
  ASSERT_TRUE(front.ok()) << front.error().message;
  // Scan lines and pixels 0..99: the card's bottom-left corner as seen.
  EXPECT_EQ(pixel(*front, 10, 640), (std::array<std::uint8_t, 3>{0, 0, 0}));
  EXPECT_EQ(pixel(*front, 10, 10), (std::array<std::uint8_t, 3>{0, 255, 255}));
  EXPECT_EQ(pixel(*front, 500, 300), (std::array<std::uint8_t, 3>{0, 255, 255}));
  auto back = readPng(out.path() / (serial + "-back.png"));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(pixel(*back, 500, 300), (std::array<std::uint8_t, 3>{0, 0, 0}));
  EXPECT_EQ(pixel(*back, 501, 300), (std::array<std::uint8_t, 3>{255, 255, 255}));

  // The event log follows the card by serial.
  std::ifstream log(out.path() / "events.jsonl");
  std::vector<std::string> kinds;
  for (std::string line; std::getline(log, line);) {
    auto e = boost::json::parse(line).as_object();
    if (e.contains("serial") && e.at("serial").as_string() == serial) {
      kinds.emplace_back(e.at("event").as_string());
    }
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"fed", "moved", "moved", "printed", "printed", "ejected"}));
}

// One fault kind injected mid-job: at which step, and what status() says.
struct FaultCase {
  std::string fault;
  enum Stage { BeforeFeed, BeforePrint, BeforeReject } stage;
  std::string reason;
};

// Run with and without the Rxs status words: without them the driver has only
// what a real printer tells (sensors, Rlr, counters, the ERR reply).
class DriverFaultTest : public ::testing::TestWithParam<std::tuple<FaultCase, bool>> {};

TEST_P(DriverFaultTest, ReportsTheReasonAndRecovers) {
  const FaultCase& fc = std::get<0>(GetParam());
  EmulatorProcess emu(kFast);
  ASSERT_TRUE(emu.started());
  auto options = driverOptions();
  options.extended_status = std::get<1>(GetParam());
  evolis::EvolisDriver driver(connectorFor(emu.port()), options);
  const std::string inject = R"({"cmd":"inject","fault":")" + fc.fault + R"("})";
  const std::string clear = R"({"cmd":"clear","fault":")" + fc.fault + R"("})";

  // Run the job up to the faulty step.
  if (fc.stage != FaultCase::BeforeFeed) {
    ASSERT_TRUE(driver.feedToContactStation().ok());
  }
  ASSERT_TRUE(emu.ok(inject));
  Status failed = fc.stage == FaultCase::BeforeFeed    ? driver.feedToContactStation()
                  : fc.stage == FaultCase::BeforePrint ? driver.printAndEject(kFront())
                                                       : driver.reject();
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(driver.stickyFault().has_value()) << failed.error().message;

  auto status = driver.status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(hasReason(*status, fc.reason)) << reasonsText(*status);
  EXPECT_EQ(status->state, drivers::PrinterState::Stopped);

  // The operator fixes it; the station resets and spoils the card in hand.
  ASSERT_TRUE(emu.ok(clear));
  auto reset = driver.reset();
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  auto cleared = driver.status();
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(hasReason(*cleared, fc.reason)) << reasonsText(*cleared);
  ASSERT_TRUE(driver.reject().ok());

  // The next card goes through.
  ASSERT_TRUE(driver.feedToContactStation().ok());
  auto printed = driver.printAndEject(kFront());
  ASSERT_TRUE(printed.ok()) << printed.error().message;
  auto state = emu.state();
  EXPECT_EQ(state.at("hopper").to_number<int>(), 1);
  EXPECT_EQ(state.at("reject_box").to_number<int>(), fc.stage == FaultCase::BeforeFeed ? 0 : 1);
  EXPECT_TRUE(state.at("faults").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllFaults, DriverFaultTest,
    ::testing::Combine(
        ::testing::Values(
            FaultCase{"jam", FaultCase::BeforePrint, "media-jam-error"},
            FaultCase{"ribbon_out", FaultCase::BeforePrint, "marker-supply-empty-error"},
            FaultCase{"cover_open", FaultCase::BeforePrint, "cover-open-error"},
            FaultCase{"feeder_empty", FaultCase::BeforeFeed, "media-empty-error"},
            FaultCase{"hopper_full", FaultCase::BeforePrint, "output-area-full-error"},
            FaultCase{"reject_box_full", FaultCase::BeforeReject, "output-area-full-error"},
            FaultCase{"overheat", FaultCase::BeforePrint, "cardd-head-cooling-error"}),
        ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<FaultCase, bool>>& p) {
      return std::get<0>(p.param).fault + (std::get<1>(p.param) ? "_rxs" : "_sensors");
    });

TEST(DriverIntegration, DisconnectIsOfflineUntilClearedThenWorks) {
  EmulatorProcess emu(kFast);
  ASSERT_TRUE(emu.started());
  evolis::EvolisDriver driver(connectorFor(emu.port()), driverOptions());
  auto first = driver.status();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(hasReason(*first, "offline-error"));

  ASSERT_TRUE(emu.ok(R"({"cmd":"inject","fault":"disconnect"})"));
  auto gone = driver.status();
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(hasReason(*gone, "offline-error")) << reasonsText(*gone);
  EXPECT_FALSE(driver.feedToContactStation().ok());
  auto still = driver.status();
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(hasReason(*still, "offline-error"));

  ASSERT_TRUE(emu.ok(R"({"cmd":"clear","fault":"disconnect"})"));
  auto back = driver.status();
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(hasReason(*back, "offline-error")) << reasonsText(*back);
  ASSERT_TRUE(driver.feedToContactStation().ok());
  ASSERT_TRUE(driver.printAndEject(kFront()).ok());
  EXPECT_EQ(emu.state().at("hopper").to_number<int>(), 1);
}

TEST(DriverIntegration, GarbageReplyFailsOneCallOnly) {
  EmulatorProcess emu(kFast);
  ASSERT_TRUE(emu.started());
  evolis::EvolisDriver driver(connectorFor(emu.port()), driverOptions());
  ASSERT_TRUE(driver.identify().ok());
  ASSERT_TRUE(emu.ok(R"({"cmd":"inject","fault":"garbage","count":1})"));
  auto garbled = driver.identify();
  EXPECT_FALSE(garbled.ok());
  auto again = driver.identify();
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST(DriverIntegration, SlowPrinterTimesOutAsOfflineThenRecovers) {
  EmulatorProcess emu(kFast);
  ASSERT_TRUE(emu.started());
  auto options = driverOptions();
  options.reply_timeout = milliseconds(700);
  evolis::EvolisDriver driver(connectorFor(emu.port()), options);
  ASSERT_TRUE(driver.identify().ok());
  ASSERT_TRUE(emu.ok(R"({"cmd":"inject","fault":"slow","ms":2000})"));
  auto slow = driver.status();
  ASSERT_TRUE(slow.ok());
  EXPECT_TRUE(hasReason(*slow, "offline-error")) << reasonsText(*slow);
  ASSERT_TRUE(emu.ok(R"({"cmd":"clear","fault":"slow"})"));
  auto back = driver.status();
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(hasReason(*back, "offline-error")) << reasonsText(*back);
}

TEST(DriverIntegration, SpuriousRibbonCountOkIsRetried) {
  EmulatorProcess emu(fastWith({"--spurious-ok-rate", "0.5", "--seed", "3"}));
  ASSERT_TRUE(emu.started());
  evolis::EvolisDriver driver(connectorFor(emu.port()), driverOptions());
  for (int i = 0; i < 5; ++i) {
    auto status = driver.status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->counters.ribbon_remaining, 300u);
  }
}

TEST(DriverIntegration, CleaningWarningThenMandatoryThenClean) {
  EmulatorProcess emu(fastWith({"--cleaning-warning", "1", "--cleaning-mandatory", "2"}));
  ASSERT_TRUE(emu.started());
  evolis::EvolisDriver driver(connectorFor(emu.port()), driverOptions());
  ASSERT_TRUE(driver.printAndEject(kFront()).ok());  // Feeds a blank itself.
  auto due = driver.status();
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(hasReason(*due, "cleaner-life-almost-over-warning")) << reasonsText(*due);
  ASSERT_TRUE(driver.printAndEject(kFront()).ok());
  auto mandatory = driver.status();
  ASSERT_TRUE(mandatory.ok());
  EXPECT_TRUE(hasReason(*mandatory, "cleaner-life-almost-over-error")) << reasonsText(*mandatory);
  auto refused = driver.printAndEject(kFront());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("run a cleaning cycle"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(driver.clean().ok());
  auto clean = driver.status();
  ASSERT_TRUE(clean.ok());
  EXPECT_FALSE(hasReason(*clean, "cleaner-life-almost-over-warning")) << reasonsText(*clean);
  EXPECT_FALSE(hasReason(*clean, "cleaner-life-almost-over-error"));
  EXPECT_EQ(clean->counters.cleanings, 1u);
  ASSERT_TRUE(driver.reset().ok());
  ASSERT_TRUE(driver.printAndEject(kFront()).ok());
  EXPECT_EQ(emu.state().at("hopper").to_number<int>(), 3);
}

}  // namespace
}  // namespace cardd::emulator
