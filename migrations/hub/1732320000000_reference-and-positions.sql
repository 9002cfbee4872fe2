-- Up Migration
-- Odoo reference data the CDC mapper needs to resolve ids into codes (fed by the res_country change stream).
CREATE TABLE odoo_country (
  id integer PRIMARY KEY,
  code varchar(2) NOT NULL,
  source_position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Last source position applied to a target record; an event at a lower position is stale and skipped.
CREATE TABLE applied_position (
  target text NOT NULL,
  object_name text NOT NULL,
  external_id text NOT NULL,
  source_position bigint NOT NULL,
  event_id uuid NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target, object_name, external_id)
);

-- Down Migration
DROP TABLE applied_position;
DROP TABLE odoo_country;
