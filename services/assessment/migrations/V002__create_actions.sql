-- Action plans: each step's Actions row, one row per action. Progress updates live in
-- the record and are only ever appended.
CREATE TABLE actions (
  action_id          text PRIMARY KEY,
  seq                bigint GENERATED ALWAYS AS IDENTITY,
  assessment_id      text NOT NULL REFERENCES assessments (assessment_id),
  partnership_id     text NOT NULL,
  region_id          text NOT NULL,
  step_id            text NOT NULL,
  question_ids       text[] NOT NULL,
  owner_organisation text NOT NULL,
  status             text NOT NULL CHECK (status IN
                       ('planned', 'in_progress', 'done', 'cancelled', 'carried_over')),
  due_date           date NOT NULL,
  row_version        bigint NOT NULL DEFAULT 1,
  record             bytea NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_by_assessment ON actions (assessment_id, due_date, action_id);
CREATE INDEX actions_by_partnership ON actions (partnership_id, due_date, action_id);
CREATE INDEX actions_by_region ON actions (region_id, due_date, action_id);
CREATE INDEX actions_by_owner ON actions (owner_organisation, due_date, action_id);
