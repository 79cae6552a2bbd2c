-- Scrutiny rounds and everything recorded in them. Each record is kept whole as its
-- protobuf (record bytea), with the columns queries filter and order on beside it.
-- Nothing is overwritten silently: every change bumps row_version (the etag), appends a
-- revision, and appends a change to the feed in the same transaction.

CREATE TABLE assessments (
  assessment_id     text PRIMARY KEY,
  -- Creation order, for listing newest first with keyset pages.
  seq               bigint GENERATED ALWAYS AS IDENTITY,
  partnership_id    text NOT NULL,
  region_id         text NOT NULL,
  framework_version text NOT NULL,
  -- The framework version's tree as it was published: pinned for good.
  framework         bytea NOT NULL,
  kind              text NOT NULL,
  state             text NOT NULL CHECK (state IN ('draft', 'in_review', 'finalised')),
  row_version       bigint NOT NULL DEFAULT 1,
  record            bytea NOT NULL,
  create_time       timestamptz NOT NULL DEFAULT now(),
  finalise_time     timestamptz
);
CREATE UNIQUE INDEX assessments_seq ON assessments (seq);
CREATE INDEX assessments_by_partnership ON assessments (partnership_id, seq);
CREATE INDEX assessments_by_region ON assessments (region_id, seq);
-- The previous finalised round of a partnership and kind.
CREATE INDEX assessments_finalised ON assessments (partnership_id, kind, finalise_time)
  WHERE state = 'finalised';

CREATE TABLE respondents (
  assessment_id  text NOT NULL REFERENCES assessments (assessment_id),
  respondent_id  text NOT NULL,
  organisation   text NOT NULL DEFAULT '',
  scrutineer     text NOT NULL DEFAULT '',
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, respondent_id)
);
-- One respondent entry per organisation or scrutineer in a round.
CREATE UNIQUE INDEX respondents_unique_party ON respondents (assessment_id, organisation, scrutineer);

CREATE TABLE responses (
  assessment_id  text NOT NULL,
  respondent_id  text NOT NULL,
  question_id    text NOT NULL,
  rating         text NOT NULL,
  row_version    bigint NOT NULL DEFAULT 1,
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, respondent_id, question_id),
  FOREIGN KEY (assessment_id, respondent_id) REFERENCES respondents (assessment_id, respondent_id)
);
CREATE INDEX responses_by_question ON responses (assessment_id, question_id);

CREATE TABLE consolidations (
  assessment_id  text NOT NULL REFERENCES assessments (assessment_id),
  question_id    text NOT NULL,
  rating         text NOT NULL,
  row_version    bigint NOT NULL DEFAULT 1,
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE challenges (
  assessment_id  text NOT NULL REFERENCES assessments (assessment_id),
  challenge_id   text NOT NULL,
  state          text NOT NULL CHECK (state IN ('open', 'answered', 'closed')),
  row_version    bigint NOT NULL DEFAULT 1,
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, challenge_id)
);

-- The partnership's current answer to each context question; the answer as it stood at
-- each finalised round is in finalised_revisions.
CREATE TABLE context_answers (
  partnership_id      text NOT NULL,
  context_question_id text NOT NULL,
  row_version         bigint NOT NULL DEFAULT 1,
  record              bytea NOT NULL,
  PRIMARY KEY (partnership_id, context_question_id)
);

-- A round exactly as it was finalised, one row per finalised revision.
CREATE TABLE finalised_revisions (
  assessment_id  text NOT NULL REFERENCES assessments (assessment_id),
  revision       integer NOT NULL,
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, revision)
);

-- The history of every record, append-only.
CREATE TABLE revisions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_name  text NOT NULL,
  record       bytea NOT NULL
);
CREATE INDEX revisions_by_record ON revisions (record_name, id);

-- The change feed (an outbox written in the same transaction as the change). Sequence
-- numbers come from feed_counter, whose row lock is held to commit, so they commit in
-- order and a reader never sees a later number before an earlier one: no gaps.
CREATE TABLE feed_counter (
  id   integer PRIMARY KEY CHECK (id = 1),
  last bigint NOT NULL
);
INSERT INTO feed_counter VALUES (1, 0);

CREATE TABLE changes (
  sequence       bigint PRIMARY KEY,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  record         bytea NOT NULL
);

-- Creates from integrators carry a request id: the first result is kept and returned
-- again for a repeat.
CREATE TABLE client_requests (
  principal    text NOT NULL,
  request_id   text NOT NULL,
  method       text NOT NULL,
  request_hash bytea NOT NULL,
  response     bytea NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, request_id)
);
CREATE INDEX changes_by_partnership ON changes (partnership_id, sequence);
CREATE INDEX changes_by_region ON changes (region_id, sequence);
