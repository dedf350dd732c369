// EvolisDriver against transcripts of whole exchanges (transcripts/*.trace,
// replayed by transcript.hpp). Each test drives the public PrinterDriver API
// and checks what it returns; the transcript checks every byte written, in
// order, and that the exchange ran to its end.

#include "printer/evolis/evolis_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_raster.hpp"
#include "transcript.hpp"
#include "transport/scripted_transport.hpp"
#include "transport/tracing_transport.hpp"

namespace cardd::drivers::evolis {
namespace {

using drivers::testing::Transcript;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string transcriptPath(const std::string& name) {
  return std::string(CARDD_TRANSCRIPT_DIR) + "/" + name;
}

EvolisDriverOptions testOptions() {
  EvolisDriverOptions o;
  o.sleep = [](std::chrono::milliseconds) {};  // The transcript answers at once.
  return o;
}

std::vector<std::string> keywords(const PrinterStatus& s) {
  std::vector<std::string> out;
  for (const auto& r : s.reasons) out.push_back(r.keyword());
  return out;
}

// A full-card density raster: `rows` scan lines of full ink, the rest blank,
// with a per-panel value so that panels differ.
Panel panel(PanelKind kind, std::size_t inked_lines, std::uint8_t ink = 255) {
  Panel p;
  p.kind = kind;
  p.pixels_per_line = kPixelsPerLine;
  p.lines = kScanLines;
  p.density.assign(kPixelsPerLine * kScanLines, 0);
  for (std::size_t i = 0; i < inked_lines * kPixelsPerLine; ++i) {
    p.density[i] = static_cast<std::uint8_t>(ink - (i % 7));
  }
  return p;
}

class EvolisDriverTest : public ::testing::Test {
 protected:
  void use(const std::string& name, EvolisDriverOptions options = testOptions()) {
    transcript_ = Transcript::load(transcriptPath(name));
    driver_ = std::make_unique<EvolisDriver>(transcript_->connector(), std::move(options));
  }

  // Every call matched, and the whole transcript was played.
  void TearDown() override {
    if (!transcript_) return;
    driver_.reset();
    EXPECT_THAT(transcript_->mismatches(), IsEmpty());
    EXPECT_TRUE(transcript_->done()) << "transcript stopped at " << transcript_->where();
  }

  std::shared_ptr<Transcript> transcript_;
  std::unique_ptr<EvolisDriver> driver_;
};

TEST_F(EvolisDriverTest, IdentifyConnectsLazilyAndReadsTheNameplate) {
  EvolisDriverOptions o = testOptions();
  o.usb_vendor_id = 0x0F49;
  o.usb_product_id = 0x3007;
  use("identify.trace", o);
  EXPECT_EQ(transcript_->connects(), 0);  // Nothing happens before the first call.

  auto id = driver_->identify();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->family, "evolis");
  EXPECT_EQ(id->model, "Evolis Primacy");
  EXPECT_EQ(id->serial, "A0123456");
  EXPECT_EQ(id->firmware, "Primacy_V3.2.1");
  EXPECT_EQ(id->printhead_kit, "KIT-0042");
  EXPECT_EQ(id->usb_vendor_id, 0x0F49);
  EXPECT_EQ(id->usb_product_id, 0x3007);

  auto again = driver_->identify();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->printhead_kit, "");  // Rkn refused: unknown, not an error.
  EXPECT_EQ(transcript_->connects(), 1);
}

TEST_F(EvolisDriverTest, RepliesMayBeSplitPaddedUnterminatedOrFollowedByNoise) {
  use("reply_framing.trace");
  auto id = driver_->identify();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->model, "Evolis Primacy");
  EXPECT_EQ(id->serial, "A0123456");
  EXPECT_EQ(id->firmware, "Primacy_V3.2.1");
  EXPECT_EQ(id->printhead_kit, "KIT-0042");
}

TEST_F(EvolisDriverTest, StatusOfAHealthyPrinterHasCountersAndNoReasons) {
  EvolisDriverOptions o = testOptions();
  o.cards_at_last_cleaning = 1400;
  use("status_healthy.trace", o);
  auto s = driver_->status();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->state, PrinterState::Idle);
  EXPECT_THAT(s->reasons, IsEmpty());
  EXPECT_EQ(s->counters.panels, 4211u);
  EXPECT_EQ(s->counters.cards, 1523u);
  EXPECT_EQ(s->counters.avg_cards_between_cleanings, 480u);
  EXPECT_EQ(s->counters.max_cards_between_cleanings, 700u);
  EXPECT_EQ(s->counters.cleanings, 3u);
  EXPECT_EQ(s->counters.ribbon_capacity, 300u);
  EXPECT_EQ(s->counters.ribbon_remaining, 151u);  // Rrt;count wins over Rco;l.
  EXPECT_EQ(s->counters.cards_since_cleaning, 123u);
}

TEST_F(EvolisDriverTest, StatusReportsEveryPlainProtocolCondition) {
  use("status_conditions.trace");

  auto s1 = driver_->status();
  ASSERT_TRUE(s1.ok()) << s1.error().message;
  EXPECT_EQ(s1->state, PrinterState::Stopped);
  EXPECT_THAT(keywords(*s1),
              ElementsAre("cover-open-error", "marker-supply-empty-error", "media-empty-error",
                          "output-area-full-error", "cleaner-life-almost-over-warning"));
  EXPECT_EQ(s1->counters.ribbon_remaining, 0u);

  auto s2 = driver_->status();
  ASSERT_TRUE(s2.ok()) << s2.error().message;
  EXPECT_EQ(s2->state, PrinterState::Processing);  // A card inside, nothing wrong.
  EXPECT_THAT(keywords(*s2), ElementsAre("marker-supply-low-warning", "media-low-warning"));
  EXPECT_EQ(s2->counters.avg_cards_between_cleanings, std::nullopt);  // Refused: unknown.
  EXPECT_EQ(s2->counters.cards, 1523u);

  auto s3 = driver_->status();
  ASSERT_TRUE(s3.ok()) << s3.error().message;
  EXPECT_EQ(s3->state, PrinterState::Idle);
  EXPECT_THAT(s3->reasons, IsEmpty());
}

TEST_F(EvolisDriverTest, ExtendedStatusWordsAddTheSdkConditions) {
  EvolisDriverOptions o = testOptions();
  o.extended_status = true;
  use("status_extended.trace", o);

  auto s1 = driver_->status();
  ASSERT_TRUE(s1.ok()) << s1.error().message;
  EXPECT_EQ(s1->state, PrinterState::Stopped);
  EXPECT_THAT(
      keywords(*s1),
      ElementsAre("cardd-head-cooling-error", "cleaner-life-almost-over-error", "cover-open-error",
                  "marker-supply-empty-error", "media-empty-error", "media-jam-error",
                  "output-area-full-error", "marker-supply-low-warning"));

  auto s2 = driver_->status();
  ASSERT_TRUE(s2.ok()) << s2.error().message;
  EXPECT_THAT(s2->reasons, IsEmpty());
}

TEST_F(EvolisDriverTest, SpuriousOkToRibbonCountIsRetriedABoundedNumberOfTimes) {
  use("spurious_ok.trace");
  auto s1 = driver_->status();
  ASSERT_TRUE(s1.ok()) << s1.error().message;
  EXPECT_EQ(s1->counters.ribbon_remaining, 140u);

  auto s2 = driver_->status();  // Four OKs: gives up, falls back to Rco;l.
  ASSERT_TRUE(s2.ok()) << s2.error().message;
  EXPECT_EQ(s2->counters.ribbon_remaining, 150u);
}

TEST_F(EvolisDriverTest, FeedsToStationsPollingCardPositionWithinABound) {
  EvolisDriverOptions o = testOptions();
  o.station_poll_interval = std::chrono::milliseconds(100);
  o.station_max_wait = std::chrono::milliseconds(300);
  std::vector<std::chrono::milliseconds> sleeps;
  o.sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); };
  use("feed_stations.trace", o);

  ASSERT_TRUE(driver_->feedToContactStation().ok());
  EXPECT_EQ(sleeps.size(), 2u);  // Between the three polls.
  ASSERT_TRUE(driver_->feedToContactlessStation().ok());

  sleeps.clear();
  auto never = driver_->feedToContactStation();
  ASSERT_FALSE(never.ok());
  EXPECT_THAT(never.error().message,
              HasSubstr("did not reach the contact station within 300 ms; the printer reports "
                        "the card inside, not at a station"));
  EXPECT_EQ(sleeps.size(), 3u);

  auto empty = driver_->feedToContactStation();
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("FEEDER EMPTY"));
  EXPECT_EQ(driver_->stickyFault(), DeviceFault::FeederEmpty);

  ASSERT_TRUE(driver_->reject().ok());
  EXPECT_EQ(driver_->stickyFault(), std::nullopt);
  ASSERT_TRUE(driver_->eject().ok());
}

TEST_F(EvolisDriverTest, StationsTheModelLacksAreNotSupportedAndSendNothing) {
  EvolisDriverOptions o = testOptions();
  o.supports_contactless = false;
  o.supports_contact = false;
  transcript_ = Transcript::parse("", "empty");
  driver_ = std::make_unique<EvolisDriver>(transcript_->connector(), o);
  auto contact = driver_->feedToContactStation();
  ASSERT_FALSE(contact.ok());
  EXPECT_EQ(contact.error().code, ErrorCode::Unavailable);
  EXPECT_FALSE(driver_->feedToContactlessStation().ok());
  EXPECT_EQ(transcript_->connects(), 0);
}

TEST_F(EvolisDriverTest, PrintsFrontYmckoAndBackKWithTheExactBytes) {
  use("print_ymcko_back_k.trace");
  PreparedCard card;
  // Given out of ribbon order: the driver sends Y, M, C, K, O.
  card.front.panels = {panel(PanelKind::Overlay, kScanLines), panel(PanelKind::Cyan, 30, 200),
                       panel(PanelKind::Yellow, 10, 90), panel(PanelKind::Magenta, 20, 140),
                       panel(PanelKind::Black, 40)};
  card.back.panels = {panel(PanelKind::Black, 5)};
  ASSERT_TRUE(driver_->printAndEject(card).ok());

  // The exact bytes: the codec's encoding of the expected sequence.
  const auto db = [](PanelCode code, const Panel& p, unsigned levels) {
    return downloadBitmap(code, levels, packPanel(p.density, levels).value()).value();
  };
  const std::vector<Command> expected = {
      setErrorMode(ErrorMode::Host),
      setRibbon(Ribbon::Ymckok),
      startSequence(),
      frontSide(),
      db(PanelCode::Yellow, card.front.panels[2], 128),
      db(PanelCode::Magenta, card.front.panels[3], 128),
      db(PanelCode::Cyan, card.front.panels[1], 128),
      db(PanelCode::Black, card.front.panels[4], 2),
      db(PanelCode::Overlay, card.front.panels[0], 2),
      backSide(),
      db(PanelCode::Black, card.back.panels[0], 2),
      endSequence(),
  };
  auto bytes = encodeAll(expected);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(transcript_->written() == *bytes) << "payload bytes differ";
}

TEST_F(EvolisDriverTest, PrintsKoWithDbcCompressionWhenTheModelSupportsIt) {
  EvolisDriverOptions o = testOptions();
  o.use_dbc = true;
  use("print_ko_dbc.trace", o);
  PreparedCard card;
  card.front.panels = {panel(PanelKind::Black, 10), panel(PanelKind::Overlay, kScanLines)};
  ASSERT_TRUE(driver_->printAndEject(card).ok());

  const auto dbc = [](PanelCode code, const Panel& p) {
    return downloadCompressed(code, compressMono(packPanel(p.density, 2).value()).value()).value();
  };
  const std::vector<Command> expected = {setErrorMode(ErrorMode::Host),
                                         setRibbon(Ribbon::Ko),
                                         startSequence(),
                                         frontSide(),
                                         dbc(PanelCode::Black, card.front.panels[0]),
                                         dbc(PanelCode::Overlay, card.front.panels[1]),
                                         endSequence()};
  EXPECT_TRUE(transcript_->written() == encodeAll(expected).value());
}

TEST_F(EvolisDriverTest, CardsNoRibbonCanPrintAreRefusedBeforeAnythingIsSent) {
  transcript_ = Transcript::parse("", "empty");
  driver_ = std::make_unique<EvolisDriver>(transcript_->connector(), testOptions());

  PreparedCard colour_back;  // YMCKO front + colour back: no such ribbon.
  colour_back.front.panels = {panel(PanelKind::Yellow, 1), panel(PanelKind::Magenta, 1),
                              panel(PanelKind::Cyan, 1), panel(PanelKind::Black, 1),
                              panel(PanelKind::Overlay, 1)};
  colour_back.back.panels = {panel(PanelKind::Cyan, 1)};
  auto r1 = driver_->printAndEject(colour_back);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code, ErrorCode::InvalidArgument);
  EXPECT_THAT(r1.error().message, HasSubstr("no ribbon prints front YMCKO and back C"));

  PreparedCard twice;
  twice.front.panels = {panel(PanelKind::Black, 1), panel(PanelKind::Black, 2)};
  EXPECT_FALSE(driver_->printAndEject(twice).ok());

  PreparedCard small;
  small.front.panels = {panel(PanelKind::Black, 1)};
  small.front.panels[0].lines = 100;
  small.front.panels[0].density.resize(100 * kPixelsPerLine);
  auto r3 = driver_->printAndEject(small);
  ASSERT_FALSE(r3.ok());
  EXPECT_THAT(r3.error().message, HasSubstr("1016 lines of 648 px"));

  EXPECT_FALSE(driver_->printAndEject(PreparedCard{}).ok());
  EXPECT_EQ(transcript_->connects(), 0);
}

TEST_F(EvolisDriverTest, JamMidPrintFailsStaysInStatusAndResetClearsIt) {
  use("jam_mid_print.trace");
  PreparedCard card;
  card.front.panels = {panel(PanelKind::Black, 100)};

  auto printed = driver_->printAndEject(card);
  ASSERT_FALSE(printed.ok());
  EXPECT_THAT(printed.error().message, HasSubstr("ERR MECHANICAL"));
  EXPECT_THAT(printed.error().message, HasSubstr("jammed"));

  auto jammed = driver_->status();
  ASSERT_TRUE(jammed.ok()) << jammed.error().message;
  EXPECT_EQ(jammed->state, PrinterState::Stopped);
  EXPECT_THAT(keywords(*jammed), ElementsAre("media-jam-error"));

  ASSERT_TRUE(driver_->reset().ok());
  auto cleared = driver_->status();
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_THAT(cleared->reasons, IsEmpty());
  EXPECT_EQ(cleared->state, PrinterState::Idle);
}

TEST_F(EvolisDriverTest, TimeoutMeansOfflineAndTheNextCallReconnects) {
  use("timeout_reconnect.trace");

  auto gone = driver_->status();
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(gone->state, PrinterState::Stopped);
  EXPECT_THAT(keywords(*gone), ElementsAre("offline-error"));

  auto id = driver_->identify();
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(transcript_->connects(), 2);

  auto position = driver_->cardPosition();
  ASSERT_FALSE(position.ok());
  EXPECT_EQ(position.error().code, ErrorCode::Unavailable);

  auto unreachable = driver_->status();
  ASSERT_TRUE(unreachable.ok());
  EXPECT_THAT(keywords(*unreachable), ElementsAre("offline-error"));

  auto feed = driver_->feedToContactStation();
  ASSERT_FALSE(feed.ok());
  EXPECT_THAT(feed.error().message, HasSubstr("cannot reach the printer"));

  auto back = driver_->cardPosition();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, CardPosition::ContactStation);
  EXPECT_EQ(transcript_->connects(), 5);
}

TEST_F(EvolisDriverTest, DisconnectMidPrintFailsAndTheCardCanBeFoundAndRejected) {
  use("disconnect_mid_print.trace");
  PreparedCard card;
  card.front.panels = {panel(PanelKind::Black, 3)};

  auto printed = driver_->printAndEject(card);
  ASSERT_FALSE(printed.ok());
  EXPECT_EQ(printed.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(printed.error().message, HasSubstr("Db"));

  auto position = driver_->cardPosition();
  ASSERT_TRUE(position.ok()) << position.error().message;
  EXPECT_EQ(*position, CardPosition::Inside);
  ASSERT_TRUE(driver_->reject().ok());
}

}  // namespace
}  // namespace cardd::drivers::evolis

// ---- The transcripts are TracingTransport output ------------------------------
// Replays a transcript through the existing ScriptedTransport wrapped in a
// real TracingTransport, and checks that the trace the tracer writes is the
// transcript itself: the fixtures are in the tracer's format, byte for byte.

namespace cardd::drivers::evolis {
namespace {

struct TracedRun {
  std::vector<std::string> expected;  // The transcript's exchange lines.
  std::vector<std::string> traced;    // What TracingTransport wrote.
  std::shared_ptr<ScriptedTransport> script;
};

// One link, no redacted payloads: every line decodes to a script step.
TracedRun traceThroughScriptedTransport(const std::string& name,
                                        const std::function<void(EvolisDriver&)>& scenario,
                                        EvolisDriverOptions options = testOptions()) {
  TracedRun run;
  std::vector<ScriptStep> steps;
  std::ifstream in(transcriptPath(name));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '=') continue;
    run.expected.push_back(line);
    const std::string text = line.substr(2);
    Bytes bytes;
    if (line[0] == '<' && text == "[timeout]") {
      steps.push_back(ScriptStep::timeout());
    } else if (line[0] == '<' && text == "[disconnected]") {
      steps.push_back(ScriptStep::disconnect());
    } else if (line[0] == '<' || line[0] == '>') {
      EXPECT_TRUE(drivers::testing::decodeRendered(text.substr(text.find(' ') + 1), bytes)) << line;
      steps.push_back(line[0] == '<' ? ScriptStep::reply(bytes) : ScriptStep::expect(bytes));
    }
  }
  run.script = std::make_shared<ScriptedTransport>(steps, name);

  // The driver owns its transport: hand it a forwarder so the test keeps the script.
  struct Forward final : Transport {
    std::shared_ptr<ScriptedTransport> t;
    Result<LinkState> write(std::span<const std::uint8_t> b, std::chrono::milliseconds d) override {
      return t->write(b, d);
    }
    Result<ReadResult> read(std::size_t n, std::chrono::milliseconds d) override {
      return t->read(n, d);
    }
    void close() override { t->close(); }
    std::string describe() const override { return t->describe(); }
  };
  bool connected = false;
  auto connector = [&]() -> Result<std::unique_ptr<Transport>> {
    EXPECT_FALSE(connected) << "one link only";
    connected = true;
    auto forward = std::make_unique<Forward>();
    forward->t = run.script;
    return std::unique_ptr<Transport>(std::make_unique<TracingTransport>(
        std::move(forward), [&](std::string_view l) { run.traced.emplace_back(l); }));
  };
  {
    EvolisDriver driver(connector, std::move(options));
    scenario(driver);
  }
  // The destructor's close is traced too; the transcript ends before it.
  if (!run.traced.empty() && run.traced.back() == "- close") run.traced.pop_back();
  return run;
}

TEST(TranscriptFormatTest, IdentifyTranscriptIsWhatTheTracerWrites) {
  const auto run = traceThroughScriptedTransport("identify.trace", [](EvolisDriver& d) {
    EXPECT_TRUE(d.identify().ok());
    EXPECT_TRUE(d.identify().ok());
  });
  EXPECT_EQ(run.traced, run.expected);
  EXPECT_TRUE(run.script->mismatches().empty());
  EXPECT_TRUE(run.script->done());
}

TEST(TranscriptFormatTest, FramingTranscriptIsWhatTheTracerWrites) {
  const auto run = traceThroughScriptedTransport(
      "reply_framing.trace", [](EvolisDriver& d) { EXPECT_TRUE(d.identify().ok()); });
  EXPECT_EQ(run.traced, run.expected);
  EXPECT_TRUE(run.script->done());
}

TEST(TranscriptFormatTest, StatusTranscriptIsWhatTheTracerWrites) {
  const auto run = traceThroughScriptedTransport("status_conditions.trace", [](EvolisDriver& d) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.status().ok());
  });
  EXPECT_EQ(run.traced, run.expected);
  EXPECT_TRUE(run.script->mismatches().empty());
  EXPECT_TRUE(run.script->done());
}

TEST(TranscriptFormatTest, StationTranscriptIsWhatTheTracerWrites) {
  EvolisDriverOptions o = testOptions();
  o.station_poll_interval = std::chrono::milliseconds(100);
  o.station_max_wait = std::chrono::milliseconds(300);
  const auto run = traceThroughScriptedTransport(
      "feed_stations.trace",
      [](EvolisDriver& d) {
        EXPECT_TRUE(d.feedToContactStation().ok());
        EXPECT_TRUE(d.feedToContactlessStation().ok());
        EXPECT_FALSE(d.feedToContactStation().ok());
        EXPECT_FALSE(d.feedToContactStation().ok());
        EXPECT_TRUE(d.reject().ok());
        EXPECT_TRUE(d.eject().ok());
      },
      o);
  EXPECT_EQ(run.traced, run.expected);
  EXPECT_TRUE(run.script->done());
}

}  // namespace
}  // namespace cardd::drivers::evolis
