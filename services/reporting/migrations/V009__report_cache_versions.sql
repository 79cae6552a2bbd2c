-- The versions a replica's cached assessment reports are checked against (issue 18,
-- Reads): the last feed sequence the consumer applied to each round, and a directory
-- version bumped whenever names or opt-outs change. Both are written in the same
-- transaction as what they describe, which also NOTIFYs the replicas (reporting_rounds).
CREATE TABLE round_versions (
  assessment_id text PRIMARY KEY,
  sequence      bigint NOT NULL
);
-- Rounds applied before this table: at the cursor, so that no cached report can claim
-- them older.
INSERT INTO round_versions (assessment_id, sequence)
  SELECT r.assessment_id, c.sequence FROM rounds r CROSS JOIN feed_cursor c;

ALTER TABLE feed_cursor ADD COLUMN directory_version bigint NOT NULL DEFAULT 0;
