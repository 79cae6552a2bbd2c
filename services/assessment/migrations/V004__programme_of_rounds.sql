-- The programme of rounds (issue 15): a partnership's planned rounds, each opened once by
-- the service on its open date. Additive: a replica of the previous release keeps working
-- (it neither reads nor writes these; its rounds simply have no planned round).
CREATE TABLE planned_rounds (
  planned_round_id text PRIMARY KEY,
  partnership_id   text NOT NULL,
  region_id        text NOT NULL,
  state            text NOT NULL CHECK (state IN ('planned', 'opened', 'cancelled')),
  open_date        date NOT NULL,
  -- The framework version's tree as it was published when planned: the round opens
  -- against it without asking the framework service (the opener has no caller's token).
  framework        bytea NOT NULL,
  row_version      bigint NOT NULL DEFAULT 1,
  record           bytea NOT NULL,
  create_time      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX planned_rounds_by_partnership ON planned_rounds (partnership_id, open_date,
  planned_round_id);
-- What the opener looks for: planned rounds that are due.
CREATE INDEX planned_rounds_due ON planned_rounds (open_date, planned_round_id)
  WHERE state = 'planned';

-- The round a planned round opened: at most one per planned round, whatever replicas or
-- restarts do (the opener also locks the planned round's row: this is the last word).
ALTER TABLE assessments ADD COLUMN planned_round_id text;
CREATE UNIQUE INDEX assessments_by_planned_round ON assessments (planned_round_id)
  WHERE planned_round_id IS NOT NULL;
