-- The change feed without a global row held to commit (docs/benchmarks.md, "Feed (H7)").
--
-- Until now every write took feed_counter's row lock to number its entries and held it to
-- commit, so writers committed one at a time. Now a write appends its entries here, with a
-- ticket drawn from change_tickets as its last statement (no lock: a sequence is not
-- transactional) and its transaction id. The feed sequencer (one leader among the
-- assessment replicas, services/assessment/feed_sequencer.cc) moves them into `changes`,
-- numbering them from feed_counter in ticket order, once every ticket up to the highest it
-- numbers is final (its transaction ended):
--   1. it reads the last ticket drawn, H;
--   2. then the transactions running now (a snapshot's xip list): a transaction holding a
--      ticket <= H has a transaction id before drawing it, so it is in that list unless it
--      has already ended;
--   3. once none of them is running any more (seen from the numbering statement's own
--      snapshot; those seen running in another database are left out), every ticket <= H
--      is committed (and visible) or gone with its rollback, and they are numbered in one
--      transaction, consecutively per writing transaction.
-- A write that must see another's row (a row lock) draws its ticket only after that one
-- committed, so it is numbered after it: ticket order respects what writers waited for.
-- Readers read only `changes`, so they see an entry only once it is numbered, and numbers
-- are given under feed_counter's row lock in one transaction: gap-free, one order for all.
-- Existing entries, feed_counter and every consumer's cursor are unchanged; a writer that
-- still numbers under feed_counter's lock (a replica of the previous release during a
-- rolling upgrade) serialises with the sequencer on that row and stays correct.
CREATE SEQUENCE change_tickets;

CREATE TABLE unsequenced_changes (
  ticket         bigint PRIMARY KEY,
  xact           xid8 NOT NULL,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  record         bytea NOT NULL
);
