-- Indexes for the reports' reads, found with EXPLAIN ANALYZE on issue 8's data set (150
-- and 1,000 partnerships with five years of rounds).
-- The action tracker reads every action of a partnership or region, whatever its status,
-- which the partial open-action indexes cannot serve: it scanned the whole table.
CREATE INDEX actions_by_partnership ON actions (partnership_id);
CREATE INDEX actions_by_region ON actions (region_id);
-- The regional overview counts each partnership's overdue open actions of the region: with
-- region_id in the index that count is an index-only scan, not a heap visit per action.
CREATE INDEX actions_open_by_partnership_in_region ON actions (partnership_id, due_date)
  INCLUDE (region_id) WHERE status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS');
