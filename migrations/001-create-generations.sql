-- The generation history. Dialect-neutral: runs unchanged on SQLite and PostgreSQL.
-- Timestamps are ISO-8601 UTC strings of fixed width, so they sort as text.
CREATE TABLE generations (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  status TEXT NOT NULL,
  programming_language TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  request TEXT NOT NULL,
  result TEXT,
  attempts TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  llm_calls INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER,
  error TEXT
);

CREATE INDEX generations_created_idx ON generations (created_at, id);
CREATE INDEX generations_language_created_idx ON generations (programming_language, created_at, id);
CREATE INDEX generations_status_created_idx ON generations (status, created_at, id);
