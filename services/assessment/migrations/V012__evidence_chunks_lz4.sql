-- Evidence files' chunks compressed with lz4 instead of pglz (docs/benchmarks.md, "Evidence
-- upload (H3)").
--
-- A 1 MiB chunk is TOASTed: PostgreSQL compresses it before cutting it into its 2 kB rows.
-- With the default method (pglz) that compression was half of all CPU time of a 25 MiB CSV
-- upload (17.5 ms of PostgreSQL CPU per MiB); lz4 compresses the same text as well for a
-- fraction of the cost, and gives up as quickly on what is already compressed (PDF, DOCX,
-- XLSX, PPTX, ODT, PNG, JPEG). A server built without lz4 (Debian's and the hub's images
-- have it) keeps the chunks uncompressed instead: storing CSV and text as they are still
-- costs less CPU than pglz.
--
-- Only chunks written from now on change; stored chunks stay pglz-compressed, and both are
-- read alike. No rewrite: the ALTER waits only for uploads and downloads running now.
-- Additive for a rolling upgrade: the previous release writes and reads the column as
-- before.
DO $$
BEGIN
  ALTER TABLE evidence_blob_chunks ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE evidence_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
END
$$;
