-- Up Migration
-- The trace of the change an exception row holds (W3C traceparent of the span that raised, updated or closed it), so
-- the outbox publishes it in the order's trace, not in a trace of its own: Jaeger shows the order's submission, the
-- Odoo call that failed, the exception and an operator's retry as one record's path.
ALTER TABLE odoo_order_exception ADD COLUMN trace_parent text;

-- Down Migration
ALTER TABLE odoo_order_exception DROP COLUMN trace_parent;
