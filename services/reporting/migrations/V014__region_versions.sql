-- What a replica's cached regional overviews are checked against (issue 18, Reads): the
-- last feed sequence the consumer applied to anything of the region (its rounds and their
-- figures, its actions), written in the same transaction as what it describes. Names and
-- opt-outs are the directory's version (V009). A region with no row is at version 0 until
-- its first change: a replica's cache is in memory only, so it holds nothing older.
CREATE TABLE region_versions (
  region_id text PRIMARY KEY,
  sequence  bigint NOT NULL
);
