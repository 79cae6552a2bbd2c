-- A numbering pass of the feed sequencer in one call (issue 18; docs/benchmarks.md "Feed
-- sequencer passes and the followers' statements (issue 18, helper feed, session 21)").
--
-- V011 says what a pass does and why it is gap-free and in order for readers. Until now a pass
-- was two transactions of the sequencer's (BEGIN, an EXISTS on unsequenced_changes, the last
-- ticket, a snapshot, COMMIT; then BEGIN, feed_counter locked with a pg_locks read, the move,
-- COMMIT) and a third that found nothing: twelve round trips, and under load the EXISTS walked
-- the dead tuples the moves leave until vacuum, and pg_locks was read again on every retry.
-- This function runs a pass in one call, each step a statement of its own with a snapshot of
-- its own (a VOLATILE function takes a fresh snapshot for each statement it runs, as V013
-- relies on):
--   1. the last ticket drawn, H; if none was drawn above the horizon of the last pass that
--      moved everything up to it (feed_counter.ticketed_through), nothing can be pending: done,
--      with no scan;
--   2. then, in a later statement, the transactions holding the appender lock now (pg_locks,
--      read once per pass): whoever holds a ticket <= H and has not ended is among them, as it
--      took the lock before drawing its ticket and keeps it until after it has left the
--      running set. (V011 took the running set from the snapshot's xip list instead; but a
--      snapshot's xmax is the latest completed transaction + 1, so a writer that got its id
--      after the last completion is not listed in xip although it may hold a ticket <= H:
--      found while writing this function, and fatal here, where the move's lower bound below
--      would then skip its entries for good.)
--   3. whether any of them is still running: not visible in this statement's snapshot (one
--      at or above its xmax has not completed either). If one is, it returns ready = false
--      with H and those appenders, and the caller calls again with them after a pause
--      (nothing is locked meanwhile, and pg_locks is not read again); with p_check false it
--      returns them after step 2 (the busy sequencer takes its next horizon, then checks
--      once its appenders have had the time to commit);
--   4. else, feed_counter's row locked (numbers are given one transaction at a time), and in a
--      statement after the lock (so it sees what a pass that held the lock committed) the
--      entries with a ticket in (ticketed_through, H] move into `changes` numbered from the
--      counter in ticket order, each transaction's entries together, and with them the same
--      transactions' entries above H (a transaction may draw tickets on both sides of H: the
--      tickets of one statement are drawn one by one, and H may be read between them; it has
--      ended, so all its entries are visible: V011 moved only those up to H and split such a
--      transaction's entries across two passes, with others' between them); the counter and
--      ticketed_through move; NOTIFY sixsteps_feed with the new head.
-- ticketed_through only moves under the row lock in a pass that moved every final entry up to
-- it, so no unnumbered entry ever has a ticket <= it: the move's index scan starts above it,
-- past the dead tuples of earlier moves. A replica of the previous release numbers as before
-- (it leaves ticketed_through behind, which is safe: the bound is only lower).
-- Must run in READ COMMITTED (each statement's snapshot is what the argument needs).
ALTER TABLE feed_counter ADD COLUMN ticketed_through bigint NOT NULL DEFAULT 0;

-- A queue: every row is inserted once and deleted within milliseconds. Vacuumed at every
-- autovacuum visit once a few hundred rows died, without the cost-based pauses, so its scans
-- and its index stay small.
ALTER TABLE unsequenced_changes SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 500,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 500,
  autovacuum_vacuum_cost_delay = 0);

CREATE FUNCTION sequence_feed(p_horizon bigint, p_appenders text, p_check boolean,
    OUT ready boolean, OUT numbered bigint, OUT horizon bigint, OUT appenders text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_waiting bigint;
  v_head bigint;
  v_through bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'sequence_feed needs READ COMMITTED';
  END IF;
  ready := false;
  numbered := 0;
  horizon := p_horizon;
  appenders := p_appenders;
  IF horizon IS NULL THEN
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END INTO horizon
      FROM change_tickets s;
    SELECT c.ticketed_through INTO v_through FROM feed_counter c WHERE c.id = 1;
    IF horizon <= v_through THEN
      ready := true;
      RETURN;
    END IF;
    -- A later statement: whoever holds a ticket <= H and has not ended holds the appender
    -- lock now (taken before its ticket, kept to its end, released only after it left the
    -- running set). pg_locks joins a transaction's own transactionid lock to its advisory
    -- lock by virtual transaction (no privilege needed on other sessions); the 32-bit xid is
    -- widened to the xid8 nearest this snapshot's xmax.
    SELECT coalesce(array_agg((r.ref + (t.transactionid::text::bigint - (r.ref & 4294967295)
                                        + 6442450944) % 4294967296 - 2147483648)::text::xid8),
                    '{}')::text
      INTO appenders
      FROM pg_locks AS t JOIN pg_locks AS a ON a.virtualtransaction = t.virtualtransaction,
           (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS ref) AS r
      WHERE t.locktype = 'transactionid' AND a.locktype = 'advisory' AND a.granted
        AND a.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
        AND a.classid = 0 AND a.objid = 1718183021 AND a.objsubid = 1;
    IF NOT p_check THEN
      RETURN;
    END IF;
  END IF;
  -- Still running: not visible in this statement's snapshot (a transaction at or above its
  -- xmax has not completed either).
  SELECT count(*) INTO v_waiting FROM unnest(appenders::xid8[]) AS x
    WHERE NOT pg_visible_in_snapshot(x, pg_current_snapshot());
  IF v_waiting > 0 THEN
    RETURN;
  END IF;
  ready := true;
  SELECT c.last, c.ticketed_through INTO v_head, v_through FROM feed_counter c WHERE c.id = 1
    FOR UPDATE;
  IF horizon <= v_through THEN
    RETURN;  -- a pass that held the lock meanwhile numbered them
  END IF;
  WITH batch AS (
      DELETE FROM unsequenced_changes u
      WHERE u.ticket > v_through AND u.xact IN (
        SELECT w.xact FROM unsequenced_changes w WHERE w.ticket > v_through AND w.ticket <= horizon)
      RETURNING u.ticket, u.xact, u.partnership_id, u.region_id, u.record),
    ordered AS (
      SELECT b.*, row_number() OVER (ORDER BY b.first_ticket, b.ticket) AS n
        FROM (SELECT batch.*, min(batch.ticket) OVER (PARTITION BY batch.xact) AS first_ticket
                FROM batch) b),
    moved AS (
      INSERT INTO changes (sequence, partnership_id, region_id, record)
      SELECT v_head + o.n, o.partnership_id, o.region_id, o.record FROM ordered o
      RETURNING 1)
  SELECT count(*) INTO numbered FROM moved;
  UPDATE feed_counter SET last = v_head + numbered, ticketed_through = horizon WHERE id = 1;
  IF numbered > 0 THEN
    PERFORM pg_notify('sixsteps_feed', (v_head + numbered)::text);
  END IF;
END
$$;
