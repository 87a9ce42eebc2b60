-- The error of a generation in two columns: its catalogue code and its detail. Until now one
-- text held "CODE: detail" (or, for a partial generation, only the detail). Dialect-neutral: runs
-- unchanged on SQLite and PostgreSQL, which share no function to find a separator, so each code
-- of the catalogue as it stood is taken off by its own statement.
ALTER TABLE generations ADD COLUMN error_code TEXT;

UPDATE generations SET error_code = 'APP_ERR_VALIDATION', error = substr(error, 21) WHERE error_code IS NULL AND error LIKE 'APP_ERR_VALIDATION: %';
UPDATE generations SET error_code = 'APP_ERR_MALFORMED_BODY', error = substr(error, 25) WHERE error_code IS NULL AND error LIKE 'APP_ERR_MALFORMED_BODY: %';
UPDATE generations SET error_code = 'APP_ERR_LANGUAGE_UNSUPPORTED', error = substr(error, 31) WHERE error_code IS NULL AND error LIKE 'APP_ERR_LANGUAGE_UNSUPPORTED: %';
UPDATE generations SET error_code = 'APP_ERR_NOT_FOUND', error = substr(error, 20) WHERE error_code IS NULL AND error LIKE 'APP_ERR_NOT_FOUND: %';
UPDATE generations SET error_code = 'APP_ERR_ROUTE_NOT_FOUND', error = substr(error, 26) WHERE error_code IS NULL AND error LIKE 'APP_ERR_ROUTE_NOT_FOUND: %';
UPDATE generations SET error_code = 'APP_ERR_METHOD_NOT_ALLOWED', error = substr(error, 29) WHERE error_code IS NULL AND error LIKE 'APP_ERR_METHOD_NOT_ALLOWED: %';
UPDATE generations SET error_code = 'APP_ERR_REQUEST_TIMEOUT', error = substr(error, 26) WHERE error_code IS NULL AND error LIKE 'APP_ERR_REQUEST_TIMEOUT: %';
UPDATE generations SET error_code = 'APP_ERR_BODY_TOO_LARGE', error = substr(error, 25) WHERE error_code IS NULL AND error LIKE 'APP_ERR_BODY_TOO_LARGE: %';
UPDATE generations SET error_code = 'APP_ERR_UNSUPPORTED_MEDIA_TYPE', error = substr(error, 33) WHERE error_code IS NULL AND error LIKE 'APP_ERR_UNSUPPORTED_MEDIA_TYPE: %';
UPDATE generations SET error_code = 'APP_ERR_HEADERS_TOO_LARGE', error = substr(error, 28) WHERE error_code IS NULL AND error LIKE 'APP_ERR_HEADERS_TOO_LARGE: %';
UPDATE generations SET error_code = 'APP_ERR_ANALYSIS_TIMEOUT', error = substr(error, 27) WHERE error_code IS NULL AND error LIKE 'APP_ERR_ANALYSIS_TIMEOUT: %';
UPDATE generations SET error_code = 'APP_ERR_ANALYSIS_MEMORY', error = substr(error, 26) WHERE error_code IS NULL AND error LIKE 'APP_ERR_ANALYSIS_MEMORY: %';
UPDATE generations SET error_code = 'APP_ERR_LANGUAGE_UNDETECTED', error = substr(error, 30) WHERE error_code IS NULL AND error LIKE 'APP_ERR_LANGUAGE_UNDETECTED: %';
UPDATE generations SET error_code = 'APP_ERR_RATE_LIMITED', error = substr(error, 23) WHERE error_code IS NULL AND error LIKE 'APP_ERR_RATE_LIMITED: %';
UPDATE generations SET error_code = 'APP_ERR_INTERNAL', error = substr(error, 19) WHERE error_code IS NULL AND error LIKE 'APP_ERR_INTERNAL: %';
UPDATE generations SET error_code = 'APP_ERR_PROVIDER_NOT_CONFIGURED', error = substr(error, 34) WHERE error_code IS NULL AND error LIKE 'APP_ERR_PROVIDER_NOT_CONFIGURED: %';
UPDATE generations SET error_code = 'APP_ERR_PROVIDER_UNAVAILABLE', error = substr(error, 31) WHERE error_code IS NULL AND error LIKE 'APP_ERR_PROVIDER_UNAVAILABLE: %';
UPDATE generations SET error_code = 'APP_ERR_PROVIDER_TIMEOUT', error = substr(error, 27) WHERE error_code IS NULL AND error LIKE 'APP_ERR_PROVIDER_TIMEOUT: %';
UPDATE generations SET error_code = 'APP_ERR_PROVIDER_REJECTED', error = substr(error, 28) WHERE error_code IS NULL AND error LIKE 'APP_ERR_PROVIDER_REJECTED: %';
UPDATE generations SET error_code = 'APP_ERR_PROVIDER_REPLY_TOO_BIG', error = substr(error, 33) WHERE error_code IS NULL AND error LIKE 'APP_ERR_PROVIDER_REPLY_TOO_BIG: %';
UPDATE generations SET error_code = 'APP_ERR_IDEMPOTENCY_MISMATCH', error = substr(error, 31) WHERE error_code IS NULL AND error LIKE 'APP_ERR_IDEMPOTENCY_MISMATCH: %';
UPDATE generations SET error_code = 'APP_ERR_IDEMPOTENCY_IN_PROGRESS', error = substr(error, 34) WHERE error_code IS NULL AND error LIKE 'APP_ERR_IDEMPOTENCY_IN_PROGRESS: %';
UPDATE generations SET error_code = 'APP_ERR_OVERLOADED', error = substr(error, 21) WHERE error_code IS NULL AND error LIKE 'APP_ERR_OVERLOADED: %';
UPDATE generations SET error_code = 'APP_ERR_GENERATION_CANCELLED', error = substr(error, 31) WHERE error_code IS NULL AND error LIKE 'APP_ERR_GENERATION_CANCELLED: %';
UPDATE generations SET error_code = 'APP_ERR_GENERATION_FINISHED', error = substr(error, 30) WHERE error_code IS NULL AND error LIKE 'APP_ERR_GENERATION_FINISHED: %';
UPDATE generations SET error_code = 'APP_ERR_GENERATION_INTERRUPTED', error = substr(error, 33) WHERE error_code IS NULL AND error LIKE 'APP_ERR_GENERATION_INTERRUPTED: %';
UPDATE generations SET error_code = 'APP_ERR_DEPENDENCY_DOWN', error = substr(error, 26) WHERE error_code IS NULL AND error LIKE 'APP_ERR_DEPENDENCY_DOWN: %';
UPDATE generations SET error_code = 'APP_ERR_SHUTTING_DOWN', error = substr(error, 24) WHERE error_code IS NULL AND error LIKE 'APP_ERR_SHUTTING_DOWN: %';

ALTER TABLE generations RENAME COLUMN error TO error_detail;
