-- Up Migration
-- projector-odoo: orders Odoo could not take as they were (credit hold, unknown SKU, stock short, a refusal by Odoo),
-- each with the whole transaction context, until a person retries or discards it. An order has at most one open
-- exception: a redelivery or a new activation of the same order updates it.
CREATE TABLE odoo_order_exception (
  id uuid PRIMARY KEY,
  order_id text NOT NULL,
  salesforce_order_id text NOT NULL,
  kind text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'resolved', 'discarded')),
  -- The order submission as received: a retry runs it through the same idempotent path.
  submission jsonb NOT NULL,
  -- What intake knew when it stopped: the enrichment (customer, products, prices), the rule's figures, Odoo's answer.
  context jsonb NOT NULL,
  owner_id text,
  attempts integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz
);
CREATE UNIQUE INDEX odoo_order_exception_open ON odoo_order_exception (order_id) WHERE status = 'open';
CREATE INDEX odoo_order_exception_status ON odoo_order_exception (status, updated_at DESC);

-- Every action on an exception, with who did it: raised and updated by the projector, retried, resolved or
-- discarded by an operator (or resolved by the projector when a later delivery of the order went through).
CREATE TABLE odoo_order_exception_action (
  id bigserial PRIMARY KEY,
  exception_id uuid NOT NULL REFERENCES odoo_order_exception (id),
  action text NOT NULL,
  actor text NOT NULL,
  note text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX odoo_order_exception_action_by_exception ON odoo_order_exception_action (exception_id, id);

-- Down Migration
DROP TABLE odoo_order_exception_action;
DROP TABLE odoo_order_exception;
