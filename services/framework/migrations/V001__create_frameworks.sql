-- Frameworks and their versions. A version's tree (title, steps, questions, rating
-- definitions, context questions) is one aggregate, always read and written whole, so it
-- is kept as one JSONB document in the protobuf JSON form; lineage and attribution are
-- columns so the database itself can guarantee them.

CREATE TABLE frameworks (
  framework_id text PRIMARY KEY CHECK (framework_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  description  text NOT NULL DEFAULT '',
  built_in     boolean NOT NULL DEFAULT false,
  region_id    text NOT NULL DEFAULT '',
  -- "frameworks/{f}/versions/{v}" this framework was adapted from; '' for an original.
  derived_from text NOT NULL DEFAULT '',
  create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE framework_versions (
  framework_id    text NOT NULL REFERENCES frameworks (framework_id),
  version_id      text NOT NULL CHECK (version_id ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$'),
  -- Creation order across the whole table: orders a framework's versions.
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  state           text NOT NULL CHECK (state IN ('draft', 'published', 'retired')),
  content         jsonb NOT NULL,
  source_citation text NOT NULL DEFAULT '',
  attribution     text NOT NULL DEFAULT '',
  derived_from    text NOT NULL DEFAULT '',
  -- Bumped on every change; the etag clients send back.
  revision        bigint NOT NULL DEFAULT 1,
  create_time     timestamptz NOT NULL DEFAULT now(),
  update_time     timestamptz NOT NULL DEFAULT now(),
  publish_time    timestamptz,
  retire_time     timestamptz,
  PRIMARY KEY (framework_id, version_id),
  -- Pearce (2019): an adapted model must carry this reference. Nobody can remove it.
  CONSTRAINT derived_versions_carry_attribution CHECK (
    derived_from = '' OR attribution =
      'Adapted from Pearce, J (2019) *Six Steps for Independent Scrutiny: Safeguarding children arrangements*. Institute of Applied Social Research, Luton, University of Bedfordshire')
);

CREATE UNIQUE INDEX framework_versions_seq ON framework_versions (seq);
-- At most one draft per framework, so "the draft" is unambiguous.
CREATE UNIQUE INDEX framework_versions_one_draft ON framework_versions (framework_id)
  WHERE state = 'draft';

-- Published versions are frozen for ever: the only change allowed is retiring them, and
-- they can never be deleted. The service checks this too; the trigger makes it certain.
CREATE FUNCTION framework_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.state <> 'draft' THEN
      RAISE EXCEPTION 'framework version %/% is % and cannot be deleted',
        OLD.framework_id, OLD.version_id, OLD.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.state <> 'draft' AND (
       NEW.content IS DISTINCT FROM OLD.content OR
       NEW.source_citation IS DISTINCT FROM OLD.source_citation OR
       NEW.attribution IS DISTINCT FROM OLD.attribution OR
       NEW.derived_from IS DISTINCT FROM OLD.derived_from OR
       NEW.version_id IS DISTINCT FROM OLD.version_id OR
       NEW.framework_id IS DISTINCT FROM OLD.framework_id OR
       NEW.state = 'draft' OR
       (OLD.state = 'retired' AND NEW.state <> 'retired')) THEN
    RAISE EXCEPTION 'framework version %/% is % and cannot be changed',
      OLD.framework_id, OLD.version_id, OLD.state USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER framework_versions_guard
  BEFORE UPDATE OR DELETE ON framework_versions
  FOR EACH ROW EXECUTE FUNCTION framework_versions_guard();
