#include "store/job_store.hpp"

#include <sstream>

#include "jobs/job_state_machine.hpp"

namespace cardd {
namespace {

constexpr const char* kJobColumns =
    "id, state, state_reasons, priority, template, profile, idempotency_key, owner_uid, "
    "owner_name, "
    "created_at, updated_at, photo_bytes, fingerprint_count, chip_serial";

constexpr const char* kEventColumns =
    "e.seq, e.at, e.kind, e.job_id, e.from_state, e.to_state, e.reasons, e.actor_uid, "
    "e.actor_name, j.owner_uid";

Job readJob(const Statement& st) {
  Job j;
  j.id = st.columnInt(0);
  j.state = parseJobState(st.columnText(1)).value_or(JobState::Aborted);
  j.state_reasons = splitReasons(st.columnText(2));
  j.priority = static_cast<int>(st.columnInt(3));
  j.template_id = st.columnText(4);
  j.profile_id = st.columnText(5);
  if (!st.columnIsNull(6)) j.idempotency_key = st.columnText(6);
  j.owner.uid = st.columnInt(7);
  j.owner.user = st.columnText(8);
  j.created_at_ms = st.columnInt(9);
  j.updated_at_ms = st.columnInt(10);
  j.photo_bytes = st.columnInt(11);
  j.fingerprint_count = st.columnInt(12);
  if (!st.columnIsNull(13)) j.chip_serial = st.columnText(13);
  return j;
}

JobEvent readEvent(const Statement& st) {
  JobEvent e;
  e.seq = st.columnInt(0);
  e.at_ms = st.columnInt(1);
  e.kind = st.columnText(2);
  e.job_id = st.columnInt(3);
  if (!st.columnIsNull(4)) e.from = parseJobState(st.columnText(4));
  e.to = parseJobState(st.columnText(5)).value_or(JobState::Aborted);
  e.reasons = splitReasons(st.columnText(6));
  e.actor.uid = st.columnInt(7);
  e.actor.user = st.columnText(8);
  e.job_owner_uid = st.columnIsNull(9) ? -1 : st.columnInt(9);
  return e;
}

}  // namespace

std::string joinReasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += ' ';
    out += r;
  }
  return out;
}

std::vector<std::string> splitReasons(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<JobEvent> appendJobEvent(Database& db, JobEvent e) {
  auto st = db.prepare(
      "INSERT INTO events (at, kind, job_id, from_state, to_state, reasons, actor_uid, actor_name) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  st->bind(1, e.at_ms).bind(2, e.kind);
  if (e.job_id == 0)
    st->bindNull(3);  // a station event (e.g. an alert) belongs to no job
  else
    st->bind(3, e.job_id);
  if (e.from)
    st->bind(4, jobStateName(*e.from));
  else
    st->bindNull(4);
  st->bind(5, jobStateName(e.to))
      .bind(6, joinReasons(e.reasons))
      .bind(7, e.actor.uid)
      .bind(8, e.actor.user);
  if (auto r = st->run(); !r) return std::move(r).error();
  e.seq = db.lastInsertId();
  return e;
}

Result<JobEvent> JobStore::appendStationEvent(JobEvent event) {
  event.job_id = 0;
  event.job_owner_uid = -1;
  return appendJobEvent(db_, std::move(event));
}

Result<JobEvent> JobStore::appendEvent(const Job& job, std::string kind,
                                       std::optional<JobState> from, const Actor& actor) {
  JobEvent e;
  e.at_ms = job.updated_at_ms;
  e.kind = std::move(kind);
  e.job_id = job.id;
  e.from = from;
  e.to = job.state;
  e.reasons = job.state_reasons;
  e.actor = actor;
  e.job_owner_uid = job.owner.uid;
  return appendJobEvent(db_, std::move(e));
}

Result<SubmitOutcome> JobStore::submit(const NewJob& req, const Actor& owner,
                                       std::vector<JobEvent>& events_out) {
  if (req.idempotency_key) {
    auto st = db_.prepare(std::string("SELECT ") + kJobColumns +
                          " FROM jobs WHERE owner_uid = ? AND idempotency_key = ?");
    if (!st) return std::move(st).error();
    st->bind(1, owner.uid).bind(2, *req.idempotency_key);
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (*row) {
      SubmitOutcome out{readJob(*st), false};
      st->reset();
      return out;
    }
    st->reset();
  }

  Job job;
  job.state = req.hold ? JobState::PendingHeld : JobState::Pending;
  job.state_reasons = initialReasons(req.hold);
  job.priority = req.priority;
  job.template_id = req.template_id;
  job.profile_id = req.profile_id;
  job.idempotency_key = req.idempotency_key;
  job.owner = owner;
  job.created_at_ms = job.updated_at_ms = clock_.nowMs();
  job.photo_bytes = req.photo_bytes;
  job.fingerprint_count = req.fingerprint_count;

  auto ins = db_.prepare(
      "INSERT INTO jobs (state, state_reasons, priority, template, profile, idempotency_key, "
      "owner_uid, "
      "owner_name, payload, photo_bytes, fingerprint_count, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return std::move(ins).error();
  ins->bind(1, jobStateName(job.state))
      .bind(2, joinReasons(job.state_reasons))
      .bind(3, static_cast<std::int64_t>(job.priority))
      .bind(4, job.template_id)
      .bind(5, job.profile_id)
      .bindOptional(6, job.idempotency_key)
      .bind(7, owner.uid)
      .bind(8, owner.user)
      .bind(9, req.payload)
      .bind(10, job.photo_bytes)
      .bind(11, job.fingerprint_count)
      .bind(12, job.created_at_ms)
      .bind(13, job.updated_at_ms);
  if (auto r = ins->run(); !r) return std::move(r).error();
  job.id = db_.lastInsertId();

  auto ev = appendEvent(job, "job-created", std::nullopt, owner);
  if (!ev) return std::move(ev).error();
  events_out.push_back(std::move(ev).value());
  return SubmitOutcome{std::move(job), true};
}

Result<Job> JobStore::get(JobId id) {
  auto st = db_.prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) return Error(ErrorCode::NotFound, "job " + std::to_string(id) + " does not exist");
  Job j = readJob(*st);
  st->reset();
  return j;
}

Result<JobPage> JobStore::list(const JobListQuery& q) {
  // States are a small closed set: build "state IN (?, ?)" with bindings.
  std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id > ?";
  if (q.owner_uid) sql += " AND owner_uid = ?";
  if (!q.states.empty()) {
    sql += " AND state IN (";
    for (std::size_t i = 0; i < q.states.size(); ++i) sql += i == 0 ? "?" : ", ?";
    sql += ")";
  }
  sql += " ORDER BY id LIMIT ?";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  int idx = 1;
  st->bind(idx++, q.after);
  if (q.owner_uid) st->bind(idx++, *q.owner_uid);
  for (auto s : q.states) st->bind(idx++, jobStateName(s));
  st->bind(idx, static_cast<std::int64_t>(q.limit) + 1);

  auto rows = st->collect<Job>(readJob);
  if (!rows) return std::move(rows).error();
  JobPage page{std::move(rows).value(), std::nullopt};
  if (page.jobs.size() > static_cast<std::size_t>(q.limit)) {
    page.jobs.pop_back();
    page.next_after = page.jobs.back().id;
  }
  return page;
}

Result<Job> JobStore::transition(JobId id, JobState to, const std::vector<std::string>& reasons,
                                 const Actor& actor, std::vector<JobEvent>& events_out) {
  auto current = get(id);
  if (!current) return std::move(current).error();
  Job job = std::move(current).value();
  if (auto ok = checkTransition(job.state, to); !ok) {
    return Error(ErrorCode::IllegalTransition,
                 "job " + std::to_string(id) + ": " + ok.error().message);
  }
  const JobState from = job.state;
  job.state = to;
  job.state_reasons = reasons;
  job.updated_at_ms = clock_.nowMs();
  auto st = db_.prepare(
      "UPDATE jobs SET state = ?, state_reasons = ?, updated_at = ? WHERE id = ? AND state = ?");
  if (!st) return std::move(st).error();
  st->bind(1, jobStateName(to))
      .bind(2, joinReasons(reasons))
      .bind(3, job.updated_at_ms)
      .bind(4, id)
      .bind(5, jobStateName(from));
  if (auto r = st->run(); !r) return std::move(r).error();
  auto ev = appendEvent(job, "job-state-changed", from, actor);
  if (!ev) return std::move(ev).error();
  events_out.push_back(std::move(ev).value());
  return job;
}

Result<std::vector<JobEvent>> JobStore::jobEvents(JobId id) {
  auto st = db_.prepare(
      std::string("SELECT ") + kEventColumns +
      " FROM events e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.job_id = ? ORDER BY e.seq");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  return st->collect<JobEvent>(readEvent);
}

Result<std::vector<JobEvent>> JobStore::eventsSince(std::int64_t after_seq, int limit,
                                                    std::optional<std::int64_t> owner_uid) {
  std::string sql = std::string("SELECT ") + kEventColumns +
                    " FROM events e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.seq > ?";
  if (owner_uid) sql += " AND j.owner_uid = ?";
  sql += " ORDER BY e.seq LIMIT ?";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  int idx = 1;
  st->bind(idx++, after_seq);
  if (owner_uid) st->bind(idx++, *owner_uid);
  st->bind(idx, static_cast<std::int64_t>(limit));
  return st->collect<JobEvent>(readEvent);
}

Result<std::int64_t> JobStore::lastEventSeq() {
  return db_.queryInt("SELECT COALESCE(MAX(seq), 0) FROM events");
}

Result<std::string> JobStore::payload(JobId id) {
  auto st = db_.prepare("SELECT payload FROM jobs WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) return Error(ErrorCode::NotFound, "job " + std::to_string(id) + " does not exist");
  std::string p = st->columnText(0);
  st->reset();
  return p;
}

}  // namespace cardd
