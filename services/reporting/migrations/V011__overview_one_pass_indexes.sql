-- The regional overview in one pass over the region (issue 18, Reads), instead of two probes
-- per partnership (its latest figures, its overdue actions), so that its cost follows the
-- region's size alone and not the rest of the deployment.
--
-- Overdue open actions of a region, counted per partnership from the index alone (an
-- index-only scan: no heap page of actions is read once autovacuum has marked them visible).
-- At 150 partnerships the count read 12 buffers against 302 for the per-partnership probes
-- of actions_open_by_partnership_in_region (EXPLAIN (ANALYZE, BUFFERS), docs/benchmarks.md).
CREATE INDEX actions_open_due_in_region ON actions (region_id, due_date)
  INCLUDE (partnership_id) WHERE status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS');
-- Each partnership's latest finalised round of a kind, for one region, in order: read once
-- for the region (DISTINCT ON), with no row of another region's rounds.
CREATE INDEX round_aggregates_by_region
  ON round_aggregates (region_id, kind, partnership_id, finalise_time DESC);
