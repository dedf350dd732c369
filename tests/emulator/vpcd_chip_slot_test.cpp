// VpcdChipSlot without pcscd: the chip serial derivation, the master key
// file checks, the slot's connect/disconnect sequence against a fake backend
// (driven by the real PrinterModel on a ManualClock), the reader's empty gap
// between two cards, and the chip report on the control port, computed from
// real e-ID chips' exported state.
#include "emulator/vpcd_chip_slot.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "eid/chip_catalogue.hpp"
#include "emulator/control.hpp"
#include "emulator/emulator_options.hpp"
#include "emulator_process.hpp"
#include "printer/evolis/evolis_raster.hpp"

namespace cardd::emulator {
namespace {

namespace eid = applets::eid;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::int64_t kStart = 1'800'000'000'000;
const Bytes kMaster = *applets::fromHex("404142434445464748494A4B4C4D4E4F");

Command cmd(std::string name) {
  return Command{std::move(name), {}, false, {}};
}

// A fake ChipBackend over real chips from VirtualChipFactory: records every
// call; insert/remove only flip a flag (no vpcd).
class FakeBackend final : public ChipBackend {
 public:
  FakeBackend() : factory_(std::move(eid::VirtualChipFactory::create(kMaster)).value()) {}

  Status create(ByteView serial) override {
    std::lock_guard lock(mutex_);
    calls.push_back("create " + applets::toHex(serial));
    const Bytes key(serial.begin(), serial.end());
    if (chips.count(key) != 0) return Ok{};
    auto chip = factory_.makeBlank(eid::AppletKind::Eid, serial);
    if (!chip) return std::move(chip).error();
    chips[key] = std::move(chip).value();
    return Ok{};
  }
  Status insert(ByteView serial) override {
    std::lock_guard lock(mutex_);
    calls.push_back("insert " + applets::toHex(serial));
    times.push_back(SteadyClock::now());
    if (refuse_inserts) return Error(ErrorCode::InvalidArgument, "the reader refused it");
    inserted[applets::toHex(serial)] = true;
    return Ok{};
  }
  void remove(ByteView serial) override {
    std::lock_guard lock(mutex_);
    calls.push_back("remove " + applets::toHex(serial));
    times.push_back(SteadyClock::now());
    inserted[applets::toHex(serial)] = false;
  }
  bool isLinked(ByteView serial) const override {
    std::lock_guard lock(mutex_);
    const auto it = inserted.find(applets::toHex(serial));
    return it != inserted.end() && it->second;
  }
  std::uint64_t stateGeneration(ByteView serial) const override {
    std::lock_guard lock(mutex_);
    const auto it = chips.find(Bytes(serial.begin(), serial.end()));
    return it == chips.end() ? 0 : it->second->stateGeneration() + 1;
  }
  std::optional<std::string> exportState(ByteView serial) const override {
    std::lock_guard lock(mutex_);
    const auto it = chips.find(Bytes(serial.begin(), serial.end()));
    if (it == chips.end()) return std::nullopt;
    return it->second->exportState();
  }

  std::vector<std::string> snapshot() const {
    std::lock_guard lock(mutex_);
    return calls;
  }

  mutable std::mutex mutex_;
  std::vector<std::string> calls;
  std::vector<SteadyClock::time_point> times;
  std::map<std::string, bool> inserted;
  std::map<Bytes, std::unique_ptr<eid::VirtualChip>> chips;
  bool refuse_inserts = false;

 private:
  eid::VirtualChipFactory factory_;
};

std::string hexSerial(const std::string& blank) {
  return applets::toHex(chipSerialFor(blank));
}

// ---- Serial derivation and the key file -----------------------------------------

TEST(ChipSerial, IsTheSha256PrefixOfTheLabelledBlankSerial) {
  const std::string input = "cardd-emulator-chip-serial/1:EMU-000001";
  unsigned char digest[32];
  unsigned int size = 0;
  ASSERT_EQ(EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(chipSerialFor("EMU-000001"), Bytes(digest, digest + 8));
  EXPECT_EQ(chipSerialFor("EMU-000001").size(), eid::kSerialSize);
  EXPECT_EQ(chipSerialFor("EMU-000001"), chipSerialFor("EMU-000001"));
  EXPECT_NE(chipSerialFor("EMU-000001"), chipSerialFor("EMU-000002"));
  EXPECT_NE(chipSerialFor("EMU-000001"), chipSerialFor("EMU1-000001"));
}

class MasterKeyFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text, mode_t mode) {
    const auto path = (dir.path() / ("key" + std::to_string(++n))).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  testing::TempDir dir;
  int n = 0;
};

TEST_F(MasterKeyFile, ReadsOwnerOnlyHex) {
  auto key = readChipMasterKey(write("40414243 44454647\n48494A4B4C4D4E4F\n", 0600));
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, kMaster);
  auto read_only = readChipMasterKey(write(std::string(64, 'a'), 0400));
  ASSERT_TRUE(read_only.ok()) << read_only.error().message;
  EXPECT_EQ(read_only->size(), 32u);
}

TEST_F(MasterKeyFile, RefusesFilesOthersCanReachAndBadContent) {
  const std::string hex = "404142434445464748494A4B4C4D4E4F";
  for (mode_t mode : {0640, 0604, 0660, 0620}) {
    const auto path = write(hex, mode);
    auto key = readChipMasterKey(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_NE(key.error().message.find("chmod 600"), std::string::npos);
    EXPECT_EQ(key.error().message.find(hex), std::string::npos);  // Never the key itself.
  }
  EXPECT_FALSE(readChipMasterKey(write("not hex at all", 0600)).ok());
  EXPECT_FALSE(readChipMasterKey(write("4041424344", 0600)).ok());  // Not an AES size.
  EXPECT_FALSE(readChipMasterKey((dir.path() / "missing").string()).ok());
  EXPECT_FALSE(readChipMasterKey(dir.path().string()).ok());  // A directory.
}

TEST_F(MasterKeyFile, MakeSlotNeedsAKeyForEidAndNothingWithoutVpcd) {
  ChipConfig none;
  auto no_chips = makeVpcdChipSlot(none);
  ASSERT_TRUE(no_chips.ok());
  EXPECT_EQ(no_chips->get(), nullptr);

  ChipConfig eid_without_key;
  eid_without_key.vpcd_host = "127.0.0.1";
  eid_without_key.vpcd_port = 1;
  EXPECT_FALSE(makeVpcdChipSlot(eid_without_key).ok());

  ChipConfig open_key = eid_without_key;
  open_key.master_key_file = write("404142434445464748494A4B4C4D4E4F", 0644);
  EXPECT_FALSE(makeVpcdChipSlot(open_key).ok());

  ChipConfig good = eid_without_key;
  good.master_key_file = write("404142434445464748494A4B4C4D4E4F", 0600);
  auto slot = makeVpcdChipSlot(good);
  ASSERT_TRUE(slot.ok()) << slot.error().message;
  ASSERT_NE(slot->get(), nullptr);
  auto report = (*slot)->report();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->applet, "eid");
  EXPECT_EQ(report->vpcd, "127.0.0.1:1");
  EXPECT_TRUE(report->cards.empty());

  ChipConfig off = good;
  off.applet = "none";
  auto disabled = makeVpcdChipSlot(off);
  ASSERT_TRUE(disabled.ok());
  EXPECT_EQ(disabled->get(), nullptr);
}

TEST(ChipOptions, FlagsAreParsedAndChecked) {
  auto o = parseOptions({"--vpcd", "127.0.0.1:40000", "--chip-master-key", "/k", "--chip-applet",
                         "jmrtd", "--chip-swap-gap-ms", "250"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->chips.vpcd_host, "127.0.0.1");
  EXPECT_EQ(o->chips.vpcd_port, 40000);
  EXPECT_EQ(o->chips.master_key_file, "/k");
  EXPECT_EQ(o->chips.applet, "jmrtd");
  EXPECT_EQ(o->chips.min_absent, milliseconds(250));
  EXPECT_TRUE(parseOptions({})->chips.vpcd_host.empty());

  auto bad_port = parseOptions({"--vpcd", "127.0.0.1:0"});
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.error().message.find("--vpcd"), std::string::npos);
  EXPECT_FALSE(parseOptions({"--vpcd", "40000"}).ok());
  EXPECT_FALSE(parseOptions({"--chip-applet", "mifare"}).ok());
  EXPECT_FALSE(parseOptions({"--chip-master-key", "/k"}).ok());  // Without --vpcd.
}

// ---- The slot driven by the model -------------------------------------------------

class SlotTest : public ::testing::Test {
 protected:
  explicit SlotTest(milliseconds gap = milliseconds(0)) {
    auto owned = std::make_unique<FakeBackend>();
    backend = owned.get();
    ChipSlotOptions options;
    options.vpcd = "127.0.0.1:40000";
    options.min_absent = gap;
    slot = std::make_unique<VpcdChipSlot>(std::move(owned), options);
    ModelConfig config;
    config.feeder_count = 5;
    config.serial_prefix = "SLOT-";
    model = std::make_unique<PrinterModel>(config, clock, *slot, sink);
  }

  // Runs one command and lets every move finish.
  void run(const std::string& name) {
    auto r = model->handle(cmd(name));
    ASSERT_EQ(r.text, "OK") << name;
    clock.advance(milliseconds(60000));
    model->tick();
    ASSERT_TRUE(slot->waitIdle(milliseconds(5000)));
  }

  const ChipCardReport* card(const ChipSlotReport& report, const std::string& serial) {
    for (const auto& c : report.cards) {
      if (c.serial == serial) return &c;
    }
    return nullptr;
  }

  ManualClock clock{kStart};
  EmulatorSink sink;
  FakeBackend* backend = nullptr;
  std::unique_ptr<VpcdChipSlot> slot;
  std::unique_ptr<PrinterModel> model;
};

TEST_F(SlotTest, ConnectsAtTheContactStationAndDisconnectsWhenTheCardMovesOn) {
  const std::string one = hexSerial("SLOT-000001");
  const std::string two = hexSerial("SLOT-000002");
  run("Sis");
  EXPECT_EQ(backend->snapshot(), (std::vector<std::string>{"create " + one, "insert " + one}));
  EXPECT_TRUE(backend->isLinked(chipSerialFor("SLOT-000001")));

  run("Si");   // Back to the print position: the chip leaves the reader.
  run("Sis");  // And returns: the same chip, not a new one.
  run("Se");
  run("Sis");  // The next blank.
  run("Ser");
  EXPECT_EQ(backend->snapshot(),
            (std::vector<std::string>{"create " + one, "insert " + one, "remove " + one,
                                      "insert " + one, "remove " + one, "create " + two,
                                      "insert " + two, "remove " + two}));
  EXPECT_EQ(backend->chips.size(), 2u);

  auto report = slot->report();
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->cards.size(), 2u);
  const auto* first = card(*report, "SLOT-000001");
  const auto* second = card(*report, "SLOT-000002");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->where, "hopper");
  EXPECT_EQ(second->where, "reject_box");
  EXPECT_EQ(first->chip_serial, one);
  EXPECT_FALSE(first->at_station);
  EXPECT_FALSE(first->linked);
  EXPECT_EQ(first->lifecycle, "blank");
  EXPECT_TRUE(first->files.empty());
  EXPECT_TRUE(first->error.empty());
}

TEST_F(SlotTest, NoChipJoinsTheReaderAtThePrintPosition) {
  run("Si");
  EXPECT_TRUE(backend->snapshot().empty());
  run("Se");  // Ejected without visiting the station: its blank chip is still reported.
  EXPECT_EQ(backend->snapshot(), (std::vector<std::string>{"create " + hexSerial("SLOT-000001")}));
  auto report = slot->report();
  ASSERT_EQ(report->cards.size(), 1u);
  EXPECT_EQ(report->cards[0].where, "hopper");
  EXPECT_EQ(report->cards[0].lifecycle, "blank");
}

TEST_F(SlotTest, ACardPrintedFromTheStationLeavesTheReaderBeforeItIsEjected) {
  run("Sis");
  ASSERT_EQ(model->handle(cmd("Ss")).text, "OK");
  Command k{"Db", {"k", "2"}, true, drivers::evolis::Bytes(drivers::evolis::kMonoPanelBytes, 0)};
  ASSERT_EQ(model->handle(k).text, "OK");
  run("Se");
  const std::string one = hexSerial("SLOT-000001");
  EXPECT_EQ(backend->snapshot(),
            (std::vector<std::string>{"create " + one, "insert " + one, "remove " + one}));
  EXPECT_EQ(slot->report()->cards.at(0).where, "hopper");
}

TEST_F(SlotTest, AFailedConnectIsReportedAndTheCardCarriesOn) {
  backend->refuse_inserts = true;
  run("Sis");
  auto report = slot->report();
  ASSERT_EQ(report->cards.size(), 1u);
  EXPECT_NE(report->cards[0].error.find("could not join the reader"), std::string::npos);
  EXPECT_FALSE(report->cards[0].linked);

  run("Si");
  {
    std::lock_guard lock(backend->mutex_);
    backend->refuse_inserts = false;
  }
  run("Sis");  // Joins this time: the error is gone.
  report = slot->report();
  EXPECT_TRUE(report->cards[0].error.empty());
  EXPECT_TRUE(report->cards[0].linked);
  run("Se");
  EXPECT_EQ(model->hopperCount(), 1u);
}

class SlotGapTest : public SlotTest {
 protected:
  SlotGapTest() : SlotTest(milliseconds(150)) {}
};

TEST_F(SlotGapTest, TheReaderStaysEmptyBetweenTwoCards) {
  run("Sis");
  run("Ser");
  run("Sis");
  const auto calls = backend->snapshot();
  ASSERT_EQ(calls.size(), 5u);  // create insert remove create insert
  EXPECT_EQ(calls[2].rfind("remove", 0), 0u);
  EXPECT_EQ(calls[4].rfind("insert", 0), 0u);
  std::lock_guard lock(backend->mutex_);
  ASSERT_EQ(backend->times.size(), 3u);
  EXPECT_GE(backend->times[2] - backend->times[1], milliseconds(150));
}

// ---- The report on the control port --------------------------------------------------

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

TEST_F(SlotTest, StateReportsLifecycleAndFileDigestsOfIssuedCards) {
  run("Sis");
  // Personalise the chip as if through the reader: its state as a host
  // would leave it (one file, locked), imported into the real chip.
  const Bytes serial = chipSerialFor("SLOT-000001");
  eid::VirtualChip* chip = backend->chips.at(serial).get();
  const Bytes data = {0x61, 0x05, 'N', 'A', 'M', 'E', '!', 0x00, 0x00};
  std::string state = chip->exportState();
  const auto at = state.find("lifecycle 0");
  ASSERT_NE(at, std::string::npos);
  state.replace(at, 11, "lifecycle 2");
  state += "file 0101 9 " + applets::toHex(data) + "\n";
  ASSERT_TRUE(chip->importState(state).ok());
  run("Se");

  LinkFaults link;
  auto reply = boost::json::parse(handleControl(*model, link, R"({"cmd":"state"})")).as_object();
  ASSERT_TRUE(reply.at("ok").as_bool());
  const auto& chips = reply.at("state").at("chips").as_object();
  EXPECT_EQ(chips.at("applet").as_string(), "eid");
  EXPECT_EQ(chips.at("vpcd").as_string(), "127.0.0.1:40000");
  const auto& cards = chips.at("cards").as_array();
  ASSERT_EQ(cards.size(), 1u);
  const auto& c = cards[0].as_object();
  EXPECT_EQ(c.at("serial").as_string(), "SLOT-000001");
  EXPECT_EQ(c.at("chip_serial").as_string(), applets::toHex(serial));
  EXPECT_EQ(c.at("where").as_string(), "hopper");
  EXPECT_EQ(c.at("lifecycle").as_string(), "locked");
  EXPECT_FALSE(c.at("at_station").as_bool());
  const auto& files = c.at("files").as_array();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].at("fid").as_string(), "0101");
  EXPECT_EQ(files[0].at("size").to_number<int>(), 9);
  EXPECT_EQ(files[0].at("sha256").as_string(), sha256Hex(data));
  const std::string text = boost::json::serialize(reply);
  EXPECT_EQ(text.find(applets::toHex(data)), std::string::npos);  // No file content.
}

TEST(ChipStateReport, JmrtdLockAndMalformedState) {
  auto jmrtd = eid::JmrtdApplet::create(chipSerialFor("J-1"));
  ASSERT_TRUE(jmrtd.ok());
  ChipCardReport out;
  std::string state = (*jmrtd)->exportState();
  ASSERT_TRUE(describeChipState(state, out).ok());
  EXPECT_EQ(out.lifecycle, "open");
  EXPECT_TRUE(out.files.empty());
  // A JMRTD file re-created smaller keeps its allocation: the digest covers
  // the file's size only.
  const auto at = state.find("locked 0");
  ASSERT_NE(at, std::string::npos);
  state.replace(at, 8, "locked 1");
  state += "file 011E 3 AABBCCDD\n";
  ASSERT_TRUE(describeChipState(state, out).ok());
  EXPECT_EQ(out.lifecycle, "locked");
  ASSERT_EQ(out.files.size(), 1u);
  EXPECT_EQ(out.files[0].fid, 0x011E);
  EXPECT_EQ(out.files[0].size, 3u);
  EXPECT_EQ(out.files[0].sha256, sha256Hex({0xAA, 0xBB, 0xCC}));
  EXPECT_FALSE(describeChipState("cardd-chip-state 1\nkind eid\n", out).ok());
}

TEST(ChipStateReport, StateWithoutSlotHasNoChips) {
  ManualClock clock{kStart};
  EmulatorSink sink;
  ChipSlot none;
  PrinterModel model(ModelConfig{}, clock, none, sink);
  LinkFaults link;
  EXPECT_FALSE(stateJson(model, link).contains("chips"));
}

}  // namespace
}  // namespace cardd::emulator
