-- Feed changes the consumer could not apply (issue 13): a change that fails for a reason
-- that retrying cannot cure (a record the read model refuses, a change too large to fetch)
-- is recorded here and skipped, so one bad change never stops the read model following
-- the feed for every other partnership. Operators look here (and at the metric
-- sixsteps_feed_quarantined_total) and replay or repair by hand.
CREATE TABLE feed_quarantine (
  sequence        bigint PRIMARY KEY,
  -- Empty when the change could not even be fetched.
  partnership_id  text NOT NULL DEFAULT '',
  kind            text NOT NULL DEFAULT '',
  error           text NOT NULL,
  -- The change as received, when it was.
  record          bytea,
  quarantine_time timestamptz NOT NULL DEFAULT now()
);
