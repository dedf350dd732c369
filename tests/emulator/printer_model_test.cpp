// PrinterModel on simulated time (ManualClock): card path and Rlr;p, feeder
// serials and counts, ribbon use per ribbon type, counters and cleaning
// thresholds, the heat model (pauses when hot, cools), capacities, every
// injected fault and the Pem;0 hold, the chip seam, the control protocol.
#include "emulator/printer_model.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "emulator/control.hpp"
#include "emulator/output_sink.hpp"
#include "printer/evolis/evolis_raster.hpp"

namespace cardd::emulator {
namespace {

namespace evolis = drivers::evolis;
namespace bits = evolis::status_bits;
using std::chrono::milliseconds;

constexpr std::int64_t kStart = 1'800'000'000'000;

struct RecordingSink : EmulatorSink {
  std::vector<EmulatorEvent> events;
  std::vector<PrintedSide> sides;
  void event(const EmulatorEvent& e) override { events.push_back(e); }
  void printed(const PrintedSide& s) override {
    sides.push_back(s);
    if (!keep_panels) sides.back().panels.clear();
  }
  bool keep_panels = true;
  int count(std::string_view kind) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind ? 1 : 0;
    return n;
  }
};

struct RecordingChip : ChipSlot {
  std::vector<std::string> log;
  void cardArrivedAtContactStation(const Blank& b) override { log.push_back("arrive " + b.serial); }
  void cardLeftContactStation(const Blank& b) override { log.push_back("leave " + b.serial); }
};

Command cmd(std::string name, std::vector<std::string> params = {}) {
  return Command{std::move(name), std::move(params), false, {}};
}

Command mono(char panel) {
  evolis::Bytes bitmap(evolis::kMonoPanelBytes, 0);
  bitmap[0] = 0x80;  // One inked pixel: line 0, pixel 0.
  return Command{"Db", {std::string(1, panel), "2"}, true, std::move(bitmap)};
}

Command colour(char panel, std::uint8_t fill) {
  auto size = evolis::panelBytes(32);
  return Command{"Db", {std::string(1, panel), "32"}, true, evolis::Bytes(*size, fill)};
}

class ModelTest : public ::testing::Test {
 protected:
  ModelTest() { config.seed = 7; }

  PrinterModel& make() {
    model = std::make_unique<PrinterModel>(config, clock, chip, sink);
    return *model;
  }

  // Sends a command and lets simulated time run to its reply time.
  std::string send(const Command& c) {
    Response r = model->handle(c);
    if (r.ready_ms > clock.nowMs()) clock.advance(milliseconds(r.ready_ms - clock.nowMs()));
    model->tick();
    return r.held ? "<held>" : r.text;
  }
  std::string send(std::string name, std::vector<std::string> params = {}) {
    return send(cmd(std::move(name), std::move(params)));
  }

  // Lets the current move finish.
  void settle() {
    if (model->busyUntil() > clock.nowMs()) {
      clock.advance(milliseconds(model->busyUntil() - clock.nowMs()));
    }
    model->tick();
  }

  // Ss Sr Db k Se: one front K card to the hopper.
  std::string printK() {
    EXPECT_EQ(send("Ss"), "OK");
    EXPECT_EQ(send("Sr"), "OK");
    EXPECT_EQ(send(mono('k')), "OK");
    return send("Se");
  }

  StatusWords words() { return model->statusWords(); }

  ModelConfig config;
  ManualClock clock{kStart};
  RecordingChip chip;
  RecordingSink sink;
  std::unique_ptr<PrinterModel> model;
};

TEST_F(ModelTest, IdentityAndUnknownCommands) {
  config.serial = "PRN-42";
  make();
  EXPECT_EQ(send("Rsn"), "PRN-42");
  EXPECT_EQ(send("Rtp"), config.model);
  EXPECT_EQ(send("Rfv"), config.firmware);
  EXPECT_EQ(send("Rkn"), config.printhead_kit);
  EXPECT_EQ(send("Xyz"), "ERROR CDE");
  EXPECT_EQ(send("Rzz"), "ERROR CDE");
  EXPECT_EQ(send("Rco", {"q"}), "ERROR PARAMETERS");
  EXPECT_EQ(send("Rsn", {"x"}), "ERROR PARAMETERS");
  EXPECT_EQ(send("Pem", {"1"}), "ERROR PARAMETERS");
  EXPECT_EQ(send("Pr", {"rainbow"}), "ERROR PARAMETERS");
  EXPECT_EQ(send("Pr", {"ko"}), "OK");
  EXPECT_EQ(model->ribbon(), Ribbon::Ko);
}

TEST_F(ModelTest, CardPathThroughContactStation) {
  config.feeder_count = 3;
  config.serial_prefix = "EMU1-";
  make();
  EXPECT_EQ(send("Rlr", {"p"}), "OK");

  // Sis is accepted at once; the card is "CARD" (moving) until it arrives.
  Response r = model->handle(cmd("Sis"));
  EXPECT_EQ(r.text, "OK");
  EXPECT_EQ(r.ready_ms, clock.nowMs());
  EXPECT_EQ(send("Rlr", {"p"}), "CARD");
  EXPECT_TRUE(chip.log.empty());
  settle();
  EXPECT_EQ(send("Rlr", {"p"}), "SMART CARD");
  ASSERT_EQ(chip.log.size(), 1u);
  EXPECT_EQ(chip.log[0], "arrive EMU1-000001");
  EXPECT_EQ(model->currentSerial(), "EMU1-000001");
  EXPECT_EQ(model->feederCount(), 2u);
  EXPECT_EQ(send("Rco", {"c"}), "1");

  EXPECT_EQ(send("Sic"), "OK");
  settle();
  EXPECT_EQ(send("Rlr", {"p"}), "CONTACTLESS CARD");
  EXPECT_EQ(chip.log.back(), "leave EMU1-000001");

  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(send("Rlr", {"p"}), "CARD");
  EXPECT_EQ(send("Se"), "OK");
  settle();
  EXPECT_EQ(send("Rlr", {"p"}), "OK");
  EXPECT_EQ(model->hopperCount(), 1u);
  EXPECT_EQ(sink.count("ejected"), 1);

  // The next card is the next serial; Ser sends it to the reject box.
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(model->currentSerial(), "EMU1-000002");
  EXPECT_EQ(send("Ser"), "OK");
  EXPECT_EQ(model->rejectCount(), 1u);
  EXPECT_EQ(send("Ser"), "OK");  // Nothing inside: an idempotent no-op.
  EXPECT_EQ(send("Se"), "ERR NO CARD");
}

TEST_F(ModelTest, PrintsYmckoFrontAndKBackOnTheCardAtTheStation) {
  make();
  ASSERT_EQ(send("Pem", {"2"}), "OK");
  ASSERT_EQ(send("Pr", {"ymcko"}), "OK");
  ASSERT_EQ(send("Sis"), "OK");
  settle();
  const std::string serial = *model->currentSerial();
  ASSERT_EQ(send("Ss"), "OK");
  ASSERT_EQ(send("Sr"), "OK");
  ASSERT_EQ(send(colour('y', 0x00)), "OK");
  ASSERT_EQ(send(colour('m', 0x00)), "OK");
  ASSERT_EQ(send(colour('c', 0xFF)), "OK");  // Full cyan.
  ASSERT_EQ(send(mono('k')), "OK");
  ASSERT_EQ(send(mono('o')), "OK");
  ASSERT_EQ(send("Sv"), "OK");
  ASSERT_EQ(send(mono('k')), "OK");
  const std::int64_t before = clock.nowMs();
  ASSERT_EQ(send("Se"), "OK");

  // Move, two sides and the eject take time; the card is issued.
  EXPECT_GE(clock.nowMs() - before, config.move_ms + 2 * config.print_side_ms + config.eject_ms);
  EXPECT_EQ(send("Rlr", {"p"}), "OK");
  EXPECT_EQ(model->hopperCount(), 1u);
  EXPECT_EQ(send("Rco", {"p"}), "6");
  EXPECT_EQ(send("Rrt", {"count"}), std::to_string(config.ribbon_capacity - 2));
  EXPECT_EQ(chip.log, (std::vector<std::string>{"arrive " + serial, "leave " + serial}));

  ASSERT_EQ(sink.sides.size(), 2u);
  EXPECT_EQ(sink.sides[0].serial, serial);
  EXPECT_EQ(sink.sides[0].side, "front");
  EXPECT_EQ(sink.sides[0].panels.size(), 5u);
  EXPECT_EQ(sink.sides[1].side, "back");

  // The composite: cyan everywhere (red channel gone), black where scan line
  // 0, pixel 0 lands: the bottom-left corner of the image (x 0, y 647).
  const auto rgb = compositeSide(sink.sides[0]);
  const std::size_t corner = (647 * kImageWidth + 0) * 3;
  EXPECT_EQ(rgb[corner], 0);
  EXPECT_EQ(rgb[corner + 1], 0);
  EXPECT_EQ(rgb[corner + 2], 0);
  EXPECT_EQ(rgb[0], 0);  // top-left: cyan
  EXPECT_EQ(rgb[1], 255);
  const std::size_t other = (100 * kImageWidth + 100) * 3;
  EXPECT_EQ(rgb[other], 0);
  EXPECT_EQ(rgb[other + 1], 255);
  EXPECT_EQ(rgb[other + 2], 255);
}

TEST_F(ModelTest, SequenceWithoutCardFeedsABlank) {
  config.feeder_count = 1;
  make();
  EXPECT_EQ(printK(), "OK");
  EXPECT_EQ(model->feederCount(), 0u);
  EXPECT_EQ(model->hopperCount(), 1u);
  EXPECT_EQ(sink.count("fed"), 1);
  // The feeder is now empty.
  EXPECT_EQ(send("Rse", {"f"}), "0,00 Volts");
  EXPECT_TRUE(words().warning & bits::kWarnFeederEmpty);
  EXPECT_EQ(printK(), "ERR FEEDER EMPTY");
  EXPECT_EQ(send("Si"), "ERR FEEDER EMPTY");
}

TEST_F(ModelTest, RejectsBadDownloads) {
  make();
  EXPECT_EQ(send(mono('k')), "ERROR PARAMETERS");  // Outside Ss...Se.
  ASSERT_EQ(send("Ss"), "OK");
  EXPECT_EQ(send(Command{"Db", {"k", "32"}, true, evolis::Bytes(*evolis::panelBytes(32))}),
            "ERROR PARAMETERS");  // K is 1 bpp only.
  EXPECT_EQ(send(Command{"Db", {"y", "2"}, true, evolis::Bytes(evolis::kMonoPanelBytes)}),
            "ERROR PARAMETERS");  // Colour needs 32/64/128 levels.
  auto compressed = evolis::compressMono(evolis::Bytes(evolis::kMonoPanelBytes, 0xFF));
  EXPECT_EQ(send(Command{"Dbc", {"k", "2", std::to_string(compressed->size())}, true, *compressed}),
            "OK");
  EXPECT_EQ(send(Command{"Dbc", {"k", "2", "1"}, true, evolis::Bytes{0x60}}), "ERROR PARAMETERS");
  ASSERT_EQ(send("Pr", {"k"}), "OK");
  EXPECT_EQ(send(colour('y', 0)), "ERROR PARAMETERS");  // No yellow on a K ribbon.
}

TEST_F(ModelTest, FeederLoadsAndNearEmptySensor) {
  config.feeder_count = 12;
  config.feeder_near_empty = 10;
  make();
  EXPECT_EQ(send("Rse", {"n"}), "5,00 Volts");
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(send("Ser"), "OK");
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(send("Ser"), "OK");
  EXPECT_EQ(send("Rse", {"n"}), "0,50 Volts");
  model->loadFeeder(5, "LOT7-", 100, true);
  EXPECT_EQ(model->feederCount(), 5u);
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(model->currentSerial(), "LOT7-000100");
}

TEST_F(ModelTest, RibbonUseByRibbonType) {
  config.ribbon_capacity = 10;
  config.ribbon_remaining = 10;
  config.ribbon_low = 2;
  make();
  const auto twoSided = [&] {
    EXPECT_EQ(send("Ss"), "OK");
    EXPECT_EQ(send(colour('y', 1)), "OK");
    EXPECT_EQ(send("Sv"), "OK");
    EXPECT_EQ(send(mono('k')), "OK");
    return send("Se");
  };
  EXPECT_EQ(twoSided(), "OK");  // YMCKO: one panel set per side.
  EXPECT_EQ(model->ribbonRemaining(), 8u);
  ASSERT_EQ(send("Pr", {"ymckok"}), "OK");
  EXPECT_EQ(twoSided(), "OK");  // YMCKOK: the back K is in the same set.
  EXPECT_EQ(model->ribbonRemaining(), 7u);
  EXPECT_EQ(send("Rrt", {"qty"}), "10");
  EXPECT_EQ(send("Rco", {"l"}), "7");

  model->loadRibbon(Ribbon::K, 3);
  EXPECT_EQ(printK(), "OK");
  EXPECT_TRUE(words().information & bits::kInfoRibbonLow);
  EXPECT_EQ(printK(), "OK");
  EXPECT_EQ(printK(), "OK");
  EXPECT_TRUE(words().error & bits::kErrRibbonEnded);
  EXPECT_FALSE(words().information & bits::kInfoRibbonLow);
  EXPECT_EQ(printK(), "ERR RIBBON ENDED");
  EXPECT_EQ(send("Rlr", {"p"}), "OK");  // Refused before a blank was fed.
  EXPECT_EQ(model->cardsLifetime(), 5u);
}

TEST_F(ModelTest, SpuriousOkToRibbonCount) {
  config.spurious_ok_rate = 0.5;
  make();
  int oks = 0;
  int counts = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string r = send("Rrt", {"count"});
    if (r == "OK") {
      ++oks;
    } else {
      EXPECT_EQ(r, std::to_string(config.ribbon_remaining));
      ++counts;
    }
  }
  EXPECT_GT(oks, 0);
  EXPECT_GT(counts, 0);
}

TEST_F(ModelTest, CleaningThresholds) {
  config.cleaning_warning_cards = 2;
  config.cleaning_mandatory_cards = 3;
  make();
  EXPECT_EQ(send("Rlr", {"c"}), "OK");
  EXPECT_EQ(printK(), "OK");
  EXPECT_EQ(printK(), "OK");
  EXPECT_EQ(send("Rlr", {"c"}), "ERR NEED CLEANING");
  EXPECT_TRUE(words().information & bits::kInfoCleaning);
  EXPECT_FALSE(words().information & bits::kInfoCleaningMandatory);
  EXPECT_EQ(printK(), "OK");
  EXPECT_TRUE(words().information & bits::kInfoCleaningMandatory);
  EXPECT_EQ(printK(), "ERR NEED CLEANING");  // Refused: cleaning is mandatory.
  EXPECT_EQ(model->cardsLifetime(), 3u);     // Refused before a blank was fed.

  EXPECT_EQ(send("Scp"), "OK");
  EXPECT_EQ(send("Rlr", {"c"}), "OK");
  EXPECT_EQ(words().information & (bits::kInfoCleaning | bits::kInfoCleaningMandatory), 0u);
  EXPECT_EQ(send("Rco", {"n"}), "1");
  EXPECT_EQ(send("Rco", {"m"}), "3");
  EXPECT_EQ(send("Rco", {"a"}), "3");
  EXPECT_EQ(model->cardsSinceCleaning(), 0u);
  EXPECT_EQ(printK(), "OK");
}

TEST_F(ModelTest, HeadHeatsPausesAndCools) {
  config.heat_per_panel_c = 10.0;
  config.pause_above_c = 40.0;
  config.resume_below_c = 30.0;
  config.fault_above_c = 200.0;
  config.cooling_tau_ms = 60000.0;
  make();
  EXPECT_DOUBLE_EQ(model->headTemperature(), config.ambient_c);
  // Two YMCKO fronts: +50 each would pass the pause mark.
  const auto ymcko = [&] {
    EXPECT_EQ(send("Ss"), "OK");
    for (char p : {'y', 'm', 'c'}) EXPECT_EQ(send(colour(p, 0x10)), "OK");
    EXPECT_EQ(send(mono('k')), "OK");
    EXPECT_EQ(send(mono('o')), "OK");
    const std::int64_t t0 = clock.nowMs();
    EXPECT_EQ(send("Se"), "OK");
    return clock.nowMs() - t0;
  };
  const std::int64_t cold = ymcko();
  EXPECT_GT(model->headTemperature(), config.pause_above_c);
  EXPECT_TRUE(model->cooling());
  EXPECT_TRUE(words().warning & bits::kWarnCooling);
  const std::int64_t hot = ymcko();
  EXPECT_GT(hot, cold);  // The second card waited for the head.
  EXPECT_EQ(sink.count("cooling"), 1);

  // Left alone, the head cools back towards ambient.
  clock.advance(milliseconds(600000));
  model->tick();
  EXPECT_LT(model->headTemperature(), config.resume_below_c);
  EXPECT_FALSE(model->cooling());
  EXPECT_FALSE(words().warning & bits::kWarnCooling);
}

// An office day in simulated time: 250 two-sided KO + K cards. The head
// must rest now and then, so the day is longer than the sum of the
// operation times, and the counters add up.
TEST_F(ModelTest, ADayOfPrintingRestsTheHeadAndCountsEverything) {
  config.feeder_count = 300;
  config.hopper_capacity = 300;
  config.ribbon = Ribbon::Ko;
  config.ribbon_capacity = 1000;
  config.ribbon_remaining = 1000;
  config.heat_per_panel_c = 2.0;
  sink.keep_panels = false;
  make();
  const std::int64_t t0 = clock.nowMs();
  for (int card = 0; card < 250; ++card) {
    ASSERT_EQ(send("Ss"), "OK");
    ASSERT_EQ(send(mono('k')), "OK");
    ASSERT_EQ(send(mono('o')), "OK");
    ASSERT_EQ(send("Sv"), "OK");
    ASSERT_EQ(send(mono('k')), "OK");
    ASSERT_EQ(send("Se"), "OK") << "card " << card;
  }
  const std::int64_t busy = 250 * (config.feed_ms + 2 * config.print_side_ms + config.eject_ms);
  EXPECT_GT(clock.nowMs() - t0, busy);
  EXPECT_GT(sink.count("cooling"), 0);
  EXPECT_EQ(model->hopperCount(), 250u);
  EXPECT_EQ(model->cardsLifetime(), 250u);
  EXPECT_EQ(model->panelsLifetime(), 750u);
  EXPECT_EQ(model->ribbonRemaining(), 500u);  // KO: one set per side.
  EXPECT_EQ(sink.sides.size(), 500u);
  EXPECT_LT(model->headTemperature(), config.fault_above_c);
  EXPECT_EQ(words().error, 0u);
}

TEST_F(ModelTest, NaturalOverheatLatchesUntilResetWhenCool) {
  config.heat_per_panel_c = 30.0;
  config.pause_above_c = 200.0;
  config.resume_below_c = 50.0;
  config.fault_above_c = 60.0;
  make();
  EXPECT_EQ(printK(), "OK");  // +30: 55 C.
  EXPECT_EQ(printK(), "OK");  // ~85 C: over the fault mark.
  EXPECT_TRUE(words().error & bits::kErrHeadTemp);
  EXPECT_EQ(printK(), "ERR HEAD TEMP");
  clock.advance(milliseconds(3'600'000));
  EXPECT_EQ(send("Srs"), "OK");
  EXPECT_FALSE(words().error & bits::kErrHeadTemp);
  EXPECT_EQ(printK(), "OK");
}

TEST_F(ModelTest, HopperAndRejectBoxCapacities) {
  config.hopper_capacity = 1;
  config.reject_capacity = 1;
  make();
  EXPECT_EQ(send("Rlr", {"h"}), "NO CARD");
  EXPECT_EQ(printK(), "OK");
  EXPECT_EQ(send("Rlr", {"h"}), "CARD");
  EXPECT_TRUE(words().warning & bits::kWarnHopperFull);
  EXPECT_EQ(printK(), "ERR HOPPER FULL");
  EXPECT_EQ(model->feederCount(), config.feeder_count - 1);  // Refused before feeding.
  EXPECT_EQ(send("Srs"), "OK");                              // Drops the open sequence.
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(send("Se"), "ERR HOPPER FULL");
  EXPECT_EQ(send("Ser"), "OK");
  EXPECT_TRUE(words().error & bits::kErrRejectBoxFull);
  EXPECT_EQ(send("Si"), "OK");
  EXPECT_EQ(send("Ser"), "ERR REJECT BOX FULL");
  model->emptyRejectBox();
  model->emptyHopper();
  EXPECT_EQ(words().error, 0u);
  EXPECT_EQ(send("Se"), "OK");
}

struct FaultCase {
  Fault fault;
  std::string reply;  // What a print answers while the fault is active.
  std::uint32_t StatusWords::*word;
  std::uint32_t bit;
};

class FaultTest : public ModelTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(FaultTest, RefusesWhileActiveAndRecoversWhenCleared) {
  const FaultCase& fc = GetParam();
  make();
  ASSERT_EQ(send("Sis"), "OK");
  settle();
  model->injectFault(fc.fault);
  EXPECT_TRUE(model->faultActive(fc.fault));
  EXPECT_TRUE(words().*fc.word & fc.bit) << faultName(fc.fault);
  EXPECT_EQ(send("Ss"), "OK");
  EXPECT_EQ(send(mono('k')), "OK");
  EXPECT_EQ(send("Se"), fc.reply);
  EXPECT_EQ(model->hopperCount(), 0u);
  EXPECT_EQ(send("Rlr", {"p"}), "SMART CARD");  // Nothing moved.
  EXPECT_EQ(sink.count("fault-raised"), 1);

  model->clearFault(fc.fault);
  EXPECT_FALSE(words().*fc.word & fc.bit);
  EXPECT_EQ(sink.count("fault-cleared"), 1);
  clock.advance(milliseconds(3'600'000));  // Let an overheated head cool.
  EXPECT_EQ(send("Srs"), "OK");
  EXPECT_EQ(send("Se"), "OK");  // Outside the sequence now: plain eject.
  EXPECT_EQ(model->hopperCount(), 1u);
  EXPECT_EQ(printK(), "OK");
}

INSTANTIATE_TEST_SUITE_P(
    AllFaults, FaultTest,
    ::testing::Values(
        FaultCase{Fault::Jam, "ERR MECHANICAL", &StatusWords::error, bits::kErrMechanical},
        FaultCase{Fault::RibbonOut, "ERR RIBBON ENDED", &StatusWords::error, bits::kErrRibbonEnded},
        FaultCase{Fault::CoverOpen, "ERR COVER OPEN", &StatusWords::warning, bits::kWarnCoverOpen},
        FaultCase{Fault::HopperFull, "ERR HOPPER FULL", &StatusWords::warning,
                  bits::kWarnHopperFull},
        FaultCase{Fault::Overheat, "ERR HEAD TEMP", &StatusWords::error, bits::kErrHeadTemp}),
    [](const ::testing::TestParamInfo<FaultCase>& p) { return faultName(p.param.fault); });

TEST_F(ModelTest, FeederEmptyAndRejectBoxFullFaults) {
  make();
  model->injectFault(Fault::FeederEmpty);
  EXPECT_EQ(send("Rse", {"f"}), "0,00 Volts");
  EXPECT_EQ(send("Sis"), "ERR FEEDER EMPTY");
  EXPECT_TRUE(words().warning & bits::kWarnFeederEmpty);
  model->clearFault(Fault::FeederEmpty);
  EXPECT_EQ(send("Rse", {"f"}), "5,00 Volts");
  EXPECT_EQ(send("Si"), "OK");
  model->injectFault(Fault::RejectBoxFull);
  EXPECT_TRUE(words().error & bits::kErrRejectBoxFull);
  EXPECT_EQ(send("Ser"), "ERR REJECT BOX FULL");
  model->clearFault(Fault::RejectBoxFull);
  EXPECT_EQ(send("Ser"), "OK");
  EXPECT_EQ(model->rejectCount(), 1u);
}

TEST_F(ModelTest, CoverOpenSensorAndJamBlockMoves) {
  make();
  model->injectFault(Fault::CoverOpen);
  EXPECT_EQ(send("Rse", {"o"}), "0,00 Volts");
  EXPECT_EQ(send("Si"), "ERR COVER OPEN");
  model->clearFault(Fault::CoverOpen);
  EXPECT_EQ(send("Rse", {"o"}), "5,00 Volts");
  model->injectFault(Fault::Jam);
  EXPECT_EQ(send("Sis"), "ERR MECHANICAL");
  EXPECT_EQ(model->feederCount(), config.feeder_count);
}

TEST_F(ModelTest, PrinterErrorModeHoldsInsteadOfAnswering) {
  make();
  ASSERT_EQ(send("Pem", {"0"}), "OK");
  model->injectFault(Fault::CoverOpen);
  Response r = model->handle(cmd("Si"));
  EXPECT_TRUE(r.held);
  model->clearFault(Fault::CoverOpen);
  r = model->handle(cmd("Si"));
  EXPECT_FALSE(r.held);
  EXPECT_EQ(r.text, "OK");
}

TEST_F(ModelTest, StatusWordsReplyFormat) {
  make();
  model->injectFault(Fault::Jam);
  model->injectFault(Fault::CoverOpen);
  EXPECT_EQ(send("Rxs"), "00000000 00000000 00020000 01000000");
}

TEST_F(ModelTest, ControlProtocol) {
  make();
  LinkFaults link;
  const auto control = [&](std::string_view line) {
    return boost::json::parse(handleControl(*model, link, line)).as_object();
  };
  EXPECT_TRUE(control(R"({"cmd":"inject","fault":"jam"})").at("ok").as_bool());
  EXPECT_TRUE(model->faultActive(Fault::Jam));
  EXPECT_TRUE(control(R"({"cmd":"inject","fault":"garbage","count":3})").at("ok").as_bool());
  EXPECT_EQ(link.garbage_replies, 3u);
  EXPECT_TRUE(control(R"({"cmd":"inject","fault":"slow","ms":40})").at("ok").as_bool());
  EXPECT_TRUE(control(R"({"cmd":"inject","fault":"disconnect"})").at("ok").as_bool());
  EXPECT_TRUE(link.disconnect);
  EXPECT_EQ(link.disconnects, 1u);

  auto state = control(R"({"cmd":"state"})").at("state").as_object();
  const auto& faults = state.at("faults").as_array();
  EXPECT_EQ(faults.size(), 4u);
  EXPECT_EQ(faults[0].as_string(), "jam");
  EXPECT_EQ(state.at("slow_ms").to_number<std::uint64_t>(), 40u);

  EXPECT_TRUE(control(R"({"cmd":"clear_all"})").at("ok").as_bool());
  EXPECT_FALSE(model->faultActive(Fault::Jam));
  EXPECT_FALSE(link.disconnect);
  EXPECT_EQ(link.garbage_replies, 0u);

  EXPECT_TRUE(control(R"({"cmd":"load_feeder","count":4,"prefix":"B-","start":9,"replace":true})")
                  .at("ok")
                  .as_bool());
  EXPECT_TRUE(control(R"({"cmd":"load_ribbon","type":"ko","capacity":500})").at("ok").as_bool());
  state = control(R"({"cmd":"state"})").at("state").as_object();
  EXPECT_EQ(state.at("feeder").to_number<std::uint64_t>(), 4u);
  EXPECT_EQ(state.at("ribbon").at("type").as_string(), "ko");
  EXPECT_EQ(state.at("ribbon").at("remaining").to_number<std::uint64_t>(), 500u);
  EXPECT_EQ(send("Si"), "OK");
  state = control(R"({"cmd":"state"})").at("state").as_object();
  EXPECT_EQ(state.at("card_serial").as_string(), "B-000009");

  EXPECT_FALSE(control(R"({"cmd":"inject","fault":"gremlins"})").at("ok").as_bool());
  EXPECT_FALSE(control(R"({"cmd":"dance"})").at("ok").as_bool());
  EXPECT_FALSE(control("not json").at("ok").as_bool());
  EXPECT_FALSE(control(R"({"cmd":"load_feeder","count":"x"})").at("ok").as_bool());
}

}  // namespace
}  // namespace cardd::emulator
