-- What a response write reads, in one round trip instead of four (issue 18: the write path's
-- statements; docs/benchmarks.md "Write path round trips").
--
-- UpsertResponse reads the round (FOR SHARE: writes to its records run together, never during
-- a change of its state), the respondent, then takes the response's key lock and reads the
-- response FOR UPDATE. Each of these was a statement of its own, because each must see what
-- committed while the one before waited: in READ COMMITTED a statement's snapshot is taken
-- when it starts, so a read in the same statement as a lock would miss a row committed while
-- the lock was awaited (a response created meanwhile would escape the etag check). A VOLATILE
-- function takes a fresh snapshot for each statement it runs, so this one keeps that order
-- and those snapshots exactly, in one call. Its statements' plans are cached per session.
--
-- Returns one row. round_record is NULL when there is no such round (nothing else is read);
-- respondent_record is NULL when the round has no such respondent (the response is then
-- neither locked nor read); response_record is NULL when the response does not exist yet
-- (its key is locked all the same, so a concurrent creator waits for this transaction).
CREATE FUNCTION response_write_reads(
    p_assessment_id text, p_respondent_id text, p_question_id text, p_lock_key text,
    OUT round_record bytea, OUT round_row_version bigint, OUT framework_version text,
    OUT respondent_record bytea, OUT response_record bytea, OUT response_row_version bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  SELECT a.record, a.row_version, a.framework_version
    INTO round_record, round_row_version, framework_version
    FROM assessments a WHERE a.assessment_id = p_assessment_id FOR SHARE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT r.record INTO respondent_record
    FROM respondents r WHERE r.assessment_id = p_assessment_id AND r.respondent_id = p_respondent_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(p_lock_key, 0));
  SELECT s.record, s.row_version INTO response_record, response_row_version
    FROM responses s
    WHERE s.assessment_id = p_assessment_id AND s.respondent_id = p_respondent_id
      AND s.question_id = p_question_id
    FOR UPDATE;
END
$$;
