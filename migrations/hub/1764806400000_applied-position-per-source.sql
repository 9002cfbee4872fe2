-- Up Migration
-- Several systems now produce canonical events: a position is ordered only within its source system (an Odoo LSN
-- and a Salesforce replay id cannot be compared), so the stale-write guard keeps one position per source.
-- aggregate_id names the canonical record a target record was written for: the projector finds the children it
-- wrote for an aggregate (an order's items) and removes those the aggregate no longer has.
ALTER TABLE applied_position ADD COLUMN source_system text NOT NULL DEFAULT 'ODOO';
ALTER TABLE applied_position ADD COLUMN aggregate_id text;
ALTER TABLE applied_position DROP CONSTRAINT applied_position_pkey;
ALTER TABLE applied_position ADD PRIMARY KEY (target, object_name, external_id, source_system);
CREATE INDEX applied_position_by_aggregate ON applied_position (target, object_name, aggregate_id);

-- Down Migration
DROP INDEX applied_position_by_aggregate;
DELETE FROM applied_position WHERE source_system <> 'ODOO';
ALTER TABLE applied_position DROP CONSTRAINT applied_position_pkey;
ALTER TABLE applied_position ADD PRIMARY KEY (target, object_name, external_id);
ALTER TABLE applied_position DROP COLUMN aggregate_id;
ALTER TABLE applied_position DROP COLUMN source_system;
