-- A cardd store as schema version 1 wrote it (cardd 0.1.0-dev), with data.
-- Golden fixture: never regenerate it from the current code.
PRAGMA application_id = 1128354372;
PRAGMA user_version = 1;
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
INSERT INTO jobs VALUES (1, 'completed', 'job-completed-successfully', 50, 'ektp-specimen', 'cardd-eid', 'k-1', 1000, 'clerk', '{}', 10, 0, 1764000000000, 1764000100000);
INSERT INTO jobs VALUES (2, 'pending-held', 'job-hold-until-specified', 70, 'ektp-specimen', 'cardd-eid', 'k-2', 1000, 'clerk', '{}', 10, 2, 1764000200000, 1764000300000);
INSERT INTO jobs VALUES (5, 'pending', 'job-queued', 50, 'ektp-specimen', 'cardd-eid', NULL, 1001, 'clerk2', '{}', 10, 0, 1764000400000, 1764000400000);
INSERT INTO events VALUES (1, 1764000000000, 'job-created', 1, NULL, 'pending', 'job-queued', 1000, 'clerk');
INSERT INTO events VALUES (2, 1764000100000, 'job-state-changed', 1, 'pending', 'completed', 'job-completed-successfully', 0, 'root');
INSERT INTO events VALUES (3, 1764000200000, 'job-created', 2, NULL, 'pending-held', 'job-hold-until-specified', 1000, 'clerk');
INSERT INTO events VALUES (4, 1764000400000, 'job-created', 5, NULL, 'pending', 'job-queued', 1001, 'clerk2');
-- jobs 3 and 4 were deleted by hand once; their ids must never come back.
UPDATE sqlite_sequence SET seq = 5 WHERE name = 'jobs';
