-- The scrutineer's report (issue 15): one row per version of a round's report, the
-- partners' concerns about the scrutiny, and the annual report's drafts for comment.
-- Records travel as binary protobuf like every other table here; the etag is row_version.
-- Additive only: the previous release never reads these tables.
CREATE TABLE scrutiny_reports (
  assessment_id text NOT NULL REFERENCES assessments (assessment_id),
  version       integer NOT NULL CHECK (version > 0),
  state         text NOT NULL CHECK (state IN ('draft', 'shared', 'published')),
  row_version   bigint NOT NULL DEFAULT 1,
  record        bytea NOT NULL,
  create_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assessment_id, version)
);

CREATE TABLE scrutiny_concerns (
  concern_id     text PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  raised_by      text NOT NULL,
  row_version    bigint NOT NULL DEFAULT 1,
  record         bytea NOT NULL
);
CREATE INDEX scrutiny_concerns_by_partnership ON scrutiny_concerns (partnership_id, seq);

CREATE TABLE annual_report_drafts (
  draft_id       text PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  row_version    bigint NOT NULL DEFAULT 1,
  record         bytea NOT NULL
);
CREATE INDEX annual_report_drafts_by_partnership ON annual_report_drafts (partnership_id, seq);
