-- Evidence files (issue 16). A file's contents are a blob: rows of at most 1 MiB each in
-- evidence_blob_chunks, so that the hub's database backups keep them and nothing reads or
-- writes a whole file at once. The same bytes uploaded twice to one partnership are one
-- blob (unique per partnership and SHA-256) with two file records.
--
-- An upload writes its blob, its file record and its change in one transaction committed
-- only when the whole file has arrived and passed its checks: a cancelled, refused or
-- interrupted upload (the service stopped, the connection broke) leaves nothing behind.
--
-- Additive: new tables only; the previous release never reads them.
CREATE TABLE evidence_blobs (
  blob_id        text PRIMARY KEY,
  partnership_id text NOT NULL,
  sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes     bigint NOT NULL CHECK (size_bytes > 0),
  chunk_count    integer NOT NULL CHECK (chunk_count > 0),
  create_time    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (partnership_id, sha256)
);

CREATE TABLE evidence_blob_chunks (
  blob_id     text NOT NULL,
  chunk_index integer NOT NULL CHECK (chunk_index >= 0),
  data        bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
  PRIMARY KEY (blob_id, chunk_index)
);

CREATE TABLE evidence_files (
  file_id        text PRIMARY KEY,
  -- Listing order (newest first) and the page key.
  seq            bigserial UNIQUE,
  partnership_id text NOT NULL,
  region_id      text NOT NULL,
  assessment_id  text NOT NULL DEFAULT '',
  classification text NOT NULL CHECK (classification IN ('official', 'official_sensitive')),
  blob_id        text NOT NULL REFERENCES evidence_blobs (blob_id),
  record         bytea NOT NULL
);
CREATE INDEX evidence_files_by_partnership ON evidence_files (partnership_id, seq);

-- The audit log of downloads of OFFICIAL-SENSITIVE files.
CREATE TABLE evidence_file_downloads (
  download_id    text PRIMARY KEY,
  seq            bigserial UNIQUE,
  file_id        text NOT NULL REFERENCES evidence_files (file_id),
  partnership_id text NOT NULL,
  record         bytea NOT NULL
);
CREATE INDEX evidence_file_downloads_by_partnership
  ON evidence_file_downloads (partnership_id, seq);
