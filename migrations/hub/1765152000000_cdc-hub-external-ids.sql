-- Up Migration
-- odoo-cdc keeps the hub's external ids in Odoo (ir_model_data rows of module hub: the Salesforce record an Odoo
-- partner or order was created from) and looks them up by the record they name whenever it publishes that record.
CREATE INDEX cdc_row_ir_model_data_record ON cdc_row ((row ->> 'model'), ((row ->> 'res_id')::bigint))
  WHERE table_name = 'ir_model_data';

-- Down Migration
DROP INDEX cdc_row_ir_model_data_record;
