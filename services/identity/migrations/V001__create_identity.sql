-- Identity: the tenancy tree (regions, partnerships, organisations), principals (users
-- and service accounts), what they may do (role bindings), and how they prove who they
-- are (password hashes, API key hashes, refresh token hashes, signing keys). Secrets are
-- stored only as hashes, or sealed with the deployment's key-encryption key.

CREATE TABLE regions (
  region_id    text PRIMARY KEY CHECK (region_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
  display_name text NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partnerships (
  partnership_id text PRIMARY KEY CHECK (partnership_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
  region_id      text NOT NULL REFERENCES regions (region_id),
  display_name   text NOT NULL,
  regional_comparison_opt_out boolean NOT NULL DEFAULT false,
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partnerships_by_region ON partnerships (region_id, partnership_id);

CREATE TABLE organisations (
  partnership_id  text NOT NULL REFERENCES partnerships (partnership_id),
  organisation_id text NOT NULL CHECK (organisation_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
  display_name    text NOT NULL,
  kind            text NOT NULL,
  core_partner    boolean NOT NULL DEFAULT false,
  create_time     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partnership_id, organisation_id)
);

CREATE TABLE users (
  user_id       text PRIMARY KEY,
  email         text NOT NULL,
  display_name  text NOT NULL,
  -- Argon2id, in libsodium's self-describing string form.
  password_hash text NOT NULL,
  disabled      boolean NOT NULL DEFAULT false,
  create_time   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE service_accounts (
  service_account_id text PRIMARY KEY,
  display_name       text NOT NULL,
  -- 'regions/{r}' or 'partnerships/{p}': whose administrators manage it.
  owner              text NOT NULL,
  owner_region_id    text NOT NULL REFERENCES regions (region_id),
  create_time        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  api_key_id         text PRIMARY KEY,
  service_account_id text NOT NULL REFERENCES service_accounts (service_account_id),
  display_name       text NOT NULL,
  -- SHA-256 of the secret: the secret has 256 bits of entropy, so no slow hash is needed.
  secret_hash        bytea NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT now(),
  expire_time        timestamptz NOT NULL,
  revoke_time        timestamptz
);
CREATE INDEX api_keys_by_account ON api_keys (service_account_id, api_key_id);

CREATE TABLE role_bindings (
  role_binding_id text PRIMARY KEY,
  -- 'users/{id}' or 'serviceAccounts/{id}'.
  principal       text NOT NULL,
  role            text NOT NULL,
  -- '*' for the whole deployment; otherwise the region, also for partnership bindings.
  region_id       text NOT NULL,
  partnership_id  text NOT NULL DEFAULT '',
  organisation_id text NOT NULL DEFAULT '',
  create_time     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (principal, role, region_id, partnership_id, organisation_id)
);
CREATE INDEX role_bindings_by_scope ON role_bindings (region_id, partnership_id);

CREATE TABLE refresh_tokens (
  token_hash  bytea PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users (user_id),
  create_time timestamptz NOT NULL DEFAULT now(),
  expire_time timestamptz NOT NULL,
  revoke_time timestamptz
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);

-- Failed sign-ins per email address, existing or not, so that throttling behaves the
-- same whether or not an account exists.
CREATE TABLE sign_in_throttle (
  email_key       text PRIMARY KEY,
  failures        integer NOT NULL DEFAULT 0,
  last_failure    timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz
);

CREATE TABLE signing_keys (
  key_id             text PRIMARY KEY,
  public_key         bytea NOT NULL,
  -- The Ed25519 private key sealed with the key-encryption key (libsodium secretbox).
  private_key_sealed bytea NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT now(),
  -- When it stopped signing; NULL for the current key.
  rotate_time        timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((rotate_time IS NULL))
  WHERE rotate_time IS NULL;

CREATE TABLE audit_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time      timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text NOT NULL DEFAULT '',
  region_id text NOT NULL DEFAULT '',
  detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_region ON audit_events (region_id, id);
