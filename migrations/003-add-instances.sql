-- Crash recovery. Dialect-neutral: runs unchanged on SQLite and PostgreSQL.
-- Each API process has an instance id and heart-beats into `instances`; a generation records the
-- instance that runs it, so that a `running` record whose process has stopped beating can be
-- marked `interrupted` by a live process (or by the next start-up).
ALTER TABLE generations ADD COLUMN instance_id TEXT;

-- `host` and `pid` let a process on the same host tell at once that a peer has died.
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  last_seen TEXT NOT NULL
);
