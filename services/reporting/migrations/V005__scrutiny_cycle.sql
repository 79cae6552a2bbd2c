-- The scrutiny cycle (issue 15): the records of the programme of rounds, the scrutineer's
-- reports and the annual report drafts, as the feed brings them to the reporting account.
-- Records travel as binary protobuf, with the columns the reports select and order by.

-- Planned rounds: the programme, for the annual report section's "what was scrutinised".
CREATE TABLE planned_rounds (
  planned_round_id text PRIMARY KEY,
  partnership_id   text NOT NULL,
  region_id        text NOT NULL,
  state            text NOT NULL,
  open_date        date NOT NULL,
  -- The round it opened, once opened ('' before).
  assessment_id    text NOT NULL DEFAULT '',
  record           bytea NOT NULL
);
CREATE INDEX planned_rounds_by_partnership ON planned_rounds (partnership_id, open_date);

-- Versions of the scrutineer's reports. The feed gives the reporting account (a viewer on
-- '*') shared and published versions only: a draft's change arrives without its record.
-- Reports read only the published ones.
CREATE TABLE scrutiny_reports (
  assessment_id  text NOT NULL,
  version        integer NOT NULL,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  state          text NOT NULL,
  publish_time   timestamptz,
  record         bytea NOT NULL,
  PRIMARY KEY (assessment_id, version)
);
CREATE INDEX scrutiny_reports_published_by_partnership
  ON scrutiny_reports (partnership_id, publish_time) WHERE state = 'STATE_PUBLISHED';

-- Drafts of the partnership's annual report with the scrutineer's comments (c16).
CREATE TABLE annual_report_drafts (
  partnership_id text NOT NULL,
  draft_id       text NOT NULL,
  year           text NOT NULL,
  record         bytea NOT NULL,
  PRIMARY KEY (partnership_id, draft_id)
);
