-- Sign-in backoff per email address and client (peer address), replacing the per-address
-- lock of sign_in_throttle, which anyone knowing an address could set. Each password
-- check claims an attempt here first (failures = failures + 1 under the row lock), so
-- parallel guesses are all counted. sign_in_throttle stays for replicas of the previous
-- release during a rolling upgrade; this release neither reads nor writes it, except that
-- UnlockUser clears it.
CREATE TABLE sign_in_backoff (
  email_key    text NOT NULL CHECK (length(email_key) <= 254),
  client       text NOT NULL CHECK (length(client) <= 64),
  failures     integer NOT NULL DEFAULT 0,
  last_failure timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email_key, client)
);

-- Refresh-token families: a sign-in starts one, each exchange adds the successor to it, and
-- replaying an exchanged token revokes the whole family. Tokens of the previous release
-- have no family (NULL): each is a family of its own, named by its hash.
ALTER TABLE refresh_tokens ADD COLUMN family_id text;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id) WHERE family_id IS NOT NULL;
