-- Up Migration
-- projector-support's read model: what an agent may be told about a customer's orders, deliveries and invoices, kept
-- from the canonical topics (compacted: a new consumer group rebuilds it). Only the allow-listed facts are stored
-- (names, states, dates, carrier tracking): no prices, costs or bank details ever land here. Each row keeps the source
-- position it was written at, so a redelivered older event never overwrites a newer one.
CREATE TABLE support_order (
  id text PRIMARY KEY,
  customer_id text,
  name text NOT NULL,
  state text,
  order_date bigint,
  position bigint NOT NULL
);
CREATE INDEX support_order_name ON support_order (name);
CREATE INDEX support_order_customer ON support_order (customer_id, order_date DESC);

CREATE TABLE support_shipment (
  id text PRIMARY KEY,
  order_id text,
  origin_order text,
  name text,
  state text,
  done_date bigint,
  tracking_reference text,
  position bigint NOT NULL
);
CREATE INDEX support_shipment_order ON support_shipment (order_id);

CREATE TABLE support_invoice (
  id text PRIMARY KEY,
  customer_id text,
  number text,
  state text,
  payment_state text,
  due_date integer,
  order_ids text[] NOT NULL DEFAULT '{}',
  position bigint NOT NULL
);
CREATE INDEX support_invoice_orders ON support_invoice USING gin (order_ids);

-- The desk's own id of each record the hub wrote, per platform: a ticket names its organization by the desk's id.
CREATE TABLE support_desk_record (
  platform text NOT NULL,
  object text NOT NULL,
  external_id text NOT NULL,
  desk_id text NOT NULL,
  PRIMARY KEY (platform, object, external_id)
);
CREATE INDEX support_desk_record_desk_id ON support_desk_record (platform, object, desk_id);

-- The notes the hub left on tickets: one per ticket and reason, so a redelivered case never notes twice.
CREATE TABLE support_case_note (
  platform text NOT NULL,
  ticket_id text NOT NULL,
  reason text NOT NULL,
  note_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, ticket_id, reason)
);

-- Down Migration
DROP TABLE support_case_note;
DROP TABLE support_desk_record;
DROP TABLE support_invoice;
DROP TABLE support_shipment;
DROP TABLE support_order;
