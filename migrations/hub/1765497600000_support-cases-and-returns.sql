-- Up Migration
-- The tickets projector-support follows: the order each names and its status, and the order's facts as last told to
-- the ticket, so a change of a delivery, an invoice or a payment is noted once, and only what changed.
CREATE TABLE support_case (
  platform text NOT NULL,
  ticket_id text NOT NULL,
  order_reference text,
  status text NOT NULL,
  -- The order's facts (one per line) as the last note told them; NULL before the first note.
  told_facts text[],
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, ticket_id)
);
CREATE INDEX support_case_order ON support_case (order_reference) WHERE order_reference IS NOT NULL;

-- The returns a ticket asked for: one row per ticket and returned delivery. `requested` is written before Odoo is
-- called, so a crash between Odoo's answer and the row's update is found again (the Odoo return without the hub's
-- external id) instead of creating a second return.
CREATE TABLE support_return (
  platform text NOT NULL,
  ticket_id text NOT NULL,
  delivery_id integer NOT NULL,
  delivery_name text,
  order_reference text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('requested', 'created', 'refused')),
  return_id integer,
  return_name text,
  return_state text,
  detail text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, ticket_id, delivery_id)
);

-- Down Migration
DROP TABLE support_return;
DROP TABLE support_case;
