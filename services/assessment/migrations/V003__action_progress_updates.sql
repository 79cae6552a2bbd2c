-- Progress notes as rows of their own (issue 13): kept inside the action record, every
-- note made every read, revision and feed change of the action bigger, without bound.
-- The action record now keeps only the latest few notes and the total count; every note
-- is a row here, numbered 1, 2, 3… per action, and read page by page.
--
-- Additive: nothing existing changes, so a replica of the previous release keeps working
-- during a rolling upgrade (it reads and appends notes in the record as before). Notes of
-- records written before this migration, or appended by such a replica, are the ones the
-- record holds beyond its count: the service adopts them as rows the next time it writes
-- the action, and reads them from the record until then. So no backfill is needed.
CREATE TABLE action_progress_updates (
  action_id   text NOT NULL REFERENCES actions (action_id),
  number      integer NOT NULL CHECK (number > 0),
  -- The note's and its evidence's size in bytes, for the per-action cap.
  text_bytes  integer NOT NULL CHECK (text_bytes >= 0),
  record      bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (action_id, number)
);
