-- Up Migration
-- projector-odoo publishes every change of a work-queue exception on the order-exception topic (Salesforce shows it on
-- the order and tells its owner; other teams may subscribe). The row is the outbox: each change takes the next
-- version from one sequence, and the publisher sends rows whose version it has not published yet, so a change
-- committed just before a crash or while Kafka was down is still published, in version order.
CREATE SEQUENCE odoo_order_exception_version;
ALTER TABLE odoo_order_exception
  ADD COLUMN version bigint NOT NULL DEFAULT nextval('odoo_order_exception_version'),
  ADD COLUMN published_version bigint NOT NULL DEFAULT 0;
CREATE INDEX odoo_order_exception_unpublished ON odoo_order_exception (version) WHERE version > published_version;

-- Down Migration
DROP INDEX odoo_order_exception_unpublished;
ALTER TABLE odoo_order_exception DROP COLUMN published_version, DROP COLUMN version;
DROP SEQUENCE odoo_order_exception_version;
