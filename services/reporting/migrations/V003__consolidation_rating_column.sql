-- The regional overview needs only each consolidated question's rating, but read it by
-- parsing whole consolidation records (rationale, evidence…): 24 per partnership, 24,000 at
-- 1,000 partnerships (issue 8's benchmark). The feed consumer now also keeps the rating in a
-- column. Rows written before this migration have none (NULL) and are still read from their
-- record, so no backfill is needed and a rolling upgrade keeps serving.
ALTER TABLE consolidations ADD COLUMN rating text;
