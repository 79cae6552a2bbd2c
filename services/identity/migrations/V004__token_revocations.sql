-- Access tokens revoked before they expire. Every service verifies tokens locally, so
-- identity publishes these rows (ListTokenRevocations) and the verifiers refuse matching
-- tokens. A row is needed only while a token it revokes can still be valid: expire_time is
-- when the last of them expires, and older rows are deleted, so the list stays small.

-- Every token of `principal` issued before not_before: a role binding removed, a password
-- changed. One row per principal, keeping the latest time.
CREATE TABLE revoked_principal_tokens (
  principal   text PRIMARY KEY,
  not_before  timestamptz NOT NULL,
  expire_time timestamptz NOT NULL
);
CREATE INDEX revoked_principal_tokens_by_expiry ON revoked_principal_tokens (expire_time);

-- Every token issued by signing in with the API key: the key was revoked.
CREATE TABLE revoked_api_key_tokens (
  api_key_id  text PRIMARY KEY,
  expire_time timestamptz NOT NULL
);
CREATE INDEX revoked_api_key_tokens_by_expiry ON revoked_api_key_tokens (expire_time);
