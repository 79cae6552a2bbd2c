-- Voice, audits and learning (issue 16): a round's engagement records, multi-agency case
-- audits and learning reviews, one table keyed by kind. The record is the protobuf
-- (without its etag, which is row_version); classification and partnership_id are kept as
-- columns so that retention and reports can select by them without parsing records.
CREATE TABLE voice_records (
  assessment_id   text NOT NULL REFERENCES assessments (assessment_id),
  kind            text NOT NULL
                  CHECK (kind IN ('engagement_record', 'case_audit', 'learning_review')),
  record_id       text NOT NULL,
  partnership_id  text NOT NULL,
  classification  text NOT NULL CHECK (classification IN ('official', 'official_sensitive')),
  record          bytea NOT NULL,
  row_version     bigint NOT NULL DEFAULT 1,
  create_time     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assessment_id, kind, record_id)
);

CREATE INDEX voice_records_by_partnership ON voice_records (partnership_id, kind);
