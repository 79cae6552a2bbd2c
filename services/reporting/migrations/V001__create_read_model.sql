-- The reporting read model: denormalised copies of what the assessment feed says, plus
-- framework versions and partnership names fetched once (and refreshed) from their
-- services. Reporting never reads another service's tables. The feed cursor is updated
-- in the same transaction as the rows a change touches, so a restart neither skips nor
-- applies twice.

CREATE TABLE feed_cursor (
  id          integer PRIMARY KEY CHECK (id = 1),
  sequence    bigint NOT NULL,
  change_time timestamptz,
  update_time timestamptz NOT NULL DEFAULT now()
);
INSERT INTO feed_cursor (id, sequence) VALUES (1, 0);

-- Published framework versions never change: fetched once each.
CREATE TABLE frameworks (
  framework_version text PRIMARY KEY,
  content           bytea NOT NULL
);

CREATE TABLE regions (
  region_id    text PRIMARY KEY,
  display_name text NOT NULL
);

CREATE TABLE partnerships (
  partnership_id text PRIMARY KEY,
  region_id      text NOT NULL,
  display_name   text NOT NULL,
  regional_comparison_opt_out boolean NOT NULL DEFAULT false,
  refresh_time   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partnerships_by_region ON partnerships (region_id);

CREATE TABLE organisations (
  partnership_id  text NOT NULL,
  organisation_id text NOT NULL,
  display_name    text NOT NULL,
  PRIMARY KEY (partnership_id, organisation_id)
);

CREATE TABLE rounds (
  assessment_id     text PRIMARY KEY,
  partnership_id    text NOT NULL,
  region_id         text NOT NULL,
  framework_version text NOT NULL,
  kind              text NOT NULL,
  state             text NOT NULL,
  finalise_time     timestamptz,
  record            bytea NOT NULL
);
CREATE INDEX rounds_finalised ON rounds (partnership_id, kind, finalise_time DESC)
  WHERE state = 'STATE_FINALISED';
CREATE INDEX rounds_finalised_by_region ON rounds (region_id, partnership_id, finalise_time DESC)
  WHERE state = 'STATE_FINALISED';

CREATE TABLE respondents (
  assessment_id text NOT NULL,
  respondent_id text NOT NULL,
  record        bytea NOT NULL,
  PRIMARY KEY (assessment_id, respondent_id)
);

CREATE TABLE responses (
  assessment_id text NOT NULL,
  respondent_id text NOT NULL,
  question_id   text NOT NULL,
  record        bytea NOT NULL,
  PRIMARY KEY (assessment_id, respondent_id, question_id)
);

CREATE TABLE consolidations (
  assessment_id text NOT NULL,
  question_id   text NOT NULL,
  record        bytea NOT NULL,
  PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE challenges (
  assessment_id text NOT NULL,
  challenge_id  text NOT NULL,
  record        bytea NOT NULL,
  PRIMARY KEY (assessment_id, challenge_id)
);

CREATE TABLE actions (
  action_id      text PRIMARY KEY,
  assessment_id  text NOT NULL,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  status         text NOT NULL,
  due_date       date NOT NULL,
  record         bytea NOT NULL
);
CREATE INDEX actions_by_assessment ON actions (assessment_id);
CREATE INDEX actions_open_by_partnership ON actions (partnership_id, due_date)
  WHERE status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS');
CREATE INDEX actions_open_by_region ON actions (region_id, due_date)
  WHERE status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS');
