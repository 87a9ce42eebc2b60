-- Users, their credentials, the audit trail, runtime settings and verification runs (issue:
-- access). Dialect-neutral: runs unchanged on SQLite and PostgreSQL. No secret is stored in clear:
-- passwords are scrypt hashes, API keys and refresh tokens SHA-256 digests.

-- The user who asked for a generation (and so owns its job); null when AUTH is off.
ALTER TABLE generations ADD COLUMN user_id TEXT;
-- One's own history, newest first, and the budgets' counts of a user's recent generations.
CREATE INDEX generations_user_created_idx ON generations (user_id, created_at, id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  password_hash TEXT,
  admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  -- Budget overrides (JSON object); absent fields use the settings' defaults.
  limits TEXT NOT NULL DEFAULT '{}',
  -- A user created from an external identity provider's token: its iss and sub.
  issuer TEXT,
  subject TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT
);
CREATE UNIQUE INDEX users_name_idx ON users (name);
-- NULLs are distinct in both dialects, so local users (no issuer) never collide here.
CREATE UNIQUE INDEX users_subject_idx ON users (issuer, subject);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (key_hash);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at);

CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  family TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE UNIQUE INDEX refresh_tokens_hash_idx ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  actor_id TEXT,
  actor_name TEXT,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}',
  ip TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
-- The login limiter counts recent failures per user name and per address.
CREATE INDEX audit_log_action_target_idx ON audit_log (action, target, at);
CREATE INDEX audit_log_action_ip_idx ON audit_log (action, ip, at);

-- Runtime settings (JSON values) that override the environment's starting values.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT
);

-- Sandbox verification runs, counted against verify_runs_per_day and reported as usage.
CREATE TABLE verify_runs (
  id TEXT PRIMARY KEY,
  user_id TEXT,
  created_at TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX verify_runs_user_created_idx ON verify_runs (user_id, created_at);
