-- Up Migration
-- Rows of Odoo many2many relation tables, which have no id column: the pair of ids is the row. odoo-cdc keeps
-- sale_order_line_invoice_rel (invoice line -> the order line it bills) to tell which orders an invoice bills.
CREATE TABLE cdc_relation (
  table_name text NOT NULL,
  left_id bigint NOT NULL,
  right_id bigint NOT NULL,
  source_position bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, left_id, right_id)
);
CREATE INDEX cdc_relation_right ON cdc_relation (table_name, right_id);
-- An invoice's lines, to find the order lines they bill.
CREATE INDEX cdc_row_account_move_line_move ON cdc_row (((row ->> 'move_id')::bigint)) WHERE table_name = 'account_move_line';

-- Down Migration
DROP INDEX cdc_row_account_move_line_move;
DROP TABLE cdc_relation;
