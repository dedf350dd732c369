#include "store/schema.hpp"

#include <filesystem>
#include <fstream>

namespace cardd {
namespace {

// Never edit a migration once released: add a new one.
const std::vector<Migration>& allMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "jobs and the job-events journal", R"sql(
CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  state            TEXT    NOT NULL,
  state_reasons    TEXT    NOT NULL,
  priority         INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 100),
  template         TEXT    NOT NULL,
  profile          TEXT    NOT NULL,
  idempotency_key  TEXT,
  owner_uid        INTEGER NOT NULL,
  owner_name       TEXT    NOT NULL,
  payload          TEXT,
  photo_bytes      INTEGER NOT NULL DEFAULT 0,
  fingerprint_count INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs(idempotency_key);
CREATE INDEX jobs_state ON jobs(state, id);
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  kind       TEXT    NOT NULL,
  job_id     INTEGER REFERENCES jobs(id),
  from_state TEXT,
  to_state   TEXT,
  reasons    TEXT    NOT NULL DEFAULT '',
  actor_uid  INTEGER NOT NULL,
  actor_name TEXT    NOT NULL
);
CREATE INDEX events_job ON events(job_id, seq);
)sql"},
      {2, "hash-chained audit log; idempotency keys scoped per submitter", R"sql(
DROP INDEX jobs_idempotency;
CREATE UNIQUE INDEX jobs_owner_idempotency ON jobs(owner_uid, idempotency_key);
CREATE INDEX jobs_owner ON jobs(owner_uid, id);
CREATE TABLE audit (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  uid       INTEGER NOT NULL,
  user      TEXT    NOT NULL,
  roles     TEXT    NOT NULL,
  action    TEXT    NOT NULL,
  target    TEXT    NOT NULL,
  detail    TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL
);
)sql"},
      {3, "blank-card ledger: lots received and an append-only ledger of card movements", R"sql(
CREATE TABLE blank_lots (
  lot          TEXT    PRIMARY KEY,
  supplier     TEXT    NOT NULL,
  quantity     INTEGER NOT NULL CHECK (quantity > 0),
  serial_first TEXT,
  serial_last  TEXT,
  received_at  INTEGER NOT NULL,
  received_uid INTEGER NOT NULL,
  received_by  TEXT    NOT NULL
);
CREATE TABLE ledger (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  at           INTEGER NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('receipt','load','unload','issued','spoiled','destroyed','adjustment')),
  lot          TEXT    NOT NULL,
  printer      TEXT,
  quantity     INTEGER NOT NULL CHECK (quantity <> 0),
  location     TEXT    CHECK (location IN ('stock','feeder','spoiled')),
  serial_first TEXT,
  serial_last  TEXT,
  job_id       INTEGER REFERENCES jobs(id),
  attempt      INTEGER,
  reason       TEXT    NOT NULL DEFAULT '',
  actor_uid    INTEGER NOT NULL,
  actor_name   TEXT    NOT NULL,
  witness_uid  INTEGER,
  witness_name TEXT,
  note         TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE destructions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  lot           TEXT    NOT NULL,
  quantity      INTEGER NOT NULL CHECK (quantity > 0),
  note          TEXT    NOT NULL DEFAULT '',
  state         TEXT    NOT NULL CHECK (state IN ('awaiting-witness','destroyed')),
  requested_at  INTEGER NOT NULL,
  requested_uid INTEGER NOT NULL,
  requested_by  TEXT    NOT NULL,
  witnessed_at  INTEGER,
  witness_uid   INTEGER,
  witness_name  TEXT,
  ledger_seq    INTEGER REFERENCES ledger(seq)
);
CREATE INDEX ledger_printer ON ledger(printer, seq);
CREATE INDEX ledger_job ON ledger(job_id);
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
)sql"},
      {4,
       "card attempts (the station's journal, one issued card per job), printer pause "
       "switches, the job's chip serial",
       R"sql(
CREATE TABLE card_attempts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       INTEGER NOT NULL REFERENCES jobs(id),
  attempt      INTEGER NOT NULL CHECK (attempt >= 1),
  printer      TEXT    NOT NULL,
  step         TEXT    NOT NULL,
  outcome      TEXT    CHECK (outcome IN ('issued','spoiled','void')),
  reason       TEXT    NOT NULL DEFAULT '',
  detail       TEXT    NOT NULL DEFAULT '',
  chip_serial  TEXT,
  lot          TEXT,
  card_failure INTEGER NOT NULL DEFAULT 0 CHECK (card_failure IN (0, 1)),
  started_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  ended_at     INTEGER,
  UNIQUE (job_id, attempt),
  CHECK ((outcome IS NULL) = (ended_at IS NULL))
);
-- The exactly-once rule: at most one issued card per job.
CREATE UNIQUE INDEX card_attempts_one_issued ON card_attempts(job_id) WHERE outcome = 'issued';
-- Open attempts (crash recovery); at most one per job.
CREATE UNIQUE INDEX card_attempts_open ON card_attempts(job_id) WHERE outcome IS NULL;
CREATE INDEX card_attempts_ended ON card_attempts(ended_at) WHERE ended_at IS NOT NULL;
-- An attempt changes only while open, never changes whose it is, and is never deleted.
CREATE TRIGGER card_attempts_ended_update BEFORE UPDATE ON card_attempts
  WHEN OLD.outcome IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'an ended card attempt cannot change'); END;
CREATE TRIGGER card_attempts_identity_update
  BEFORE UPDATE OF id, job_id, attempt, printer, started_at ON card_attempts
  BEGIN SELECT RAISE(ABORT, 'a card attempt cannot change job, number, printer or start'); END;
CREATE TRIGGER card_attempts_no_delete BEFORE DELETE ON card_attempts
  BEGIN SELECT RAISE(ABORT, 'card attempts are never deleted'); END;
CREATE TABLE printer_settings (
  printer         TEXT    PRIMARY KEY,
  paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  reason          TEXT    NOT NULL DEFAULT '',
  changed_by_uid  INTEGER,
  changed_by_name TEXT,
  changed_at      INTEGER
);
ALTER TABLE jobs ADD COLUMN chip_serial TEXT;
)sql"},
      {5,
       "device health: fault log, printer and reader wear, maintenance log, alerts; "
       "consumption indexes on the ledger",
       R"sql(
-- The fault log. An entry changes once, when its condition clears; it is
-- never deleted. job_id / attempt_id have no foreign key: a fault is always
-- recorded.
CREATE TABLE faults (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  raised_at   INTEGER NOT NULL,
  cleared_at  INTEGER,
  device      TEXT    NOT NULL,
  device_kind TEXT    NOT NULL CHECK (device_kind IN ('printer','encoder')),
  reason      TEXT    NOT NULL,
  severity    TEXT    NOT NULL CHECK (severity IN ('report','warning','error')),
  raw         TEXT    NOT NULL DEFAULT '',
  job_id      INTEGER,
  attempt_id  INTEGER,
  CHECK (cleared_at IS NULL OR cleared_at >= raised_at)
);
CREATE INDEX faults_device ON faults(device, raised_at);
CREATE INDEX faults_raised ON faults(raised_at);
CREATE INDEX faults_reason ON faults(reason, raised_at);
CREATE INDEX faults_active ON faults(raised_at) WHERE cleared_at IS NULL;
CREATE TRIGGER faults_cleared_final BEFORE UPDATE ON faults
  WHEN OLD.cleared_at IS NOT NULL
  BEGIN SELECT RAISE(ABORT, 'a cleared fault cannot change'); END;
CREATE TRIGGER faults_only_clear BEFORE UPDATE ON faults
  WHEN NEW.cleared_at IS NULL OR NEW.id IS NOT OLD.id OR NEW.raised_at IS NOT OLD.raised_at
    OR NEW.device IS NOT OLD.device OR NEW.device_kind IS NOT OLD.device_kind
    OR NEW.reason IS NOT OLD.reason OR NEW.severity IS NOT OLD.severity
    OR NEW.raw IS NOT OLD.raw OR NEW.job_id IS NOT OLD.job_id
    OR NEW.attempt_id IS NOT OLD.attempt_id
  BEGIN SELECT RAISE(ABORT, 'a fault log entry only changes by being cleared'); END;
CREATE TRIGGER faults_no_delete BEFORE DELETE ON faults
  BEGIN SELECT RAISE(ABORT, 'the fault log is append-only'); END;
-- Wear as cardd counts it, one row per printer and one per printer's reader.
CREATE TABLE printer_wear (
  printer              TEXT    PRIMARY KEY,
  cards                INTEGER NOT NULL DEFAULT 0 CHECK (cards >= 0),
  panels               INTEGER NOT NULL DEFAULT 0 CHECK (panels >= 0),
  cards_since_cleaning INTEGER NOT NULL DEFAULT 0 CHECK (cards_since_cleaning >= 0),
  cleanings            INTEGER NOT NULL DEFAULT 0 CHECK (cleanings >= 0),
  last_cleaning_at     INTEGER,
  ribbon_changes       INTEGER NOT NULL DEFAULT 0 CHECK (ribbon_changes >= 0),
  cards_since_ribbon   INTEGER NOT NULL DEFAULT 0 CHECK (cards_since_ribbon >= 0),
  ribbon_loaded_at     INTEGER,
  busy_ms              INTEGER NOT NULL DEFAULT 0 CHECK (busy_ms >= 0),
  hot_ms               INTEGER NOT NULL DEFAULT 0 CHECK (hot_ms >= 0),
  forced_pauses        INTEGER NOT NULL DEFAULT 0 CHECK (forced_pauses >= 0),
  rest_ms              INTEGER NOT NULL DEFAULT 0 CHECK (rest_ms >= 0),
  head_installed_at    INTEGER NOT NULL DEFAULT 0,
  head_passes          INTEGER NOT NULL DEFAULT 0 CHECK (head_passes >= 0),
  updated_at           INTEGER NOT NULL
);
-- recent: the last 50 cards (kReaderWindow), oldest first, '1' a chip failure.
CREATE TABLE reader_wear (
  printer       TEXT    PRIMARY KEY,
  reader        TEXT    NOT NULL,
  installed_at  INTEGER NOT NULL,
  insertions    INTEGER NOT NULL DEFAULT 0 CHECK (insertions >= 0),
  chip_failures INTEGER NOT NULL DEFAULT 0 CHECK (chip_failures BETWEEN 0 AND insertions),
  recent        TEXT    NOT NULL DEFAULT ''
                CHECK (length(recent) <= 50 AND recent NOT GLOB '*[^01]*'),
  updated_at    INTEGER NOT NULL
);
-- Maintenance actions, append-only.
CREATE TABLE maintenance (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  printer TEXT    NOT NULL,
  action  TEXT    NOT NULL
          CHECK (action IN ('cleaning','printhead-replaced','reader-replaced','ribbon-loaded')),
  actor   TEXT    NOT NULL,
  note    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_printer ON maintenance(printer, id);
CREATE TRIGGER maintenance_append_only_update BEFORE UPDATE ON maintenance
  BEGIN SELECT RAISE(ABORT, 'the maintenance log is append-only'); END;
CREATE TRIGGER maintenance_append_only_delete BEFORE DELETE ON maintenance
  BEGIN SELECT RAISE(ABORT, 'the maintenance log is append-only'); END;
-- Alerts move forward only (raised -> acknowledged -> cleared, raised ->
-- cleared), their severity only upwards; at most one open alert per rule and
-- subject; never deleted.
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  rule            TEXT    NOT NULL,
  subject         TEXT    NOT NULL,
  severity        TEXT    NOT NULL CHECK (severity IN ('info','warning','critical')),
  state           TEXT    NOT NULL CHECK (state IN ('raised','acknowledged','cleared')),
  message         TEXT    NOT NULL,
  value           REAL    NOT NULL DEFAULT 0,
  threshold       REAL    NOT NULL DEFAULT 0,
  raised_at       INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT    NOT NULL DEFAULT '',
  cleared_at      INTEGER,
  CHECK ((state = 'cleared') = (cleared_at IS NOT NULL)),
  CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL)
);
CREATE UNIQUE INDEX alerts_open ON alerts(rule, subject) WHERE state <> 'cleared';
CREATE INDEX alerts_raised ON alerts(raised_at, id);
CREATE INDEX alerts_open_raised ON alerts(raised_at) WHERE state <> 'cleared';
CREATE TRIGGER alerts_cleared_final BEFORE UPDATE ON alerts
  WHEN OLD.state = 'cleared'
  BEGIN SELECT RAISE(ABORT, 'a cleared alert cannot change'); END;
CREATE TRIGGER alerts_forward_only BEFORE UPDATE OF state ON alerts
  WHEN NOT (NEW.state = OLD.state OR (OLD.state = 'raised' AND NEW.state IN ('acknowledged','cleared'))
            OR (OLD.state = 'acknowledged' AND NEW.state = 'cleared'))
  BEGIN SELECT RAISE(ABORT, 'an alert only moves forward: raised, acknowledged, cleared'); END;
CREATE TRIGGER alerts_severity_upwards BEFORE UPDATE OF severity ON alerts
  WHEN (CASE NEW.severity WHEN 'info' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END)
     < (CASE OLD.severity WHEN 'info' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END)
  BEGIN SELECT RAISE(ABORT, 'an alert''s severity is never lowered'); END;
CREATE TRIGGER alerts_identity_update BEFORE UPDATE OF id, rule, subject, raised_at ON alerts
  WHEN NEW.id IS NOT OLD.id OR NEW.rule IS NOT OLD.rule OR NEW.subject IS NOT OLD.subject
    OR NEW.raised_at IS NOT OLD.raised_at
  BEGIN SELECT RAISE(ABORT, 'an alert cannot change rule, subject or when it was raised'); END;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts
  BEGIN SELECT RAISE(ABORT, 'alerts are never deleted'); END;
-- Consumption history (dailyConsumption, cardsIssuedSince).
CREATE INDEX ledger_consumed_at ON ledger(at) WHERE kind IN ('issued','spoiled');
CREATE INDEX ledger_consumed_printer ON ledger(printer, at) WHERE kind IN ('issued','spoiled');
)sql"},
  };
  return kMigrations;
}

bool looksLikeSqlite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() == 0) return true;  // empty file: SQLite initialises it
  return in.gcount() == 16 && std::string(header, 15) == "SQLite format 3";
}

Error refuse(ErrorCode code, const std::string& path, const std::string& why) {
  return Error(code, "refusing the store " + path + ": " + why);
}

}  // namespace

const std::vector<Migration>& migrations() {
  return allMigrations();
}

Status migrateTo(Database& db, int target) {
  auto current = db.queryInt("PRAGMA user_version");
  if (!current) return std::move(current).error();
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st;
  for (const auto& m : allMigrations()) {
    if (m.version <= *current || m.version > target) continue;
    auto st = db.exec(m.sql);
    if (st) st = db.exec("PRAGMA user_version = " + std::to_string(m.version));
    if (!st) {
      (void)db.exec("ROLLBACK");
      return Error(st.error().code, "migration " + std::to_string(m.version) + " (" +
                                        m.description + ") failed: " + st.error().message);
    }
  }
  if (auto st = db.exec("PRAGMA application_id = " + std::to_string(kApplicationId)); !st) {
    (void)db.exec("ROLLBACK");
    return st;
  }
  return db.exec("COMMIT");
}

Result<std::unique_ptr<Database>> openStore(const std::string& path) {
  if (std::filesystem::exists(path) && !looksLikeSqlite(path)) {
    return refuse(ErrorCode::StoreCorrupt, path,
                  "it is not an SQLite database (damaged or a different file); restore a backup or "
                  "move it aside");
  }
  auto opened = Database::open(path, Database::Mode::ReadWrite);
  if (!opened) return std::move(opened).error();
  auto db = std::move(opened).value();

  auto fail = [&](const Error& e) {
    if (e.code == ErrorCode::StoreCorrupt) {
      return refuse(ErrorCode::StoreCorrupt, path,
                    e.message + "; restore a backup or move it aside");
    }
    return refuse(e.code, path, e.message);
  };

  // Identity first, before anything writes to the file.
  auto app_id = db->queryInt("PRAGMA application_id");
  if (!app_id) return fail(app_id.error());
  auto tables = db->queryInt("SELECT count(*) FROM sqlite_master");
  if (!tables) return fail(tables.error());
  if (*app_id != kApplicationId && !(*app_id == 0 && *tables == 0)) {
    return refuse(ErrorCode::StoreCorrupt, path, "it is an SQLite database, but not a cardd store");
  }
  auto version = db->queryInt("PRAGMA user_version");
  if (!version) return fail(version.error());
  if (*version > kSchemaVersion) {
    return refuse(ErrorCode::StoreTooNew, path,
                  "its schema version " + std::to_string(*version) +
                      " is newer than this cardd supports (" + std::to_string(kSchemaVersion) +
                      "); run a newer cardd or restore a backup made by this one");
  }

  if (auto st = db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA "
                         "foreign_keys = ON; PRAGMA cache_size = -1024;");
      !st) {
    return fail(st.error());
  }
  {
    auto check = db->prepare("PRAGMA quick_check");
    if (!check) return fail(check.error());
    auto row = check->step();
    if (!row) return fail(row.error());
    const std::string verdict = *row ? check->columnText(0) : "no answer";
    check->reset();
    if (verdict != "ok")
      return refuse(ErrorCode::StoreCorrupt, path, "integrity check failed: " + verdict);
  }
  if (*version < kSchemaVersion) {
    if (auto st = migrateTo(*db, kSchemaVersion); !st) return fail(st.error());
  }
  return db;
}

Result<std::unique_ptr<Database>> openStoreReader(const std::string& path) {
  auto opened = Database::open(path, Database::Mode::ReadWrite);
  if (!opened) return std::move(opened).error();
  auto db = std::move(opened).value();
  if (auto st = db->exec("PRAGMA query_only = ON; PRAGMA cache_size = -1024;"); !st)
    return std::move(st).error();
  return db;
}

}  // namespace cardd
