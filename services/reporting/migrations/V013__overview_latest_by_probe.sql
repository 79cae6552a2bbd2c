-- The regional overview now takes each partnership's latest finalised figures with one probe
-- of round_aggregates_latest (V010) per partnership of the region, not a pass over all the
-- region's rounds sorted for DISTINCT ON (read_model_aggregates.cc, kSelectRegionFigures:
-- 26 ms against 6 ms at 1,000 partnerships of five rounds each). V011's index for that pass
-- has no reader left; every round's finalisation would keep paying to maintain it.
DROP INDEX IF EXISTS round_aggregates_by_region;
