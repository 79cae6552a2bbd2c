-- The notification service's own state: where it is in the assessment change feed, the
-- facts its rules need from earlier changes (rounds, respondents, open actions), the rule
-- switches of each partnership, and every notice it composed (the outbox). The cursor is
-- updated in the same transaction as the facts and notices a change gives, so a restart
-- neither skips a change nor composes its notices twice.

CREATE TABLE feed_cursor (
  id          integer PRIMARY KEY CHECK (id = 1),
  sequence    bigint NOT NULL,
  update_time timestamptz NOT NULL DEFAULT now()
);
INSERT INTO feed_cursor (id, sequence) VALUES (1, 0);

-- Changes that could not be applied for a reason retrying cannot cure: set aside so that
-- one bad change never stops notices for everyone else.
CREATE TABLE feed_quarantine (
  sequence        bigint PRIMARY KEY,
  partnership_id  text NOT NULL DEFAULT '',
  kind            text NOT NULL DEFAULT '',
  error           text NOT NULL,
  record          bytea,
  quarantine_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rounds (
  assessment_id  text PRIMARY KEY,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  title          text NOT NULL,
  state          text NOT NULL
);

CREATE TABLE respondents (
  assessment_id   text NOT NULL,
  respondent_id   text NOT NULL,
  -- "partnerships/{p}/organisations/{o}", or empty for a scrutineer.
  organisation    text NOT NULL DEFAULT '',
  -- "users/{u}", or empty for an organisation.
  scrutineer      text NOT NULL DEFAULT '',
  PRIMARY KEY (assessment_id, respondent_id)
);

-- Actions as the feed last showed them: what the time rules read.
CREATE TABLE actions (
  action_id          text PRIMARY KEY,
  partnership_id     text NOT NULL,
  region_id          text NOT NULL,
  assessment_id      text NOT NULL,
  description        text NOT NULL,
  owner_organisation text NOT NULL,
  due_date           date,
  open               boolean NOT NULL
);
CREATE INDEX actions_open_by_due ON actions (due_date) WHERE open;

-- A rule switched off for a partnership; a rule with no row is on.
CREATE TABLE rule_switches (
  partnership_id text NOT NULL,
  rule           text NOT NULL,
  enabled        boolean NOT NULL,
  update_time    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partnership_id, rule)
);

-- Every notice composed. idempotency_key (rule, subject record, due date, recipient) is
-- unique: a notice is composed once however often its change or day is seen again.
CREATE TABLE deliveries (
  delivery_id            bigserial PRIMARY KEY,
  idempotency_key        text NOT NULL UNIQUE,
  rule                   text NOT NULL,
  partnership_id         text NOT NULL,
  region_id              text NOT NULL,
  about                  text NOT NULL,
  recipient              text NOT NULL,
  recipient_email        text NOT NULL,
  recipient_display_name text NOT NULL,
  subject                text NOT NULL,
  text_body              text NOT NULL,
  html_body              text NOT NULL,
  -- 'outbox', 'pending', 'sent', 'failed'
  state                  text NOT NULL,
  attempts               integer NOT NULL DEFAULT 0,
  last_error             text NOT NULL DEFAULT '',
  create_time            timestamptz NOT NULL DEFAULT now(),
  send_time              timestamptz,
  -- A pending delivery is not tried again before this.
  next_attempt_time      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_by_partnership ON deliveries (partnership_id, delivery_id DESC);
CREATE INDEX deliveries_by_region ON deliveries (region_id, delivery_id DESC);
CREATE INDEX deliveries_by_recipient ON deliveries (recipient, delivery_id DESC);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_time) WHERE state = 'pending';
