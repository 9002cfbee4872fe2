-- Up Migration
-- The audit trail (issue 16): every write the hub made into a system and every operator action, append-only.
-- Values never enter in clear: a written field is its name and a keyed hash (HMAC-SHA256 under AUDIT_HASH_KEY) of its
-- value, so an auditor can tell whether two writes carried the same value without the trail holding personal data.
--
-- record_ids: every id that names the record written (its external id, the target's own id qualified by object, the
-- canonical ids), parent_ids: the records it references (an invoice's order): a record's history is the entries
-- naming it plus those of its children.
CREATE TABLE audit_entry (
  id bigserial PRIMARY KEY,
  -- When the app saw the outcome (its clock); recorded_at is the database's, for the retention purge.
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('write', 'operator-action')),
  app text NOT NULL,
  -- The system written into: salesforce, odoo, zendesk, freshdesk (null for an action on the hub's own state).
  target_system text,
  object_name text,
  external_id text,
  target_id text,
  record_ids text[] NOT NULL DEFAULT '{}',
  parent_ids text[] NOT NULL DEFAULT '{}',
  -- [{ "name": "Status", "hash": "<hex>" }, …]
  fields jsonb NOT NULL DEFAULT '[]',
  canonical_id text,
  event_id text,
  source_system text,
  source_position bigint,
  trace_id text,
  -- applied, removed, absent, stale (skipped), failed; for actions: requested, done, refused.
  outcome text NOT NULL,
  reason text,
  -- Operator actions: what (replay, retry, discard) and who (a token's name, or console:<user>).
  action text,
  actor text
);
CREATE INDEX audit_entry_record_ids ON audit_entry USING gin (record_ids);
CREATE INDEX audit_entry_parent_ids ON audit_entry USING gin (parent_ids);
CREATE INDEX audit_entry_canonical_id ON audit_entry (canonical_id, occurred_at);
CREATE INDEX audit_entry_occurred_at ON audit_entry (occurred_at);
CREATE INDEX audit_entry_recorded_at ON audit_entry (recorded_at);

-- Append-only, enforced here and not only by the apps: no UPDATE, no TRUNCATE, and a DELETE only of rows older than
-- the horizon that audit_purge sets for its own transaction (the retention purge). Whoever owns the table can still
-- drop the trigger: in production the apps' role should not own it (docs/runbook.md).
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  horizon text := current_setting('hub.audit_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND horizon IS NOT NULL AND horizon <> '' AND OLD.recorded_at < horizon::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only: % refused (only audit_purge removes entries past retention)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

-- recorded_at is the database's clock, never the inserter's: an entry cannot be back-dated into the purge's reach.
CREATE FUNCTION audit_entry_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.recorded_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_entry_stamp BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_stamp();

CREATE FUNCTION audit_entry_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();

-- The retention purge: removes entries recorded more than retention_days ago, at most batch_size per call (the caller
-- repeats while it returns batch_size), and returns how many. The horizon is local to the transaction.
CREATE FUNCTION audit_purge(retention_days integer, batch_size integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  horizon timestamptz;
  removed integer;
BEGIN
  IF retention_days IS NULL OR retention_days < 1 THEN
    RAISE EXCEPTION 'audit_purge: retention_days must be at least 1, got %', retention_days;
  END IF;
  horizon := now() - make_interval(days => retention_days);
  PERFORM set_config('hub.audit_purge_before', horizon::text, true);
  DELETE FROM audit_entry WHERE id IN (
    SELECT id FROM audit_entry WHERE recorded_at < horizon ORDER BY recorded_at LIMIT batch_size
  );
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('hub.audit_purge_before', '', true);
  RETURN removed;
END;
$$;

-- Down Migration
DROP TABLE audit_entry;
DROP FUNCTION audit_purge(integer, integer);
DROP FUNCTION audit_entry_append_only();
DROP FUNCTION audit_entry_stamp();
DROP FUNCTION audit_entry_no_truncate();
