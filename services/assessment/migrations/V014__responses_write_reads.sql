-- What a write of one or many responses of a round reads, in one round trip (issue 18:
-- BatchUpsertResponses cost ~4 statements per response; docs/benchmarks.md "Batched response
-- writes"). UpsertResponse and BatchUpsertResponses both call it; response_write_reads (V013)
-- stays for replicas of the previous release during a rolling upgrade.
--
-- Unlike V013 it is given the caller's scope and checks it before taking any lock: the round
-- is read FOR SHARE only if the caller may see it (FOR SHARE locks only the rows its WHERE
-- keeps, and a round's partnership and region never change), so a caller of another
-- partnership gets no row and locks nothing of another tenant. The scope may be wider than
-- what the service allows (the service checks the round again); never narrower.
--
-- Then, as V013 did for one response, and each step a statement of its own so that it sees
-- what committed while the one before waited (a VOLATILE function takes a fresh snapshot per
-- statement): every response's key lock, taken in the order of the locks' numbers (two
-- writes of the same responses in opposite orders queue up instead of deadlocking), the
-- respondents, and the responses that exist, locked FOR UPDATE in key order.
--
-- Rows: part 'round' (item 0: record, row_version, framework_version) first, or no row at
-- all when there is no such round or the caller may not see it; then per item (1-based, in
-- the arrays' order) a 'response' row (record, row_version) when the response exists, and
-- per respondent a 'respondent' row, numbered with the first item that names it, when the
-- respondent exists.
CREATE FUNCTION responses_write_reads(
    p_assessment_id text, p_everything boolean, p_regions text[], p_partnerships text[],
    p_hidden text[], p_respondent_ids text[], p_question_ids text[], p_lock_keys text[])
RETURNS TABLE (item bigint, part text, record bytea, row_version bigint, framework_version text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN QUERY
    SELECT 0::bigint, 'round'::text, a.record, a.row_version, a.framework_version
      FROM assessments a
      WHERE a.assessment_id = p_assessment_id
        AND (p_everything OR a.region_id = ANY (p_regions)
             OR a.partnership_id = ANY (p_partnerships))
        AND a.partnership_id <> ALL (p_hidden)
      FOR SHARE OF a;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(k.key_lock)
    FROM (SELECT DISTINCT hashtextextended(u.lock_key, 0) AS key_lock
            FROM unnest(p_lock_keys) AS u(lock_key) ORDER BY 1) AS k;
  RETURN QUERY
    SELECT u.i, 'respondent'::text, r.record, NULL::bigint, NULL::text
      FROM (SELECT DISTINCT ON (v.respondent_id) v.respondent_id, v.i
              FROM unnest(p_respondent_ids) WITH ORDINALITY AS v(respondent_id, i)
              ORDER BY v.respondent_id, v.i) AS u
      JOIN respondents r
        ON r.assessment_id = p_assessment_id AND r.respondent_id = u.respondent_id;
  RETURN QUERY
    SELECT u.i, 'response'::text, s.record, s.row_version, NULL::text
      FROM unnest(p_respondent_ids, p_question_ids) WITH ORDINALITY AS u(respondent_id, question_id, i)
      JOIN responses s
        ON s.assessment_id = p_assessment_id AND s.respondent_id = u.respondent_id
           AND s.question_id = u.question_id
      ORDER BY s.respondent_id, s.question_id
      FOR UPDATE OF s;
END
$$;
