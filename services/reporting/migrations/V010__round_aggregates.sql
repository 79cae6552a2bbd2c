-- Per-round aggregates the consumer keeps for the regional overview (issue 18, Reads), so
-- that the overview reads one small row per partnership instead of every finalised
-- round's record and consolidations.
--
-- round_aggregates: a finalised round's figures (a RegionalRow without names: the round,
-- its period end, per step the rating counts and heat, the round's counts), rewritten in
-- the apply transaction of every change to the round. Rounds finalised before this
-- migration are filled in by the consumer when it next takes the lead.
CREATE TABLE round_aggregates (
  assessment_id  text PRIMARY KEY,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  kind           text NOT NULL,
  finalise_time  timestamptz NOT NULL,
  figures        bytea NOT NULL
);
-- The overview's probe: a partnership's latest finalised round of a kind.
CREATE INDEX round_aggregates_latest
  ON round_aggregates (partnership_id, kind, finalise_time DESC) INCLUDE (region_id);

-- The overview's chart of overdue actions per partnership at each quarter end, counted in
-- SQL: the day an action was created and the day it was closed (done or cancelled; NULL
-- while open), both UTC, as the reports date them. NULL create_date: not filled in yet
-- (the consumer fills in rows from before this migration when it next takes the lead).
ALTER TABLE actions ADD COLUMN create_date date;
ALTER TABLE actions ADD COLUMN closed_date date;
CREATE INDEX actions_history_by_region ON actions (region_id)
  INCLUDE (partnership_id, create_date, due_date, closed_date);
