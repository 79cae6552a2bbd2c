-- Evidence files (metadata only: contents stay in the assessment service) and the voice
-- records (engagement records, case audits, learning reviews) of issue 16, as the feed
-- gives them to the reporting service's account. That account never reads OFFICIAL-SENSITIVE
-- material: a sensitive file's change reaches it without its record (nothing is stored), a
-- sensitive voice record with only its name and classification (stored, so that the
-- partnership's own roles can be told it exists).
CREATE TABLE evidence_files (
  evidence_file_id text PRIMARY KEY,
  partnership_id   text NOT NULL,
  -- Empty for a file uploaded for no round.
  assessment_id    text NOT NULL DEFAULT '',
  classification   text NOT NULL,
  record           bytea NOT NULL,
  -- Set when the file was purged by its retention policy (a tombstone of the feed).
  purge_time       timestamptz
);
CREATE INDEX evidence_files_by_assessment ON evidence_files (assessment_id);

CREATE TABLE voice_records (
  -- "assessments/{a}/engagementRecords/{r}", ".../caseAudits/{r}", ".../learningReviews/{r}"
  record_name    text PRIMARY KEY,
  assessment_id  text NOT NULL,
  -- "engagement_record", "case_audit" or "learning_review"
  kind           text NOT NULL,
  classification text NOT NULL,
  record         bytea NOT NULL
);
CREATE INDEX voice_records_by_assessment ON voice_records (assessment_id, kind);
