-- The regional overview counts each partnership's overdue open actions from an index alone
-- (V010's actions_history_by_region, V011's actions_open_due_in_region), but an index-only
-- scan reads the heap page of every row on a page the visibility map does not mark
-- all-visible, and only vacuum marks pages. With the default thresholds (a fifth of the
-- table changed or inserted) the 30,000 actions of 1,000 partnerships wait for 6,000 changes
-- between visits, and meanwhile every page a changed action stands on costs the overview a
-- heap read (docs/benchmarks.md: 60 buffers vacuumed against 368 right after the writes, at
-- 150 partnerships; about 400 against 2,300 estimated at 1,000). Vacuumed after a few hundred
-- changed or inserted rows instead: a visit to a table this size that skips its all-visible
-- pages costs milliseconds, and the overview stays index-only under a normal day's writes.
ALTER TABLE actions SET (
  autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 200,
  autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 200);
