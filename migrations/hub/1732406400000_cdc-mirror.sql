-- Up Migration
-- The last known state of every captured Odoo row. odoo-cdc builds whole aggregates (an order with all its lines)
-- from it, fills TOASTed columns Debezium could not send, and resolves references (currency codes, variants).
CREATE TABLE cdc_row (
  table_name text NOT NULL,
  row_id bigint NOT NULL,
  row jsonb NOT NULL,
  source_position bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, row_id)
);
CREATE INDEX cdc_row_sale_order_line_order ON cdc_row (((row ->> 'order_id')::bigint)) WHERE table_name = 'sale_order_line';
CREATE INDEX cdc_row_product_product_tmpl ON cdc_row (((row ->> 'product_tmpl_id')::bigint)) WHERE table_name = 'product_product';
CREATE INDEX cdc_row_stock_move_picking ON cdc_row (((row ->> 'picking_id')::bigint)) WHERE table_name = 'stock_move';
CREATE INDEX cdc_row_stock_quant_product ON cdc_row (((row ->> 'product_id')::bigint)) WHERE table_name = 'stock_quant';
CREATE INDEX cdc_row_account_payment_move ON cdc_row (((row ->> 'move_id')::bigint)) WHERE table_name = 'account_payment';

-- Aggregates touched by a source transaction that has not ended yet: published, then deleted, at its END marker.
CREATE TABLE cdc_pending (
  transaction_id text NOT NULL,
  aggregate text NOT NULL,
  aggregate_id bigint NOT NULL,
  source_position bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, aggregate, aggregate_id)
);

-- Country codes now come from the mirror.
DROP TABLE odoo_country;

-- Down Migration
CREATE TABLE odoo_country (
  id integer PRIMARY KEY,
  code varchar(2) NOT NULL,
  source_position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
DROP TABLE cdc_pending;
DROP TABLE cdc_row;
