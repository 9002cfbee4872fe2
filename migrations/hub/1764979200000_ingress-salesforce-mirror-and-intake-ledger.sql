-- Up Migration
-- ingress: the last known state of every Salesforce record its change streams carry. A Pub/Sub change event holds
-- only what changed, so the canonical event (a whole record) is built from this mirror with the change applied.
CREATE TABLE ingress_salesforce_record (
  entity text NOT NULL,
  record_id text NOT NULL,
  fields jsonb NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  -- Replay id of the last change applied, as text (opaque to the hub).
  replay_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity, record_id)
);

-- ingress: every webhook notification or event accepted, by the vendor's own id, so a vendor's retry (also after a
-- restart) publishes nothing twice.
CREATE TABLE ingress_seen (
  source text NOT NULL,
  source_event_id text NOT NULL,
  event_id uuid NOT NULL,
  accepted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, source_event_id)
);

-- Down Migration
DROP TABLE ingress_seen;
DROP TABLE ingress_salesforce_record;
