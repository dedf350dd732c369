#include "store/attempt_store.hpp"

#include <unistd.h>

#include <array>

#include "store/job_store.hpp"

namespace cardd {
namespace {

constexpr const char* kColumns =
    "id, job_id, attempt, printer, step, outcome, reason, detail, chip_serial, lot, card_failure, "
    "started_at, updated_at, ended_at";

constexpr std::array<std::string_view, 5> kSteps = {"assigned", "feed-requested", "at-station",
                                                    "printing", "eject-requested"};

std::optional<std::string> optText(const Statement& st, int i) {
  if (st.columnIsNull(i)) return std::nullopt;
  return st.columnText(i);
}

CardAttempt readAttempt(const Statement& st) {
  CardAttempt a;
  a.id = st.columnInt(0);
  a.job_id = st.columnInt(1);
  a.attempt = static_cast<int>(st.columnInt(2));
  a.printer = st.columnText(3);
  a.step = st.columnText(4);
  if (!st.columnIsNull(5)) a.outcome = parseAttemptOutcome(st.columnText(5));
  a.reason = st.columnText(6);
  a.detail = st.columnText(7);
  a.chip_serial = optText(st, 8);
  a.lot = optText(st, 9);
  a.card_failure = st.columnInt(10) != 0;
  a.started_at_ms = st.columnInt(11);
  a.updated_at_ms = st.columnInt(12);
  if (!st.columnIsNull(13)) a.ended_at_ms = st.columnInt(13);
  return a;
}

PrinterSetting readSetting(const Statement& st) {
  PrinterSetting s;
  s.printer = st.columnText(0);
  s.paused = st.columnInt(1) != 0;
  s.reason = st.columnText(2);
  if (!st.columnIsNull(3)) s.changed_by = Actor{st.columnInt(3), st.columnText(4)};
  if (!st.columnIsNull(5)) s.changed_at_ms = st.columnInt(5);
  return s;
}

std::string describe(const CardAttempt& a) {
  return "card attempt " + std::to_string(a.attempt) + " of job " + std::to_string(a.job_id);
}

// The daemon itself, for the journal entries of steps nobody asked for.
Actor stationActor() {
  return Actor{static_cast<std::int64_t>(::getuid()), "cardd"};
}

struct JobRef {
  JobState state = JobState::Pending;
  std::int64_t owner_uid = -1;
};

Result<JobRef> jobRef(Database& db, JobId job) {
  auto st = db.prepare("SELECT state, owner_uid FROM jobs WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, job);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) return Error(ErrorCode::NotFound, "job " + std::to_string(job) + " does not exist");
  JobRef ref{parseJobState(st->columnText(0)).value_or(JobState::Aborted), st->columnInt(1)};
  st->reset();
  return ref;
}

// The journal entry of an attempt's change: the job stays in its state, the
// reasons say what happened to the card.
Status journal(Database& db, const CardAttempt& a, std::vector<std::string> reasons,
               const Actor& actor, std::int64_t at_ms, std::vector<JobEvent>& events_out) {
  auto job = jobRef(db, a.job_id);
  if (!job) return std::move(job).error();
  JobEvent e;
  e.at_ms = at_ms;
  e.kind = "card-attempt";
  e.job_id = a.job_id;
  e.from = job->state;
  e.to = job->state;
  e.reasons = std::move(reasons);
  e.actor = actor;
  e.job_owner_uid = job->owner_uid;
  auto appended = appendJobEvent(db, std::move(e));
  if (!appended) return std::move(appended).error();
  events_out.push_back(std::move(appended).value());
  return Ok{};
}

Result<std::int64_t> countWhere(Database& db, const std::string& where, JobId job) {
  auto st = db.prepare("SELECT count(*) FROM card_attempts WHERE job_id = ? AND " + where);
  if (!st) return std::move(st).error();
  st->bind(1, job);
  auto row = st->step();
  if (!row) return std::move(row).error();
  const std::int64_t n = *row ? st->columnInt(0) : 0;
  st->reset();
  return n;
}

}  // namespace

std::string_view attemptOutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::Issued:
      return "issued";
    case AttemptOutcome::Spoiled:
      return "spoiled";
    case AttemptOutcome::Void:
      return "void";
  }
  return "void";
}

std::optional<AttemptOutcome> parseAttemptOutcome(std::string_view name) {
  if (name == "issued") return AttemptOutcome::Issued;
  if (name == "spoiled") return AttemptOutcome::Spoiled;
  if (name == "void") return AttemptOutcome::Void;
  return std::nullopt;
}

Result<CardAttempt> AttemptStore::begin(JobId job, const std::string& printer,
                                        std::vector<JobEvent>& events_out) {
  if (printer.empty())
    return Error(ErrorCode::InvalidArgument, "a card attempt needs the printer it runs on");
  auto ref = jobRef(db_, job);
  if (!ref) return std::move(ref).error();
  auto open_now = countWhere(db_, "outcome IS NULL", job);
  if (!open_now) return std::move(open_now).error();
  if (*open_now > 0) {
    return Error(ErrorCode::IllegalTransition,
                 "job " + std::to_string(job) +
                     " already has a card attempt in progress; end it before starting another");
  }
  auto next =
      db_.prepare("SELECT COALESCE(MAX(attempt), 0) + 1 FROM card_attempts WHERE job_id = ?");
  if (!next) return std::move(next).error();
  next->bind(1, job);
  auto row = next->step();
  if (!row) return std::move(row).error();
  CardAttempt a;
  a.attempt = *row ? static_cast<int>(next->columnInt(0)) : 1;
  next->reset();

  a.job_id = job;
  a.printer = printer;
  a.step = std::string(kSteps[0]);
  a.started_at_ms = a.updated_at_ms = clock_.nowMs();
  auto ins = db_.prepare(
      "INSERT INTO card_attempts (job_id, attempt, printer, step, started_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!ins) return std::move(ins).error();
  ins->bind(1, job)
      .bind(2, static_cast<std::int64_t>(a.attempt))
      .bind(3, a.printer)
      .bind(4, a.step)
      .bind(5, a.started_at_ms)
      .bind(6, a.updated_at_ms);
  if (auto r = ins->run(); !r) return std::move(r).error();
  a.id = db_.lastInsertId();

  if (auto j = journal(db_, a, {a.step}, stationActor(), a.updated_at_ms, events_out); !j)
    return std::move(j).error();
  return a;
}

Result<CardAttempt> AttemptStore::setStep(AttemptId id, std::string_view step,
                                          std::vector<JobEvent>& events_out,
                                          const std::optional<std::string>& chip_serial) {
  bool known = false;
  for (auto s : kSteps) known = known || s == step;
  if (!known) {
    return Error(ErrorCode::InvalidArgument,
                 "unknown card attempt step '" + std::string(step) +
                     "' (expected assigned, feed-requested, at-station, printing or "
                     "eject-requested)");
  }
  auto current = get(id);
  if (!current) return std::move(current).error();
  CardAttempt a = std::move(current).value();
  if (a.outcome) {
    return Error(ErrorCode::IllegalTransition, describe(a) + " already ended " +
                                                   std::string(attemptOutcomeName(*a.outcome)) +
                                                   "; its step cannot change");
  }
  a.step = std::string(step);
  a.updated_at_ms = clock_.nowMs();
  if (chip_serial) a.chip_serial = chip_serial;
  auto st = db_.prepare(
      "UPDATE card_attempts SET step = ?, updated_at = ?, chip_serial = ? WHERE id = ? AND "
      "outcome IS NULL");
  if (!st) return std::move(st).error();
  st->bind(1, a.step).bind(2, a.updated_at_ms).bindOptional(3, a.chip_serial).bind(4, id);
  if (auto r = st->run(); !r) return std::move(r).error();

  if (auto j = journal(db_, a, {a.step}, stationActor(), a.updated_at_ms, events_out); !j)
    return std::move(j).error();
  return a;
}

Result<CardAttempt> AttemptStore::finish(AttemptId id, const AttemptEnd& end, LedgerStore& ledger,
                                         const Actor& actor, std::vector<JobEvent>& events_out) {
  auto current = get(id);
  if (!current) return std::move(current).error();
  CardAttempt a = std::move(current).value();
  if (a.outcome) {
    return Error(ErrorCode::IllegalTransition, describe(a) + " already ended " +
                                                   std::string(attemptOutcomeName(*a.outcome)) +
                                                   "; it cannot end again");
  }
  const std::string issued_twice = "job " + std::to_string(a.job_id) +
                                   " already has an issued card; a second card is never issued "
                                   "for the same job (check the output hopper)";
  // Checked before the ledger is touched, so a refusal writes nothing even
  // outside a savepoint; the unique index below is the schema's own guard.
  if (end.outcome == AttemptOutcome::Issued) {
    auto issued = countWhere(db_, "outcome = 'issued'", a.job_id);
    if (!issued) return std::move(issued).error();
    if (*issued > 0) return Error(ErrorCode::IllegalTransition, issued_twice);
  }

  a.outcome = end.outcome;
  a.reason = end.reason;
  a.detail = end.detail;
  if (end.chip_serial) a.chip_serial = end.chip_serial;
  a.card_failure = end.outcome == AttemptOutcome::Spoiled && end.card_failure;
  a.updated_at_ms = clock_.nowMs();
  a.ended_at_ms = a.updated_at_ms;

  // A blank left the feeder: the ledger counts it, and the attempt keeps the lot.
  if (end.outcome != AttemptOutcome::Void) {
    CardConsumption c;
    c.printer = a.printer;
    c.issued = end.outcome == AttemptOutcome::Issued;
    c.job_id = a.job_id;
    c.attempt = a.attempt;
    c.serial = a.chip_serial;
    c.reason = end.reason;
    auto entry = ledger.consume(c, actor);
    if (!entry) return std::move(entry).error();
    a.lot = entry->lot;
  }

  auto st = db_.prepare(
      "UPDATE card_attempts SET outcome = ?, reason = ?, detail = ?, chip_serial = ?, lot = ?, "
      "card_failure = ?, updated_at = ?, ended_at = ? WHERE id = ? AND outcome IS NULL");
  if (!st) return std::move(st).error();
  st->bind(1, attemptOutcomeName(*a.outcome))
      .bind(2, a.reason)
      .bind(3, a.detail)
      .bindOptional(4, a.chip_serial)
      .bindOptional(5, a.lot)
      .bind(6, static_cast<std::int64_t>(a.card_failure ? 1 : 0))
      .bind(7, a.updated_at_ms)
      .bind(8, *a.ended_at_ms)
      .bind(9, id);
  if (auto r = st->run(); !r) {
    if (sqlite3_extended_errcode(db_.handle()) == SQLITE_CONSTRAINT_UNIQUE)
      return Error(ErrorCode::IllegalTransition, issued_twice);
    return std::move(r).error();
  }

  if (end.outcome == AttemptOutcome::Issued) {
    auto job = db_.prepare("UPDATE jobs SET chip_serial = ? WHERE id = ?");
    if (!job) return std::move(job).error();
    job->bindOptional(1, a.chip_serial).bind(2, a.job_id);
    if (auto r = job->run(); !r) return std::move(r).error();
  }

  std::vector<std::string> reasons{std::string(attemptOutcomeName(*a.outcome))};
  if (!a.reason.empty()) reasons.push_back(a.reason);
  if (auto j = journal(db_, a, std::move(reasons), actor, a.updated_at_ms, events_out); !j)
    return std::move(j).error();
  return a;
}

Result<CardAttempt> AttemptStore::get(AttemptId id) {
  auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM card_attempts WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row)
    return Error(ErrorCode::NotFound, "card attempt " + std::to_string(id) + " does not exist");
  CardAttempt a = readAttempt(*st);
  st->reset();
  return a;
}

Result<std::vector<CardAttempt>> AttemptStore::open() {
  auto st = db_.prepare(std::string("SELECT ") + kColumns +
                        " FROM card_attempts WHERE outcome IS NULL ORDER BY id");
  if (!st) return std::move(st).error();
  return st->collect<CardAttempt>(readAttempt);
}

Result<std::vector<CardAttempt>> AttemptStore::forJob(JobId job) {
  auto st = db_.prepare(std::string("SELECT ") + kColumns +
                        " FROM card_attempts WHERE job_id = ? ORDER BY attempt");
  if (!st) return std::move(st).error();
  st->bind(1, job);
  return st->collect<CardAttempt>(readAttempt);
}

Result<int> AttemptStore::cardFailures(JobId job) {
  auto n = countWhere(db_, "outcome = 'spoiled' AND card_failure = 1", job);
  if (!n) return std::move(n).error();
  return static_cast<int>(*n);
}

Result<int> AttemptStore::endedWithoutCard(JobId job) {
  auto n = countWhere(db_, "outcome IN ('spoiled', 'void')", job);
  if (!n) return std::move(n).error();
  return static_cast<int>(*n);
}

Result<std::map<std::string, PrinterCardCounts>> AttemptStore::cardsSince(std::int64_t since_ms) {
  auto st = db_.prepare(
      "SELECT printer, SUM(outcome = 'issued'), SUM(outcome = 'spoiled') FROM card_attempts "
      "WHERE ended_at >= ? AND outcome IN ('issued', 'spoiled') GROUP BY printer");
  if (!st) return std::move(st).error();
  st->bind(1, since_ms);
  using Row = std::pair<std::string, PrinterCardCounts>;
  auto rows = st->collect<Row>([](const Statement& s) {
    return Row{s.columnText(0), PrinterCardCounts{s.columnInt(1), s.columnInt(2)}};
  });
  if (!rows) return std::move(rows).error();
  return std::map<std::string, PrinterCardCounts>(rows->begin(), rows->end());
}

Result<PrinterSetting> AttemptStore::printerSetting(const std::string& printer) {
  auto st = db_.prepare(
      "SELECT printer, paused, reason, changed_by_uid, changed_by_name, changed_at "
      "FROM printer_settings WHERE printer = ?");
  if (!st) return std::move(st).error();
  st->bind(1, printer);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) {
    PrinterSetting never_set;
    never_set.printer = printer;
    return never_set;
  }
  PrinterSetting s = readSetting(*st);
  st->reset();
  return s;
}

Result<std::vector<PrinterSetting>> AttemptStore::printerSettings() {
  auto st = db_.prepare(
      "SELECT printer, paused, reason, changed_by_uid, changed_by_name, changed_at "
      "FROM printer_settings ORDER BY printer");
  if (!st) return std::move(st).error();
  return st->collect<PrinterSetting>(readSetting);
}

Result<PrinterSetting> AttemptStore::setPaused(const std::string& printer, bool paused,
                                               const std::string& reason, const Actor& actor) {
  if (printer.empty()) return Error(ErrorCode::InvalidArgument, "name the printer to pause");
  PrinterSetting s;
  s.printer = printer;
  s.paused = paused;
  s.reason = reason;
  s.changed_by = actor;
  s.changed_at_ms = clock_.nowMs();
  auto st = db_.prepare(
      "INSERT INTO printer_settings (printer, paused, reason, changed_by_uid, changed_by_name, "
      "changed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (printer) DO UPDATE SET "
      "paused = excluded.paused, reason = excluded.reason, changed_by_uid = "
      "excluded.changed_by_uid, changed_by_name = excluded.changed_by_name, changed_at = "
      "excluded.changed_at");
  if (!st) return std::move(st).error();
  st->bind(1, printer)
      .bind(2, static_cast<std::int64_t>(paused ? 1 : 0))
      .bind(3, reason)
      .bind(4, actor.uid)
      .bind(5, actor.user)
      .bind(6, *s.changed_at_ms);
  if (auto r = st->run(); !r) return std::move(r).error();
  return s;
}

}  // namespace cardd
