-- Retention (issue 16): a partnership's retention policy, legal holds on rounds, and the
-- tombstones the daily purge leaves where a file or record was.
--
-- The policy's periods are columns so that the purge selects what has expired in SQL;
-- records are the protobufs (without etags, which are row_version).
CREATE TABLE retention_policies (
  partnership_id          text PRIMARY KEY,
  region_id               text NOT NULL,
  evidence_file_years     integer NOT NULL CHECK (evidence_file_years BETWEEN 0 AND 100),
  engagement_record_years integer NOT NULL CHECK (engagement_record_years BETWEEN 0 AND 100),
  case_audit_years        integer NOT NULL CHECK (case_audit_years BETWEEN 0 AND 100),
  learning_review_years   integer NOT NULL CHECK (learning_review_years BETWEEN 0 AND 100),
  row_version             bigint NOT NULL DEFAULT 1,
  record                  bytea NOT NULL
);

-- Holds are kept after they are lifted; only standing ones (lifted = false) stop a purge.
CREATE TABLE legal_holds (
  hold_id        text PRIMARY KEY,
  seq            bigserial UNIQUE,
  assessment_id  text NOT NULL REFERENCES assessments (assessment_id),
  partnership_id text NOT NULL,
  lifted         boolean NOT NULL DEFAULT false,
  record         bytea NOT NULL
);
CREATE INDEX legal_holds_by_round ON legal_holds (assessment_id, seq);

-- One tombstone per purged thing: the unique purged_resource makes a purge happen once
-- however many replicas run it.
CREATE TABLE tombstones (
  tombstone_id    text PRIMARY KEY,
  seq             bigserial UNIQUE,
  partnership_id  text NOT NULL,
  assessment_id   text NOT NULL DEFAULT '',
  purged_resource text NOT NULL UNIQUE,
  record          bytea NOT NULL
);
CREATE INDEX tombstones_by_partnership ON tombstones (partnership_id, seq);

-- When a file was uploaded, for files without a round (they expire from their upload).
-- Files stored before this migration get the migration's time: later than their upload, so
-- they are kept a little longer, never purged early.
ALTER TABLE evidence_files ADD COLUMN upload_time timestamptz NOT NULL DEFAULT now();
