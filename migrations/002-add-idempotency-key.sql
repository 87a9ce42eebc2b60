-- Idempotency-Key support. Dialect-neutral: runs unchanged on SQLite and PostgreSQL.
-- Both engines treat NULLs as distinct in a UNIQUE index, so requests without a key never collide.
ALTER TABLE generations ADD COLUMN idempotency_key TEXT;
ALTER TABLE generations ADD COLUMN request_hash TEXT;

CREATE UNIQUE INDEX generations_idempotency_key_idx ON generations (idempotency_key);
CREATE INDEX generations_request_hash_idx ON generations (request_hash);
