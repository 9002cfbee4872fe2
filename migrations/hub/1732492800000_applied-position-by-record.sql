-- Up Migration
-- Before sending a record that references a parent (a Contact's Account, an Order's Account), the projector asks
-- whether the hub wrote that parent, through whichever mapping write: a lookup by external id across object keys.
CREATE INDEX applied_position_by_record ON applied_position (target, external_id);

-- Down Migration
DROP INDEX applied_position_by_record;
