-- Up Migration
-- Business health (docs/observability.md). projector-odoo's intake ledger: every order submission it has read, and
-- what became of it (confirmed in Odoo, or an exception in the work queue). A submission with no outcome yet is an
-- order awaiting ERP acceptance: waiting for its customer, retried behind an open breaker, or being taken.
-- received_at is when the current wait began (a submission decided before and received again starts a new one).
CREATE TABLE odoo_order_intake (
  order_id text PRIMARY KEY,
  salesforce_order_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  outcome text CHECK (outcome IN ('confirmed', 'exception')),
  decided_at timestamptz
);
CREATE INDEX odoo_order_intake_waiting ON odoo_order_intake (received_at) WHERE outcome IS NULL;
-- Open exceptions by age: the count reads only the open rows.
CREATE INDEX odoo_order_exception_open_age ON odoo_order_exception (created_at) WHERE status = 'open';

-- Down Migration
DROP INDEX odoo_order_exception_open_age;
DROP TABLE odoo_order_intake;
