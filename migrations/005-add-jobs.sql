-- Jobs: generations queued for workers. Dialect-neutral: runs unchanged on SQLite and PostgreSQL.
-- A job's id is its generation's id, and its status is the generation's (which gains `queued`):
-- one record in the history per job, however many times workers run it. This table holds what
-- only a job has: its runs, its stage, its lease and its callback.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  callback_url TEXT,
  -- Times a worker started it (a run cut short by a dead worker counts).
  attempts INTEGER NOT NULL DEFAULT 0,
  stage TEXT,
  -- When it last entered the queue (its wait is measured from here), and when it may run (backoff).
  queued_at TEXT NOT NULL,
  available_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  -- The worker running it, and until when its claim holds unless renewed (stall detection).
  worker_id TEXT,
  lease_until TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0
);

-- The queue's order, a worker's jobs, stalled runs, and the finished jobs to purge. The status of
-- a job is looked up by generations_status_created_idx (migration 001).
CREATE INDEX jobs_queued_at_idx ON jobs (queued_at, id);
CREATE INDEX jobs_worker_idx ON jobs (worker_id);
CREATE INDEX jobs_lease_until_idx ON jobs (lease_until);
CREATE INDEX jobs_finished_at_idx ON jobs (finished_at);

-- The events of a job's current run, for subscribers in any process; a new run starts a new list.
CREATE TABLE job_events (
  job_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- Worker processes, as their heart-beats describe them (health lists them).
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  concurrency INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  last_seen TEXT NOT NULL
);
