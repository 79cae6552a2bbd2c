-- Context answers (Pearce 2019, section six): the annual report section quotes those that
-- say how scrutiny is arranged (c1: who employs the scrutineer and whom they report to;
-- c5: to whom their decisions as final arbiter are reported).
CREATE TABLE context_answers (
  assessment_id       text NOT NULL,
  context_question_id text NOT NULL,
  record              bytea NOT NULL,
  PRIMARY KEY (assessment_id, context_question_id)
);

-- Until now the consumer moved past context answers, planned rounds, scrutineer's reports
-- and annual report drafts without keeping them. The feed is read again from its start so
-- that the tables above hold the records made before this upgrade. Every change is applied
-- as an upsert (or, for a removed respondent, a delete) in feed order, so reading it again
-- ends with the same rows; quarantined changes are recorded once (ON CONFLICT DO NOTHING).
UPDATE feed_cursor SET sequence = 0, change_time = NULL, update_time = now() WHERE id = 1;
