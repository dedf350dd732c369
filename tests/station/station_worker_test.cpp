// The station worker against scripted fakes (no pcscd, no emulator): a real
// store (temp SQLite, group commit), real issuance keys (a CLI-made PKI and
// the repository's e-ID profile), the shipped card template, a scripted
// printer and an encoder whose chips are in-process e-ID applets. Each case
// asserts the attempt row, the job, the ledger and the printer's call log.

#include "station/station_worker.hpp"
#include "station/scheduler.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio/system_executor.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <tuple>

#include "config/config_loader.hpp"
#include "fakes/fake_encoder.hpp"
#include "fakes/scripted_printer.hpp"
#include "jobs/job_request.hpp"
#include "station/recovery_policy.hpp"
#include "store/health_store.hpp"
#include "store/schema.hpp"
#include "test_support.hpp"

namespace cardd::station {
namespace {

using namespace std::chrono_literals;
using applets::Bytes;
using applets::testing::TempDir;
using drivers::CardPosition;
using drivers::Condition;
using test::station::ChipScript;
using test::station::FakeEncoder;
using test::station::FakePrinterDriver;
using test::station::Move;
using test::station::PrinterCall;
using test::station::reason;

const std::string kSource = CARDD_SOURCE_DIR;
const std::string kPrinter = "P1";
const std::string kLot = "L-TEST";
constexpr std::int64_t kFeederCards = 10;
const auto kWait = 60s;  // a deadline against hangs, never a timing assertion

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

/* Runs a shell command, its output appended to <dir>/tools.log. */
bool runTool(const TempDir& dir, const std::string& command) {
  const std::string line = command + " >>" + quoted(dir.file("tools.log")) + " 2>&1";
  const int status = std::system(line.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A CSCA and a document signer it issued, EC P-256, by the openssl CLI:
   csca.pem, ds.pem, ds.key (0600). */
bool makeCliPki(const TempDir& dir) {
  const auto f = [&](const std::string& name) { return quoted(dir.file(name)); };
  applets::testing::writeText(dir.file("ds.ext"), "keyUsage=critical,digitalSignature\n", 0644);
  return runTool(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("csca.key")) &&
         runTool(dir, "openssl req -new -x509 -days 30 -key " + f("csca.key") +
                          " -subj '/C=ID/CN=Station Test CSCA'"
                          " -addext basicConstraints=critical,CA:TRUE"
                          " -addext keyUsage=critical,keyCertSign -out " +
                          f("csca.pem")) &&
         runTool(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("ds.key")) &&
         runTool(dir, "openssl req -new -key " + f("ds.key") +
                          " -subj '/C=ID/CN=Station Test Document Signer' -out " + f("ds.csr")) &&
         runTool(dir, "openssl x509 -req -days 30 -in " + f("ds.csr") + " -CA " + f("csca.pem") +
                          " -CAkey " + f("csca.key") + " -set_serial 2 -extfile " + f("ds.ext") +
                          " -out " + f("ds.pem")) &&
         runTool(dir, "chmod 600 " + f("ds.key") + " " + f("csca.key"));
}

/* What every test shares, made once: config, templates, keys, a job payload. */
struct Station {
  TempDir dir;
  Config config;
  std::shared_ptr<const TemplateCatalogue> templates;
  std::unique_ptr<IssuanceKeys> keys;
  Bytes master;
  NewJob job;  // the sample job, parsed as the API stores it
  std::string problem;
};

Station* g_station = nullptr;

void makeStation(Station& s) {
  auto loaded = loadConfigFile(kSource + "/config/cardd.yaml");
  if (!loaded.ok()) {
    s.problem = "config/cardd.yaml: " + loaded.problems[0].describe();
    return;
  }
  s.config = loaded.config;
  s.templates = TemplateCatalogue::load(s.config.jobs);

  if (!makeCliPki(s.dir)) {
    s.problem = "the openssl CLI could not make the test PKI (see " + s.dir.file("tools.log") + ")";
    return;
  }
  for (int i = 0; i < 32; ++i) s.master.push_back(static_cast<std::uint8_t>(0x40 + i));
  applets::testing::writeText(s.dir.file("master.hex"), applets::toHex(s.master) + "\n", 0600);

  IssuanceConfig issuance;
  issuance.profiles["cardd-eid"] = kSource + "/applets/profiles/eid.yaml";
  SignerConfig signer;
  signer.certificate = s.dir.file("ds.pem");
  signer.key = s.dir.file("ds.key");
  issuance.signers["document-signer"] = signer;
  KeySetConfig key_set;
  key_set.file = s.dir.file("master.hex");
  issuance.key_sets["station-master"] = key_set;
  issuance.csca = s.dir.file("csca.pem");
  auto keys = IssuanceKeys::load(issuance, personFieldNames(*s.config.jobs.person_schema));
  if (!keys) {
    s.problem = "issuance keys: " + keys.error().message;
    return;
  }
  s.keys = std::move(keys).value();

  std::ifstream in(kSource + "/tests/data/jobs/sample-job.json", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseJobRequest(text.str(), s.config.jobs);
  if (!parsed) {
    s.problem = "sample job: " + parsed.error().message;
    return;
  }
  s.job = std::move(parsed).value();
  s.job.idempotency_key.reset();  // several jobs per test
}

template <typename T>
Result<T> commit(StoreCommitter& committer, std::function<Result<T>(StoreTx&)> work) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  committer.submit<T>(std::move(work), boost::asio::system_executor(),
                      [promise](Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

class StationWorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    /* The worker renders the panels in the cardd-render helper of this build. */
    ::setenv("CARDD_RENDER_HELPER", CARDD_RENDER_HELPER_PATH, 1);
    g_station = new Station();
    makeStation(*g_station);
  }
  static void TearDownTestSuite() {
    delete g_station;
    g_station = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(g_station->problem.empty()) << g_station->problem;
    path_ = dir_.file("cardd.db");
    auto opened = openStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    committer_ = std::make_unique<StoreCommitter>(std::move(opened).value(), clock_,
                                                  boost::asio::system_executor(),
                                                  [](std::vector<JobEvent>) {});
    auto reader = openStoreReader(path_);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    reader_ = std::move(reader).value();
    jobs_ = std::make_unique<JobStore>(*reader_, clock_);
    ledger_ = std::make_unique<LedgerStore>(*reader_, clock_);
    attempts_ = std::make_unique<AttemptStore>(*reader_, clock_);

    /* A lot received and P1's feeder loaded. */
    auto stocked = commit<bool>(*committer_, [](StoreTx& tx) -> Result<bool> {
      LotReceipt r;
      r.lot = kLot;
      r.supplier = "PT Kartu";
      r.quantity = 100;
      auto received = tx.ledger.receive(r, Actor{1001, "supervisor"});
      if (!received) return received.error();
      auto loaded = tx.ledger.load({kPrinter, kLot, kFeederCards, std::nullopt, std::nullopt},
                                   Actor{1002, "technician"});
      if (!loaded) return loaded.error();
      return true;
    });
    ASSERT_TRUE(stocked.ok()) << stocked.error().message;

    printer_owned_ = std::make_unique<FakePrinterDriver>();
    encoder_owned_ = std::make_unique<FakeEncoder>(g_station->master);
    printer_ = printer_owned_.get();
    encoder_ = encoder_owned_.get();
    test::station::wireCardPath(*printer_, *encoder_);
  }

  void TearDown() override {
    if (worker_) worker_->stop();
    worker_.reset();
    if (committer_) committer_->stop();
  }

  PrinterConfig printerConfig() const {
    PrinterConfig pc;
    pc.id = kPrinter;
    pc.uri = "tcp://127.0.0.1:9";
    pc.reader = encoder_->name();
    pc.status_interval = 20ms;
    pc.card_wait = 200ms;
    pc.duty_cards_per_hour = duty_cards_per_hour_;
    pc.duty_burst = 1;
    return pc;
  }

  int duty_cards_per_hour_ = 0;  // the duty governor is off unless a test sets it

  void startWorker(std::vector<CardAttempt> open_attempts = {}, int max_attempts = 3) {
    WorkerDeps deps;
    deps.config = printerConfig();
    deps.driver = std::move(printer_owned_);
    deps.encoder = std::move(encoder_owned_);
    deps.keys = g_station->keys.get();
    deps.committer = committer_.get();
    deps.clock = &clock_;
    deps.max_attempts = max_attempts;
    deps.encode_ahead = true;
    deps.actor = Actor{0, "cardd"};
    worker_ = std::make_unique<StationWorker>(
        std::move(deps), g_station->templates, std::move(open_attempts),
        [this](const WorkerSnapshot& s) {
          std::lock_guard lock(mutex_);
          snapshots_.push_back(s);
          cv_.notify_all();
        },
        [this](const AttemptReport& r) {
          std::lock_guard lock(mutex_);
          reports_.push_back(r);
          cv_.notify_all();
        });
    worker_->start();
  }

  JobId submit(const std::string& template_id = "ektp-specimen") {
    NewJob nj = g_station->job;
    nj.template_id = template_id;
    auto sub = commit<JobId>(*committer_, [nj](StoreTx& tx) -> Result<JobId> {
      auto r = tx.jobs.submit(nj, Actor{1000, "operator"}, tx.events);
      if (!r) return r.error();
      return r->job.id;
    });
    EXPECT_TRUE(sub.ok()) << sub.error().message;
    return sub.ok() ? *sub : 0;
  }

  /* The job processing and an attempt open, in one transaction: the
     scheduler's own assignment (beginCardOrder). */
  CardOrder assign(JobId job) {
    const std::string printer = kPrinter;
    const Actor actor{0, "cardd"};
    auto order =
        commit<CardOrder>(*committer_, [job, printer, actor](StoreTx& tx) -> Result<CardOrder> {
          return beginCardOrder(tx, job, printer, actor);
        });
    EXPECT_TRUE(order.ok()) << order.error().message;
    return order.ok() ? *order : CardOrder{};
  }

  /* A worker that is still starting (or finishing the previous card)
     refuses offers; try until it takes the order. */
  bool offerWhenReady(const CardOrder& order) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (worker_->offer(order)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::optional<AttemptReport> nextReport() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kWait, [&] { return reports_.size() > reports_taken_; }))
      return std::nullopt;
    return reports_[reports_taken_++];
  }

  /* How the attempt ended, as the worker reported it. */
  void expectReport(const std::optional<AttemptReport>& report, AttemptOutcome outcome,
                    const std::string& reason, JobState job_state) {
    ASSERT_TRUE(report.has_value()) << printer_->callLog();
    EXPECT_EQ(report->outcome, outcome);
    EXPECT_EQ(report->reason, reason);
    EXPECT_EQ(report->job_state, job_state);
  }

  /* The attempt report and the books of the job's one card, spoiled for
     `reason`, with the job back in the queue. */
  void expectSpoiledAndRequeued(JobId id, const std::optional<AttemptReport>& report,
                                const std::string& reason, bool card_failure) {
    expectReport(report, AttemptOutcome::Spoiled, reason, JobState::Pending);
    if (::testing::Test::HasFatalFailure()) return;
    auto rows = attempts(id);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].outcome, AttemptOutcome::Spoiled);
    EXPECT_EQ(rows[0].card_failure, card_failure);
    EXPECT_EQ(job(id).state, JobState::Pending);
    auto spoiled = ledger(LedgerKind::Spoiled);
    ASSERT_EQ(spoiled.size(), 1U);
    EXPECT_EQ(spoiled[0].reason, reason);
  }

  std::size_t reportCount() {
    std::lock_guard lock(mutex_);
    return reports_.size();
  }

  std::size_t snapshotMark() {
    std::lock_guard lock(mutex_);
    return snapshots_.size();
  }

  /* A snapshot published at or after `from` that satisfies `pred`. */
  std::optional<WorkerSnapshot> waitSnapshot(
      std::size_t from, const std::function<bool(const WorkerSnapshot&)>& pred) {
    std::unique_lock lock(mutex_);
    std::optional<WorkerSnapshot> found;
    cv_.wait_for(lock, kWait, [&] {
      for (std::size_t i = from; i < snapshots_.size(); ++i) {
        if (pred(snapshots_[i])) {
          found = snapshots_[i];
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::vector<WorkerSnapshot> snapshots() {
    std::lock_guard lock(mutex_);
    return snapshots_;
  }

  /* Until the worker has asked the printer's status `polls` more times. */
  bool waitForPolls(std::size_t polls) {
    const auto target = printer_->count(PrinterCall::Status) + polls;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (printer_->count(PrinterCall::Status) < target &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return printer_->count(PrinterCall::Status) >= target;
  }

  static auto stateIs(WorkerState state) {
    return [state](const WorkerSnapshot& s) { return s.state == state; };
  }

  Job job(JobId id) {
    auto j = jobs_->get(id);
    EXPECT_TRUE(j.ok()) << j.error().message;
    return j.ok() ? *j : Job{};
  }

  std::vector<CardAttempt> attempts(JobId id) {
    auto a = attempts_->forJob(id);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return a.ok() ? *a : std::vector<CardAttempt>{};
  }

  std::vector<LedgerEntry> ledger(LedgerKind kind) {
    auto all = ledger_->entries(0, 1000);
    EXPECT_TRUE(all.ok()) << all.error().message;
    std::vector<LedgerEntry> out;
    if (all)
      for (const auto& e : *all)
        if (e.kind == kind) out.push_back(e);
    return out;
  }

  std::int64_t feederCards() {
    auto f = ledger_->feeder(kPrinter);
    EXPECT_TRUE(f.ok());
    std::int64_t n = 0;
    if (f)
      for (const auto& b : *f) n += b.cards;
    return n;
  }

  /* The card-attempt journal of a job: the first reason of each event
     (the step, or the outcome). */
  std::vector<std::string> attemptJournal(JobId id) {
    auto events = jobs_->jobEvents(id);
    EXPECT_TRUE(events.ok());
    std::vector<std::string> out;
    if (events)
      for (const auto& e : *events)
        if (e.kind == "card-attempt" && !e.reasons.empty()) out.push_back(e.reasons.front());
    return out;
  }

  static bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  /* The calls after the first `call` in the log. */
  std::vector<PrinterCall> callsAfter(PrinterCall call) {
    auto log = printer_->calls();
    auto at = std::find(log.begin(), log.end(), call);
    if (at == log.end()) return {};
    return {at + 1, log.end()};
  }

  static bool has(const std::vector<PrinterCall>& calls, PrinterCall call) {
    return std::find(calls.begin(), calls.end(), call) != calls.end();
  }

  TempDir dir_;
  std::string path_;
  SystemClock clock_;
  std::unique_ptr<StoreCommitter> committer_;
  std::unique_ptr<Database> reader_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<LedgerStore> ledger_;
  std::unique_ptr<AttemptStore> attempts_;

  std::unique_ptr<FakePrinterDriver> printer_owned_;
  std::unique_ptr<FakeEncoder> encoder_owned_;
  FakePrinterDriver* printer_ = nullptr;
  FakeEncoder* encoder_ = nullptr;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<WorkerSnapshot> snapshots_;
  std::vector<AttemptReport> reports_;
  std::size_t reports_taken_ = 0;

  std::unique_ptr<StationWorker> worker_;  // last: stopped before the rest goes
};

/* ---- the happy path ------------------------------------------------------------- */

TEST_F(StationWorkerTest, EachStepIsJournaledBeforeTheDeviceActsAndTheCardIsIssued) {
  const JobId id = submit();
  const CardOrder order = assign(id);
  ASSERT_NE(order.attempt_id, 0);

  /* At each device call, read the attempt's step on a separate connection. */
  auto hook_db = openStoreReader(path_);
  ASSERT_TRUE(hook_db.ok());
  AttemptStore hook_attempts(**hook_db, clock_);
  std::mutex seen_mutex;
  std::vector<std::tuple<std::string, std::string, std::optional<std::string>>> seen;
  auto record = [&](std::string call) {
    auto a = hook_attempts.get(order.attempt_id);
    std::lock_guard lock(seen_mutex);
    seen.emplace_back(std::move(call), a ? a->step : "?", a ? a->chip_serial : std::nullopt);
  };
  printer_->setHook([&](PrinterCall call) {
    if (call == PrinterCall::Feed || call == PrinterCall::PrintAndEject)
      record(std::string(test::station::printerCallName(call)));
  });
  encoder_->setHook([&](std::string_view call) { record(std::string(call)); });

  startWorker();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  ASSERT_TRUE(report.has_value()) << "no attempt report; calls: " << printer_->callLog();

  EXPECT_EQ(report->outcome, AttemptOutcome::Issued) << report->reason;
  EXPECT_EQ(report->job_state, JobState::Completed);
  EXPECT_EQ(report->job_id, id);
  EXPECT_EQ(report->attempt_id, order.attempt_id);

  const auto serials = encoder_->serials();
  ASSERT_EQ(serials.size(), 1U);
  const std::string serial = serials[0];

  {
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen.size(), 4U) << printer_->callLog();
    EXPECT_EQ(std::get<0>(seen[0]), "feed");
    EXPECT_EQ(std::get<1>(seen[0]), "feed-requested");
    EXPECT_EQ(std::get<0>(seen[1]), "wait");
    EXPECT_EQ(std::get<1>(seen[1]), "at-station");
    EXPECT_EQ(std::get<0>(seen[2]), "connect");
    EXPECT_EQ(std::get<1>(seen[2]), "at-station");
    EXPECT_EQ(std::get<0>(seen[3]), "print-and-eject");
    EXPECT_EQ(std::get<1>(seen[3]), "eject-requested");
    EXPECT_EQ(std::get<2>(seen[3]), serial) << "the chip serial is journaled with the eject";
  }
  EXPECT_EQ(attemptJournal(id),
            (std::vector<std::string>{"assigned", "feed-requested", "at-station", "eject-requested",
                                      "issued"}));

  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::Issued);
  EXPECT_EQ(rows[0].chip_serial, serial);
  EXPECT_EQ(rows[0].lot, kLot);
  EXPECT_FALSE(rows[0].card_failure);
  EXPECT_TRUE(rows[0].ended_at_ms.has_value());

  const Job j = job(id);
  EXPECT_EQ(j.state, JobState::Completed);
  EXPECT_EQ(j.chip_serial, serial);

  auto issued = ledger(LedgerKind::Issued);
  ASSERT_EQ(issued.size(), 1U);
  EXPECT_EQ(issued[0].printer, kPrinter);
  EXPECT_EQ(issued[0].lot, kLot);
  EXPECT_EQ(issued[0].quantity, 1);
  EXPECT_EQ(issued[0].job_id, id);
  EXPECT_EQ(issued[0].attempt, 1);
  EXPECT_EQ(issued[0].serial_first, serial);
  EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
  EXPECT_EQ(feederCards(), kFeederCards - 1);

  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U);
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 1U);
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U) << printer_->callLog();
  EXPECT_EQ(printer_->printed(), 1U);
  EXPECT_GT(printer_->lastFrontPanels(), 0U) << "the card was printed with rendered panels";
  EXPECT_GT(encoder_->apdus(), 0U);
  EXPECT_EQ(encoder_->connects(), encoder_->releases());

  auto idle = waitSnapshot(snapshotMark(), [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Idle && !s.current_job;
  });
  EXPECT_TRUE(idle.has_value()) << "the printer is ready for the next card";
}

TEST_F(StationWorkerTest, TheDutyGovernorRestsThePrinterBetweenCardsAndBooksTheWear) {
  duty_cards_per_hour_ = 2400;  // one card every 1.5 s, no burst
  const CardOrder first = assign(submit());
  const CardOrder second = assign(submit());
  const auto mark = snapshotMark();
  startWorker();
  ASSERT_TRUE(offerWhenReady(first));
  auto report = nextReport();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->outcome, AttemptOutcome::Issued) << report->reason;

  /* After the card the printer rests instead of taking the next one. */
  auto resting = waitSnapshot(mark, stateIs(WorkerState::Resting));
  ASSERT_TRUE(resting.has_value()) << "the governed printer did not rest";
  EXPECT_GT(resting->rest_until_ms, 0);
  EXPECT_NE(resting->message.find("resting"), std::string::npos) << resting->message;
  EXPECT_FALSE(resting->accepts_next) << "a governed printer prepares no card ahead";
  /* Status polls during the rest keep saying why the printer waits. */
  ASSERT_TRUE(waitForPolls(3));
  for (const auto& s : snapshots()) {
    if (s.state == WorkerState::Resting) {
      EXPECT_NE(s.message.find("resting"), std::string::npos) << s.message;
    }
  }

  /* The rest ends by itself and is counted; then the next card is taken. */
  auto rested = waitSnapshot(mark, [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Idle && s.forced_pauses == 1;
  });
  ASSERT_TRUE(rested.has_value());
  EXPECT_GT(rested->rest_ms, 0);
  ASSERT_TRUE(offerWhenReady(second));
  report = nextReport();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->outcome, AttemptOutcome::Issued) << report->reason;

  /* Each card's wear was booked with its attempt's end. */
  HealthStore health(*reader_, clock_);
  auto wear = health.allPrinterWear();
  ASSERT_TRUE(wear.ok()) << wear.error().message;
  ASSERT_EQ(wear->size(), 1U);
  EXPECT_EQ((*wear)[0].cards, 2);
  EXPECT_EQ((*wear)[0].cards_since_cleaning, 2);
  EXPECT_EQ((*wear)[0].panels, 2 * static_cast<std::int64_t>(printer_->lastFrontPanels() +
                                                             printer_->lastBackPanels()));
  auto readers = health.allReaderWear();
  ASSERT_TRUE(readers.ok());
  ASSERT_EQ(readers->size(), 1U);
  EXPECT_EQ((*readers)[0].insertions, 2);
  EXPECT_EQ((*readers)[0].recent, "00");
}

/* ---- card-level failures ---------------------------------------------------------- */

TEST_F(StationWorkerTest, AChipThatFailsIsRejectedSpoiledAndTheJobRetriesUntilMaxAttempts) {
  for (int i = 0; i < 3; ++i) encoder_->scriptChip(ChipScript::failingAfter(6));
  const JobId id = submit();
  startWorker({}, 3);

  for (int attempt = 1; attempt <= 3; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    const CardOrder order = assign(id);
    ASSERT_EQ(order.attempt, attempt);
    const std::size_t rejects_before = printer_->count(PrinterCall::Reject);
    ASSERT_TRUE(offerWhenReady(order));
    auto report = nextReport();
    ASSERT_TRUE(report.has_value()) << printer_->callLog();
    EXPECT_EQ(report->outcome, AttemptOutcome::Spoiled);
    EXPECT_EQ(report->reason, "chip-personalisation-failed");
    EXPECT_EQ(report->job_state, attempt < 3 ? JobState::Pending : JobState::Aborted);
    EXPECT_EQ(printer_->count(PrinterCall::Reject), rejects_before + 1)
        << "the failed card goes to the reject box: " << printer_->callLog();
    if (attempt < 3) {
      EXPECT_EQ(job(id).state, JobState::Pending);
      /* The printer is fine: it is ready again for the retry. */
      auto ready = waitSnapshot(snapshotMark(), [](const WorkerSnapshot& s) {
        return s.state == WorkerState::Idle && !s.current_job;
      });
      EXPECT_TRUE(ready.has_value());
    }
  }

  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 3U);
  for (const auto& a : rows) {
    EXPECT_EQ(a.outcome, AttemptOutcome::Spoiled);
    EXPECT_EQ(a.reason, "chip-personalisation-failed");
    EXPECT_TRUE(a.card_failure);
    EXPECT_EQ(a.lot, kLot);
    EXPECT_FALSE(a.detail.empty());
  }
  const Job j = job(id);
  EXPECT_EQ(j.state, JobState::Aborted);
  EXPECT_TRUE(contains(j.state_reasons, "max-attempts-reached"));
  for (int a = 1; a <= 3; ++a)
    EXPECT_TRUE(
        contains(j.state_reasons, "attempt-" + std::to_string(a) + "-chip-personalisation-failed"))
        << "attempt " << a;
  EXPECT_FALSE(j.chip_serial.has_value());

  auto spoiled = ledger(LedgerKind::Spoiled);
  ASSERT_EQ(spoiled.size(), 3U);
  for (const auto& e : spoiled) {
    EXPECT_EQ(e.reason, "chip-personalisation-failed");
    EXPECT_EQ(e.printer, kPrinter);
    EXPECT_EQ(e.job_id, id);
  }
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_EQ(feederCards(), kFeederCards - 3);

  /* Three different blanks; never printed; the printer never faulted. */
  const auto serials = encoder_->serials();
  ASSERT_EQ(serials.size(), 3U);
  EXPECT_NE(serials[0], serials[1]);
  EXPECT_NE(serials[1], serials[2]);
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 0U);
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 3U);
  for (const auto& s : snapshots())
    EXPECT_NE(s.state, WorkerState::Faulted) << "a card failure does not fault the printer";
}

TEST_F(StationWorkerTest, ACardPulledDuringPersonalisationIsSpoiledAsRemoved) {
  encoder_->scriptChip(ChipScript::pulledAfter(5));
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Spoiled, "card-removed", JobState::Pending);
  if (HasFatalFailure()) return;
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_TRUE(rows[0].card_failure);
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U);
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 0U);
  EXPECT_EQ(encoder_->apdus(), 5U) << "the channel failed from the 6th APDU on";
}

TEST_F(StationWorkerTest, NoChipInTheReaderIsSpoiledChipNotDetected) {
  encoder_->scriptChip(ChipScript::absent());
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  ASSERT_TRUE(offerWhenReady(order));
  expectSpoiledAndRequeued(id, nextReport(), "chip-not-detected", /*card_failure=*/true);
  if (HasFatalFailure()) return;
  EXPECT_EQ(encoder_->connects(), 0U);
  const auto after_feed = callsAfter(PrinterCall::Feed);
  EXPECT_TRUE(has(after_feed, PrinterCall::Reject)) << printer_->callLog();
  EXPECT_FALSE(has(after_feed, PrinterCall::PrintAndEject)) << printer_->callLog();
}

TEST_F(StationWorkerTest, AnEncoderThatStopsAnsweringFaultsThePrinterAndSpoilsTheCard) {
  encoder_->scriptWait(Error(ErrorCode::Unavailable, "The reader was removed."));
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Spoiled, "encoder-offline", JobState::Pending);
  if (HasFatalFailure()) return;
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].card_failure) << "the encoder's fault is not the card's";
  auto faulted = waitSnapshot(mark, [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Faulted && contains(s.reasons, "cardd-encoder-offline-error");
  });
  EXPECT_TRUE(faulted.has_value());
  EXPECT_TRUE(has(callsAfter(PrinterCall::Feed), PrinterCall::Reject)) << printer_->callLog();
}

/* ---- printer-level failures ------------------------------------------------------- */

TEST_F(StationWorkerTest, AnEmptyFeederVoidsTheAttemptFaultsThePrinterAndCorrectsTheLedger) {
  printer_->script(PrinterCall::Feed, Move::fail(ErrorCode::Unavailable, "The feeder is empty.")
                                          .reporting({reason(Condition::MediaEmpty)}));
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Void, "media-empty-error", JobState::Pending);
  if (HasFatalFailure()) return;

  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::Void);
  EXPECT_FALSE(rows[0].card_failure);
  EXPECT_FALSE(rows[0].lot.has_value()) << "no blank left the feeder";
  EXPECT_EQ(job(id).state, JobState::Pending);
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());

  auto faulted = waitSnapshot(mark, [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Faulted && contains(s.reasons, "media-empty-error");
  });
  EXPECT_TRUE(faulted.has_value());

  /* The next status poll books the empty feeder. */
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (ledger(LedgerKind::Adjustment).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  auto adjustments = ledger(LedgerKind::Adjustment);
  ASSERT_EQ(adjustments.size(), 1U);
  EXPECT_EQ(adjustments[0].printer, kPrinter);
  EXPECT_EQ(adjustments[0].quantity, -kFeederCards);
  EXPECT_EQ(adjustments[0].location, StockLocation::Feeder);
  EXPECT_EQ(adjustments[0].reason, "printer-reported-empty");
  EXPECT_EQ(feederCards(), 0);

  /* Faulted: no card is taken, nothing more is fed; booked only once. */
  const JobId other = submit();
  const CardOrder next = assign(other);
  EXPECT_FALSE(worker_->offer(next));
  std::this_thread::sleep_for(100ms);  // a few polls (not a timing assertion)
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U) << printer_->callLog();
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U) << "no card to reject";
  EXPECT_EQ(ledger(LedgerKind::Adjustment).size(), 1U);
}

TEST_F(StationWorkerTest, AJamSpoilsTheCardFaultsThePrinterAndItResumesOnceCleared) {
  printer_->script(PrinterCall::PrintAndEject,
                   Move::fail(ErrorCode::Unavailable, "The card jammed.")
                       .reporting({reason(Condition::MediaJam)}));
  printer_->script(PrinterCall::Reject, Move::fail(ErrorCode::Unavailable, "The card jammed."));
  printer_->setDefault(PrinterCall::Reset,
                       Move::fail(ErrorCode::Unavailable, "The jam is still there."));
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Spoiled, "media-jam-error", JobState::Pending);
  if (HasFatalFailure()) return;

  const auto serials = encoder_->serials();
  ASSERT_EQ(serials.size(), 1U);
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::Spoiled);
  EXPECT_FALSE(rows[0].card_failure);
  EXPECT_EQ(rows[0].chip_serial, serials[0]);
  EXPECT_EQ(job(id).state, JobState::Pending);
  auto spoiled = ledger(LedgerKind::Spoiled);
  ASSERT_EQ(spoiled.size(), 1U);
  EXPECT_EQ(spoiled[0].reason, "media-jam-error");
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_TRUE(has(callsAfter(PrinterCall::PrintAndEject), PrinterCall::Reject))
      << "a reject was attempted: " << printer_->callLog();

  auto faulted = waitSnapshot(mark, [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Faulted && contains(s.reasons, "media-jam-error");
  });
  ASSERT_TRUE(faulted.has_value());
  EXPECT_FALSE(faulted->message.empty());
  /* While the jam is there, resets fail and the printer stays faulted. */
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (printer_->count(PrinterCall::Reset) < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_GE(printer_->count(PrinterCall::Reset), 2U);
  EXPECT_EQ(printer_->position(), CardPosition::ContactStation) << "the jammed card is inside";

  /* A technician clears the jam: the reset succeeds, the card left inside
     goes to the reject box and the printer is ready again by itself. */
  const auto before_fix = snapshotMark();
  printer_->setDefault(PrinterCall::Reset, Move::ok().reporting({}));
  auto idle = waitSnapshot(before_fix, stateIs(WorkerState::Idle));
  ASSERT_TRUE(idle.has_value()) << printer_->callLog();
  EXPECT_TRUE(idle->reasons.empty());
  EXPECT_EQ(printer_->position(), CardPosition::None);
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 2U) << printer_->callLog();
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U) << "the card is on the books once";
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U);
}

TEST_F(StationWorkerTest, APrinterOfflineAfterTheEjectWithNoCardInsideStopsTheJobForAnOperator) {
  printer_->script(PrinterCall::PrintAndEject,
                   Move::fail(ErrorCode::Unavailable, "The printer stopped answering.")
                       .leaving(CardPosition::None)
                       .goingOffline());
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(order));
  auto offline = waitSnapshot(mark, stateIs(WorkerState::Offline));
  ASSERT_TRUE(offline.has_value()) << printer_->callLog();

  /* The card's fate is unknown: the attempt stays open at eject-requested. */
  EXPECT_EQ(reportCount(), 0U);
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].outcome.has_value());
  EXPECT_EQ(rows[0].step, "eject-requested");
  const auto serials = encoder_->serials();
  ASSERT_EQ(serials.size(), 1U);
  EXPECT_EQ(rows[0].chip_serial, serials[0]);
  EXPECT_EQ(job(id).state, JobState::Processing);

  printer_->setOffline(false);
  auto report = nextReport();
  ASSERT_TRUE(report.has_value()) << printer_->callLog();
  EXPECT_EQ(report->reason, "confirm-issued");
  EXPECT_EQ(report->job_state, JobState::ProcessingStopped);
  const Job j = job(id);
  EXPECT_EQ(j.state, JobState::ProcessingStopped);
  EXPECT_TRUE(contains(j.state_reasons, "confirm-issued"));
  /* Never issued twice: nothing is printed again or booked by guesswork. */
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 1U);
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U);
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U) << printer_->callLog();
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
  rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_FALSE(rows[0].outcome.has_value()) << "an operator confirms against the hopper";
  auto idle = waitSnapshot(mark, stateIs(WorkerState::Idle));
  EXPECT_TRUE(idle.has_value());
}

TEST_F(StationWorkerTest, APrinterOfflineAfterTheEjectWithTheCardInsideRejectsAndRetries) {
  printer_->script(
      PrinterCall::PrintAndEject,
      Move::fail(ErrorCode::Unavailable, "The printer stopped answering.").goingOffline());
  const JobId id = submit();
  const CardOrder order = assign(id);
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(order));
  ASSERT_TRUE(waitSnapshot(mark, stateIs(WorkerState::Offline)).has_value());
  EXPECT_EQ(reportCount(), 0U);
  EXPECT_FALSE(attempts(id).at(0).outcome.has_value());

  printer_->setOffline(false);
  expectSpoiledAndRequeued(id, nextReport(), "interrupted", /*card_failure=*/false);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 1U) << printer_->callLog();
  EXPECT_EQ(printer_->position(), CardPosition::None);
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 1U);
}

TEST_F(StationWorkerTest, AnEncoderStillGoneKeepsThePrinterFaultedAndNoMoreBlanksAreFed) {
  encoder_->setReaderError(Error(ErrorCode::Unavailable, "The reader was unplugged."));
  const JobId id = submit();
  startWorker();
  ASSERT_TRUE(offerWhenReady(assign(id)));
  auto report = nextReport();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->reason, "encoder-offline");
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U);

  /* The printer itself reports no error, but its encoder is still gone:
     the station must not take (and spoil) another blank. */
  ASSERT_TRUE(waitForPolls(3)) << "the worker stopped polling";
  const auto snaps = snapshots();
  ASSERT_FALSE(snaps.empty());
  EXPECT_EQ(snaps.back().state, WorkerState::Faulted)
      << "while the reader is gone the printer is not ready (it is "
      << workerStateName(snaps.back().state) << ")";
  const CardOrder second = assign(id);
  EXPECT_FALSE(worker_->offer(second)) << "a second card would be fed to a dead encoder";
  ASSERT_TRUE(waitForPolls(2)) << "the worker stopped polling";
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U) << printer_->callLog();
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U);

  /* The reader is back: the printer is ready again by itself. */
  const auto mark = snapshotMark();
  encoder_->setReaderError(std::nullopt);
  EXPECT_TRUE(waitSnapshot(mark, stateIs(WorkerState::Idle)).has_value());
}

TEST_F(StationWorkerTest, ACardFedAsThePrinterWentOfflineIsRejectedWhenItAnswers) {
  /* The feed took a blank, then the printer stopped answering. */
  printer_->script(PrinterCall::Feed,
                   Move::fail(ErrorCode::Unavailable, "The printer stopped answering.")
                       .leaving(CardPosition::ContactStation)
                       .goingOffline());
  const JobId id = submit();
  startWorker();
  const auto mark = snapshotMark();
  ASSERT_TRUE(offerWhenReady(assign(id)));
  auto offline = waitSnapshot(mark, [](const WorkerSnapshot& s) {
    return s.state == WorkerState::Offline ||
           (s.state == WorkerState::Faulted && contains(s.reasons, "offline-error"));
  });
  ASSERT_TRUE(offline.has_value()) << printer_->callLog();
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U) << "nothing can move while offline";

  const auto back = snapshotMark();
  printer_->setOffline(false);
  auto report = nextReport();
  ASSERT_TRUE(report.has_value()) << printer_->callLog();
  EXPECT_EQ(report->outcome, AttemptOutcome::Spoiled) << "a blank left the feeder";
  EXPECT_EQ(report->job_state, JobState::Pending);
  ASSERT_TRUE(waitSnapshot(back, stateIs(WorkerState::Idle)).has_value()) << printer_->callLog();
  ASSERT_TRUE(waitForPolls(2)) << "the worker stopped polling";
  /* Recorded spoiled, so it must go to the reject box before the printer
     takes the next card (else the next job's feed would pick it up). */
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 1U) << printer_->callLog();
  EXPECT_EQ(printer_->position(), CardPosition::None);
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U);
  EXPECT_EQ(job(id).state, JobState::Pending);
}

TEST_F(StationWorkerTest, ACardThatFailedAtTheEncoderWhileOfflineIsRejectedWhenItAnswers) {
  /* No chip answers, and meanwhile the printer stops answering: the worker
     cannot ask where the card is when it ends the attempt. */
  encoder_->scriptChip(ChipScript::absent());
  encoder_->setHook([this](std::string_view call) {
    if (call == "wait") printer_->setOffline(true);
  });
  const JobId id = submit();
  startWorker();
  ASSERT_TRUE(offerWhenReady(assign(id)));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Spoiled, "chip-not-detected", JobState::Pending);
  if (HasFatalFailure()) return;
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U) << "nothing can move while offline";
  EXPECT_EQ(printer_->position(), CardPosition::ContactStation);

  const auto back = snapshotMark();
  printer_->setOffline(false);
  ASSERT_TRUE(waitSnapshot(back, stateIs(WorkerState::Idle)).has_value()) << printer_->callLog();
  ASSERT_TRUE(waitForPolls(2)) << "the worker stopped polling";
  /* The card is on the books as spoiled: it must go to the reject box
     before the printer takes the next card (else the next feed moves this
     card, not a blank, to the encoder). */
  EXPECT_EQ(printer_->count(PrinterCall::Reject), 1U) << printer_->callLog();
  EXPECT_EQ(printer_->position(), CardPosition::None);
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U);
}

TEST_F(StationWorkerTest, ARendererThatCannotRunRequeuesTheJobInsteadOfAbortingIt) {
  /* Not the job's data: the station's render helper is missing (or died). */
  const char* saved = std::getenv("CARDD_RENDER_HELPER");
  const std::string restore = saved != nullptr ? saved : "";
  ::setenv("CARDD_RENDER_HELPER", dir_.file("no-such-cardd-render").c_str(), 1);
  const JobId id = submit();
  startWorker();
  ASSERT_TRUE(offerWhenReady(assign(id)));
  auto report = nextReport();
  ::setenv("CARDD_RENDER_HELPER", restore.c_str(), 1);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->outcome, AttemptOutcome::Void);
  EXPECT_NE(report->job_state, JobState::Aborted)
      << "an unavailable renderer (" << report->reason << ") is no reason to abort the job";
  EXPECT_NE(job(id).state, JobState::Aborted);
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 0U);
  EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
}

/* ---- encode ahead ----------------------------------------------------------------- */

/* Holds the first printAndEject until the test offered the next order while
   the worker said it accepts one (encode ahead). */
class EncodeAheadTest : public StationWorkerTest {
 protected:
  void holdFirstPrint() {
    auto released = released_.get_future().share();
    printer_->setHook([this, released](PrinterCall call) {
      if (call == PrinterCall::PrintAndEject && !held_.exchange(true)) released.wait_for(kWait);
    });
  }
  bool offerNextWhilePrinting(const CardOrder& next) {
    auto accepting = waitSnapshot(
        0, [](const WorkerSnapshot& s) { return s.state == WorkerState::Busy && s.accepts_next; });
    const bool taken = accepting.has_value() && worker_->offer(next);
    released_.set_value();
    return taken;
  }
  std::promise<void> released_;
  std::atomic<bool> held_{false};
};

TEST_F(EncodeAheadTest, TheNextCardIsTakenWhileOnePrintsAndIssuedAfterIt) {
  holdFirstPrint();
  const JobId first = submit();
  const JobId second = submit();
  startWorker();
  ASSERT_TRUE(offerWhenReady(assign(first)));
  ASSERT_TRUE(offerNextWhilePrinting(assign(second)));
  auto r1 = nextReport();
  auto r2 = nextReport();
  ASSERT_TRUE(r1.has_value() && r2.has_value()) << printer_->callLog();
  EXPECT_EQ(r1->job_id, first);
  EXPECT_EQ(r1->outcome, AttemptOutcome::Issued);
  EXPECT_EQ(r2->job_id, second);
  EXPECT_EQ(r2->outcome, AttemptOutcome::Issued) << r2->reason;
  const auto serials = encoder_->serials();
  ASSERT_EQ(serials.size(), 2U);
  EXPECT_EQ(job(first).chip_serial, serials[0]);
  EXPECT_EQ(job(second).chip_serial, serials[1]);
  EXPECT_EQ(ledger(LedgerKind::Issued).size(), 2U);
  EXPECT_EQ(printer_->printed(), 2U);
  /* One card in the printer at a time: feed, print, feed, print. */
  std::vector<PrinterCall> moves;
  for (auto c : printer_->calls())
    if (c == PrinterCall::Feed || c == PrinterCall::PrintAndEject) moves.push_back(c);
  EXPECT_EQ(moves, (std::vector<PrinterCall>{PrinterCall::Feed, PrinterCall::PrintAndEject,
                                             PrinterCall::Feed, PrinterCall::PrintAndEject}));
}

TEST_F(EncodeAheadTest, ANextCardPreparedWhileThePrinterFaultedGoesBackUnfed) {
  holdFirstPrint();
  printer_->script(PrinterCall::PrintAndEject,
                   Move::fail(ErrorCode::Unavailable, "The ribbon ended.")
                       .reporting({reason(Condition::MarkerSupplyEmpty)}));
  printer_->setDefault(PrinterCall::Reset, Move::fail(ErrorCode::Unavailable, "No ribbon."));
  const JobId first = submit();
  const JobId second = submit();
  startWorker();
  ASSERT_TRUE(offerWhenReady(assign(first)));
  ASSERT_TRUE(offerNextWhilePrinting(assign(second)));
  auto r1 = nextReport();
  auto r2 = nextReport();
  ASSERT_TRUE(r1.has_value() && r2.has_value()) << printer_->callLog();
  EXPECT_EQ(r1->job_id, first);
  EXPECT_EQ(r1->outcome, AttemptOutcome::Spoiled);
  EXPECT_EQ(r1->reason, "marker-supply-empty-error");
  EXPECT_EQ(r2->job_id, second);
  EXPECT_EQ(r2->outcome, AttemptOutcome::Void);
  EXPECT_EQ(r2->reason, "printer-unavailable");
  EXPECT_EQ(r2->job_state, JobState::Pending);
  EXPECT_EQ(job(second).state, JobState::Pending);
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 1U) << "nothing fed to a faulted printer";
  EXPECT_EQ(ledger(LedgerKind::Spoiled).size(), 1U);
}

/* ---- data that cannot make a card ------------------------------------------------- */

TEST_F(StationWorkerTest, DataThatCannotMakeACardAbortsTheJobWithoutFeeding) {
  const JobId id = submit("no-such-template");
  const CardOrder order = assign(id);
  startWorker();
  ASSERT_TRUE(offerWhenReady(order));
  auto report = nextReport();
  expectReport(report, AttemptOutcome::Void, "document-format-error", JobState::Aborted);
  if (HasFatalFailure()) return;
  const Job j = job(id);
  EXPECT_EQ(j.state, JobState::Aborted);
  EXPECT_TRUE(contains(j.state_reasons, "document-format-error"));
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::Void);
  EXPECT_EQ(rows[0].step, "assigned");
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 0U) << printer_->callLog();
  EXPECT_EQ(encoder_->waits(), 0U);
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty());
  EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
  EXPECT_EQ(feederCards(), kFeederCards);
}

/* ---- crash recovery --------------------------------------------------------------- */

struct RecoveryCase {
  std::string step;  // the last step journaled before the crash
  bool card_inside;
};

std::string caseName(const ::testing::TestParamInfo<RecoveryCase>& info) {
  std::string name = info.param.step + (info.param.card_inside ? "_inside" : "_none");
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class StationWorkerRecoveryTest : public StationWorkerTest,
                                  public ::testing::WithParamInterface<RecoveryCase> {};

TEST_P(StationWorkerRecoveryTest, AnAttemptLeftOpenIsResolvedByTheRecoveryPolicy) {
  const auto& c = GetParam();
  const std::string chip = "4344440000000099";
  const JobId id = submit();
  const CardOrder order = assign(id);
  /* The steps the crashed run had journaled. */
  const std::vector<std::string> all = {"feed-requested", "at-station", "eject-requested"};
  for (const auto& step : all) {
    if (c.step == "assigned") break;
    const bool eject = step == "eject-requested";
    auto st = commit<bool>(*committer_, [&, step, eject](StoreTx& tx) -> Result<bool> {
      auto r = tx.attempts.setStep(order.attempt_id, step, tx.events,
                                   eject ? std::optional<std::string>(chip) : std::nullopt);
      if (!r) return r.error();
      return true;
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
    if (step == c.step) break;
  }
  auto open = attempts_->open();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1U);
  ASSERT_EQ(open->front().step, c.step);
  printer_->setPosition(c.card_inside ? CardPosition::Inside : CardPosition::None);

  startWorker(*open);
  auto report = nextReport();
  ASSERT_TRUE(report.has_value()) << printer_->callLog();
  EXPECT_EQ(report->attempt_id, order.attempt_id);
  auto rows = attempts(id);
  ASSERT_EQ(rows.size(), 1U);
  const Job j = job(id);

  if (c.step == "assigned") {
    /* Never fed: nothing was consumed. */
    EXPECT_EQ(report->outcome, AttemptOutcome::Void);
    EXPECT_EQ(rows[0].outcome, AttemptOutcome::Void);
    EXPECT_EQ(rows[0].reason, "interrupted");
    EXPECT_EQ(j.state, JobState::Pending);
    EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
  } else {
    const auto action = recoveryFor(*parseAttemptStep(c.step),
                                    c.card_inside ? CardPosition::Inside : CardPosition::None);
    switch (action) {
      case RecoveryAction::RejectSpoilAndRerun:
      case RecoveryAction::SpoilAndRerun: {
        EXPECT_EQ(report->outcome, AttemptOutcome::Spoiled);
        EXPECT_EQ(report->job_state, JobState::Pending);
        EXPECT_EQ(rows[0].outcome, AttemptOutcome::Spoiled);
        EXPECT_EQ(rows[0].reason, "interrupted");
        EXPECT_FALSE(rows[0].card_failure);
        EXPECT_EQ(j.state, JobState::Pending);
        auto spoiled = ledger(LedgerKind::Spoiled);
        ASSERT_EQ(spoiled.size(), 1U);
        EXPECT_EQ(spoiled[0].reason, "interrupted");
        if (c.step == "eject-requested") {
          EXPECT_EQ(spoiled[0].serial_first, chip);
        }
        EXPECT_EQ(printer_->count(PrinterCall::Reject),
                  action == RecoveryAction::RejectSpoilAndRerun ? 1U : 0U)
            << printer_->callLog();
        break;
      }
      case RecoveryAction::VoidAndRerun:
        /* Journaled but never fed: the blank is still in the feeder. */
        EXPECT_EQ(report->outcome, AttemptOutcome::Void);
        EXPECT_EQ(rows[0].outcome, AttemptOutcome::Void);
        EXPECT_EQ(rows[0].reason, "interrupted");
        EXPECT_EQ(j.state, JobState::Pending);
        EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
        EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U);
        break;
      case RecoveryAction::ConfirmIssued:
        EXPECT_EQ(report->reason, "confirm-issued");
        EXPECT_EQ(report->job_state, JobState::ProcessingStopped);
        EXPECT_EQ(j.state, JobState::ProcessingStopped);
        EXPECT_TRUE(contains(j.state_reasons, "confirm-issued"));
        EXPECT_FALSE(rows[0].outcome.has_value());
        EXPECT_EQ(printer_->count(PrinterCall::Reject), 0U);
        EXPECT_TRUE(ledger(LedgerKind::Spoiled).empty());
        break;
      case RecoveryAction::WaitForPrinter:
        ADD_FAILURE() << "the printer answered; nothing should wait";
        break;
    }
  }
  EXPECT_TRUE(ledger(LedgerKind::Issued).empty()) << "recovery never books an issued card";
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 0U);
  EXPECT_EQ(printer_->count(PrinterCall::PrintAndEject), 0U);
}

INSTANTIATE_TEST_SUITE_P(
    StepsAndPositions, StationWorkerRecoveryTest,
    ::testing::Values(RecoveryCase{"assigned", true}, RecoveryCase{"assigned", false},
                      RecoveryCase{"feed-requested", true}, RecoveryCase{"feed-requested", false},
                      RecoveryCase{"at-station", true}, RecoveryCase{"at-station", false},
                      RecoveryCase{"eject-requested", true},
                      RecoveryCase{"eject-requested", false}),
    caseName);

TEST_F(StationWorkerTest, AnOpenAttemptWaitsWhileThePrinterIsOfflineAndNothingIsFed) {
  const JobId id = submit();
  const CardOrder order = assign(id);
  auto st = commit<bool>(*committer_, [&](StoreTx& tx) -> Result<bool> {
    auto r = tx.attempts.setStep(order.attempt_id, "eject-requested", tx.events,
                                 std::string("4344440000000042"));
    if (!r) return r.error();
    return true;
  });
  ASSERT_TRUE(st.ok());
  auto open = attempts_->open();
  ASSERT_TRUE(open.ok());
  printer_->setOffline(true);
  printer_->setPosition(CardPosition::None);
  startWorker(*open);
  ASSERT_TRUE(waitSnapshot(0, stateIs(WorkerState::Offline)).has_value());
  EXPECT_EQ(reportCount(), 0U);
  EXPECT_FALSE(attempts(id).at(0).outcome.has_value());
  EXPECT_EQ(job(id).state, JobState::Processing);

  printer_->setOffline(false);
  auto report = nextReport();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->reason, "confirm-issued");
  EXPECT_EQ(job(id).state, JobState::ProcessingStopped);
  EXPECT_EQ(printer_->count(PrinterCall::Feed), 0U);
}

}  // namespace
}  // namespace cardd::station
