-- Odoo 17 tables the hub reads through Debezium, as the Odoo ORM would create them in a database
-- with base, product, uom, sale, account, stock, sale_stock and delivery installed. Applied by
-- `scripts/stack up` to the local `odoo` database; safe to run any number of times.
--
-- Column rules (ORM _column_type): translatable Char/Text -> jsonb {"en_US": ...}; Float with digits
-- and Monetary -> numeric, Float without digits -> float8; Many2one -> int4; Selection -> varchar;
-- Date -> date; Datetime -> timestamp without time zone, holding UTC. Every table has the magic
-- columns create_uid, create_date, write_uid, write_date.
--
-- Only the columns the hub needs, plus the ones that make a row look like Odoo's, are modelled.
-- Deliberate differences from a real Odoo database:
--   * DEFAULT clauses: Odoo applies defaults in the ORM, not in the column. They are here so that
--     test fixtures can insert short rows; they match the ORM default of each field.
--   * Foreign keys exist only between the tables below (ondelete as in Odoo: required -> RESTRICT,
--     optional -> SET NULL, declared cascade -> CASCADE). Many2one columns to models not modelled
--     here (product_pricelist, stock_warehouse, uom_category, account_account, ...) are plain int4,
--     and so are the magic columns and the salesperson columns pointing at res_users: fixtures write
--     rows by SQL with uids the database may not hold.
--   * Users, groups, API keys, external ids and sequences (res_users, res_groups, res_users_apikeys,
--     ir_model_data, ir_sequence) are modelled for the Odoo sandbox (sandboxes/odoo), which serves
--     Odoo's external API over this database. Their rows are not captured by Debezium, except
--     ir_model_data's: odoo-cdc keeps the hub's own external ids (module hub), which link Odoo
--     records to the Salesforce records they came from. The users
--     themselves (and their partners) are created by the sandbox when it starts, as an install
--     would: their partners are res_partner rows, which this file does not seed so that a fresh
--     database holds only the company's own partner.
--   * company_dependent fields (standard_price, credit_limit, property_* ...) live in ir_property in 17: no
--     column; ir_property is modelled for the ones the sandbox serves (res.partner.credit_limit).

BEGIN;

-- ---------------------------------------------------------------------------------------------
-- base
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS res_currency (
    id                      serial PRIMARY KEY,
    name                    varchar NOT NULL,                 -- ISO 4217 code, e.g. EUR
    full_name               varchar,
    symbol                  varchar NOT NULL,
    rounding                numeric DEFAULT 0.01,             -- digits=(12, 6)
    decimal_places          int4,                             -- stored compute from rounding
    active                  bool DEFAULT true,
    position                varchar DEFAULT 'after',          -- after|before
    currency_unit_label     jsonb,
    currency_subunit_label  jsonb,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_currency_unique_name UNIQUE (name),
    CONSTRAINT res_currency_rounding_gt_zero CHECK (rounding > 0)
);

CREATE TABLE IF NOT EXISTS res_country (
    id              serial PRIMARY KEY,
    name            jsonb NOT NULL,                           -- translate=True
    code            varchar(2),
    address_format  text,
    currency_id     int4 REFERENCES res_currency (id) ON DELETE SET NULL,
    phone_code      int4,
    name_position   varchar DEFAULT 'before',
    vat_label       jsonb,
    state_required  bool DEFAULT false,
    zip_required    bool DEFAULT true,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_country_name_uniq UNIQUE (name),
    CONSTRAINT res_country_code_uniq UNIQUE (code)
);

CREATE TABLE IF NOT EXISTS res_partner (
    id                       serial PRIMARY KEY,
    name                     varchar,                         -- not translated; indexed
    complete_name            varchar,                         -- stored compute ("Company, Contact")
    company_id               int4,                            -- FK added below (cycle with res_company)
    parent_id                int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    commercial_partner_id    int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    commercial_company_name  varchar,
    company_name             varchar,
    ref                      varchar,
    lang                     varchar,
    tz                       varchar,
    user_id                  int4,                            -- salesperson (res_users)
    vat                      varchar,
    company_registry         varchar,
    website                  varchar,
    comment                  text,                            -- Html
    function                 varchar,
    type                     varchar DEFAULT 'contact',       -- contact|invoice|delivery|private|other
    street                   varchar,
    street2                  varchar,
    zip                      varchar,
    city                     varchar,
    state_id                 int4,                            -- res_country_state
    country_id               int4 REFERENCES res_country (id) ON DELETE RESTRICT,
    partner_latitude         numeric(10, 7),
    partner_longitude        numeric(10, 7),
    email                    varchar,
    email_normalized         varchar,                         -- mail: stored compute
    phone                    varchar,
    mobile                   varchar,
    is_company               bool DEFAULT false,
    industry_id              int4,
    color                    int4,
    active                   bool DEFAULT true,
    employee                 bool,
    partner_share            bool,                            -- stored compute
    customer_rank            int4 DEFAULT 0,                  -- account
    supplier_rank            int4 DEFAULT 0,                  -- account
    invoice_warn             varchar DEFAULT 'no-message',    -- account: no-message|warning|block
    sale_warn                varchar DEFAULT 'no-message',    -- sale
    picking_warn             varchar DEFAULT 'no-message',    -- stock
    message_bounce           int4,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_partner_check_name CHECK ((type = 'contact' AND name IS NOT NULL) OR (type != 'contact'))
);
CREATE INDEX IF NOT EXISTS res_partner_name_index ON res_partner (name);
CREATE INDEX IF NOT EXISTS res_partner_commercial_partner_id_index ON res_partner (commercial_partner_id);

CREATE TABLE IF NOT EXISTS res_company (
    id           serial PRIMARY KEY,
    name         varchar NOT NULL,                            -- related partner_id.name, stored
    partner_id   int4 NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    currency_id  int4 NOT NULL REFERENCES res_currency (id) ON DELETE RESTRICT,
    parent_id    int4 REFERENCES res_company (id) ON DELETE RESTRICT,   -- branches (17)
    parent_path  varchar,
    sequence     int4 DEFAULT 10,
    active       bool DEFAULT true,
    email        varchar,                                     -- stored compute from partner
    phone        varchar,
    mobile       varchar,
    report_header jsonb,
    report_footer jsonb,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_company_name_uniq UNIQUE (name)
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'res_partner_company_id_fkey') THEN
        ALTER TABLE res_partner ADD CONSTRAINT res_partner_company_id_fkey
            FOREIGN KEY (company_id) REFERENCES res_company (id) ON DELETE SET NULL;
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- uom / product
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS uom_uom (
    id           serial PRIMARY KEY,
    name         jsonb NOT NULL,                              -- translate=True
    category_id  int4 NOT NULL,                               -- uom_category (not modelled)
    factor       numeric NOT NULL DEFAULT 1.0,                -- digits=0 -> numeric
    rounding     numeric NOT NULL DEFAULT 0.01,               -- digits=0 -> numeric
    active       bool DEFAULT true,
    uom_type     varchar NOT NULL DEFAULT 'reference',        -- bigger|reference|smaller
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT uom_uom_factor_gt_zero CHECK (factor != 0),
    CONSTRAINT uom_uom_rounding_gt_zero CHECK (rounding > 0),
    CONSTRAINT uom_uom_factor_reference_is_one CHECK ((uom_type = 'reference' AND factor = 1.0) OR (uom_type != 'reference'))
);

CREATE TABLE IF NOT EXISTS product_category (
    id             serial PRIMARY KEY,
    name           varchar NOT NULL,                          -- not translated in 17
    complete_name  varchar,                                   -- stored compute "All / Saleable"
    parent_id      int4 REFERENCES product_category (id) ON DELETE CASCADE,
    parent_path    varchar,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);

CREATE TABLE IF NOT EXISTS product_template (
    id                    serial PRIMARY KEY,
    name                  jsonb NOT NULL,                     -- translate=True
    sequence              int4 DEFAULT 1,
    description           jsonb,                              -- Html translate=True
    description_purchase  jsonb,
    description_sale      jsonb,
    detailed_type         varchar NOT NULL DEFAULT 'consu',   -- 17: consu|service|product (stock); event, combo... by other modules
    type                  varchar NOT NULL DEFAULT 'consu',   -- 17: stored compute from detailed_type: consu|service|product
    categ_id              int4 NOT NULL REFERENCES product_category (id) ON DELETE RESTRICT,
    list_price            numeric DEFAULT 1.0,                -- digits='Product Price'
    volume                numeric,
    weight                numeric,
    sale_ok               bool DEFAULT true,
    purchase_ok           bool DEFAULT true,
    uom_id                int4 NOT NULL REFERENCES uom_uom (id) ON DELETE RESTRICT,
    uom_po_id             int4 NOT NULL REFERENCES uom_uom (id) ON DELETE RESTRICT,
    company_id            int4 REFERENCES res_company (id) ON DELETE SET NULL,
    active                bool DEFAULT true,
    color                 int4,
    default_code          varchar,                            -- stored compute: the single variant's code
    priority              varchar DEFAULT '0',
    invoice_policy        varchar DEFAULT 'order',            -- sale: order|delivery
    service_type          varchar DEFAULT 'manual',           -- sale
    expense_policy        varchar DEFAULT 'no',               -- sale
    sale_line_warn        varchar NOT NULL DEFAULT 'no-message',
    sale_delay            float8 DEFAULT 0,                   -- sale_stock: customer lead time (days)
    tracking              varchar NOT NULL DEFAULT 'none',    -- stock: serial|lot|none
    description_picking   jsonb,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);

CREATE TABLE IF NOT EXISTS product_product (
    id                  serial PRIMARY KEY,
    product_tmpl_id     int4 NOT NULL REFERENCES product_template (id) ON DELETE CASCADE,
    default_code        varchar,
    barcode             varchar,
    active              bool DEFAULT true,
    combination_indices varchar DEFAULT '',                   -- stored compute; '' for the only variant
    volume              numeric,
    weight              numeric,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS product_product_product_tmpl_id_index ON product_product (product_tmpl_id);
CREATE INDEX IF NOT EXISTS product_product_default_code_index ON product_product (default_code);
CREATE UNIQUE INDEX IF NOT EXISTS product_product_combination_unique
    ON product_product (product_tmpl_id, combination_indices) WHERE active IS TRUE;

-- ---------------------------------------------------------------------------------------------
-- account
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS account_journal (
    id                  serial PRIMARY KEY,
    name                jsonb NOT NULL,                       -- translate=True in 17
    code                varchar(5) NOT NULL,                  -- INV, BILL, BNK1, CSH1, MISC
    active              bool DEFAULT true,
    type                varchar NOT NULL,                     -- sale|purchase|cash|bank|general
    sequence            int4 DEFAULT 10,
    default_account_id  int4,                                 -- account_account
    suspense_account_id int4,
    currency_id         int4 REFERENCES res_currency (id) ON DELETE SET NULL,
    company_id          int4 NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    show_on_dashboard   bool DEFAULT true,
    color               int4,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT account_journal_code_company_uniq UNIQUE (company_id, code)
);

CREATE TABLE IF NOT EXISTS account_move (
    id                              serial PRIMARY KEY,
    name                            varchar,                  -- stored compute: '/' for unposted drafts, INV/2024/00001
    ref                             varchar,
    date                            date NOT NULL,
    state                           varchar NOT NULL DEFAULT 'draft',   -- draft|posted|cancel
    move_type                       varchar NOT NULL DEFAULT 'entry',   -- entry|out_invoice|out_refund|in_invoice|in_refund|out_receipt|in_receipt
    auto_post                       varchar NOT NULL DEFAULT 'no',
    is_move_sent                    bool DEFAULT false,
    journal_id                      int4 NOT NULL REFERENCES account_journal (id) ON DELETE RESTRICT,
    company_id                      int4 REFERENCES res_company (id) ON DELETE RESTRICT,   -- stored compute from journal
    partner_id                      int4 REFERENCES res_partner (id) ON DELETE RESTRICT,
    commercial_partner_id           int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    partner_shipping_id             int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    currency_id                     int4 NOT NULL REFERENCES res_currency (id) ON DELETE RESTRICT,
    payment_id                      int4,                     -- account_payment; FK added below (cycle)
    invoice_date                    date,
    invoice_date_due                date,
    invoice_origin                  varchar,                  -- e.g. the sale order name S00042
    invoice_user_id                 int4,
    invoice_payment_term_id         int4,
    payment_reference               varchar,
    payment_state                   varchar DEFAULT 'not_paid', -- not_paid|in_payment|paid|partial|reversed|invoicing_legacy
    amount_untaxed                  numeric,
    amount_tax                      numeric,
    amount_total                    numeric,
    amount_residual                 numeric,
    amount_untaxed_signed           numeric,
    amount_tax_signed               numeric,
    amount_total_signed             numeric,
    amount_total_in_currency_signed numeric,
    amount_residual_signed          numeric,
    narration                       text,                     -- Html
    sequence_prefix                 varchar,
    sequence_number                 int4,
    reversed_entry_id               int4 REFERENCES account_move (id) ON DELETE SET NULL,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE UNIQUE INDEX IF NOT EXISTS account_move_unique_name
    ON account_move (name, journal_id) WHERE (state = 'posted' AND name != '/');

-- Odoo 17: account.payment _inherits account.move through move_id. The payment's date, state,
-- journal_id, name and ref are the move's columns (no column here); amount, payment_type,
-- partner_type, partner_id and currency_id are the payment's own (partner_id and currency_id are
-- kept in sync with the move). Odoo 18 drops _inherits and adds account_payment.state.
CREATE TABLE IF NOT EXISTS account_payment (
    id                                  serial PRIMARY KEY,
    move_id                             int4 NOT NULL REFERENCES account_move (id) ON DELETE CASCADE,
    is_reconciled                       bool,
    is_matched                          bool,
    is_internal_transfer                bool DEFAULT false,
    partner_bank_id                     int4,
    paired_internal_transfer_payment_id int4 REFERENCES account_payment (id) ON DELETE SET NULL,
    payment_method_line_id              int4,
    payment_method_id                   int4,
    amount                              numeric,              -- Monetary
    payment_type                        varchar NOT NULL DEFAULT 'inbound',   -- outbound|inbound
    partner_type                        varchar NOT NULL DEFAULT 'customer',  -- customer|supplier
    payment_reference                   varchar,
    currency_id                         int4 REFERENCES res_currency (id) ON DELETE SET NULL,
    partner_id                          int4 REFERENCES res_partner (id) ON DELETE RESTRICT,
    outstanding_account_id              int4,
    destination_account_id              int4,
    destination_journal_id              int4 REFERENCES account_journal (id) ON DELETE SET NULL,
    amount_company_currency_signed      numeric,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT account_payment_check_amount_not_negative CHECK (amount >= 0.0)
);
CREATE INDEX IF NOT EXISTS account_payment_move_id_index ON account_payment (move_id);

-- The journal items of a move: for an invoice, its product lines plus the tax and receivable (payment_term) lines
-- Odoo computes. journal_id, company_id, company_currency_id, move_name, parent_state, date and ref are related
-- fields stored from the move.
CREATE TABLE IF NOT EXISTS account_move_line (
    id                        serial PRIMARY KEY,
    move_id                   int4 NOT NULL REFERENCES account_move (id) ON DELETE CASCADE,
    journal_id                int4 REFERENCES account_journal (id) ON DELETE SET NULL,
    company_id                int4 REFERENCES res_company (id) ON DELETE RESTRICT,
    company_currency_id       int4 REFERENCES res_currency (id) ON DELETE SET NULL,
    move_name                 varchar,
    parent_state              varchar,                        -- draft|posted|cancel (the move's state)
    date                      date,
    ref                       varchar,
    sequence                  int4 DEFAULT 10,
    display_type              varchar NOT NULL DEFAULT 'product', -- product|cogs|tax|rounding|payment_term|line_section|line_note|epd
    account_id                int4,                           -- account_account
    name                      varchar,                        -- the label
    partner_id                int4 REFERENCES res_partner (id) ON DELETE RESTRICT,
    currency_id               int4 NOT NULL REFERENCES res_currency (id) ON DELETE RESTRICT,
    product_id                int4 REFERENCES product_product (id) ON DELETE RESTRICT,
    product_uom_id            int4 REFERENCES uom_uom (id) ON DELETE RESTRICT,
    quantity                  numeric,                        -- digits='Product Unit of Measure'
    price_unit                numeric,                        -- digits='Product Price'
    discount                  numeric DEFAULT 0.0,            -- digits='Discount'
    price_subtotal            numeric,
    price_total               numeric,
    debit                     numeric DEFAULT 0.0,
    credit                    numeric DEFAULT 0.0,
    balance                   numeric DEFAULT 0.0,
    amount_currency           numeric DEFAULT 0.0,
    amount_residual           numeric,
    amount_residual_currency  numeric,
    reconciled                bool,
    date_maturity             date,
    tax_line_id               int4,                           -- account_tax
    tax_base_amount           numeric,
    analytic_distribution     jsonb,
    is_downpayment            bool,                           -- sale
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS account_move_line_move_id_index ON account_move_line (move_id);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'account_move_payment_id_fkey') THEN
        ALTER TABLE account_move ADD CONSTRAINT account_move_payment_id_fkey
            FOREIGN KEY (payment_id) REFERENCES account_payment (id) ON DELETE SET NULL;
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- sale
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS sale_order (
    id                   serial PRIMARY KEY,
    name                 varchar NOT NULL DEFAULT 'New',      -- then the sequence, S00042
    state                varchar DEFAULT 'draft',             -- 17: draft|sent|sale|cancel (no 'done'; see locked)
    locked               bool DEFAULT false,
    origin               varchar,
    client_order_ref     varchar,
    reference            varchar,                             -- payment reference
    date_order           timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    validity_date        date,
    commitment_date      timestamp,
    require_signature    bool,
    require_payment      bool,
    partner_id           int4 NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    partner_invoice_id   int4 NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    partner_shipping_id  int4 NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    pricelist_id         int4,                                -- product_pricelist
    currency_id          int4 REFERENCES res_currency (id) ON DELETE SET NULL,   -- stored compute
    currency_rate        numeric,
    payment_term_id      int4,
    fiscal_position_id   int4,
    company_id           int4 NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    user_id              int4,                                -- salesperson (res_users)
    team_id              int4,
    analytic_account_id  int4,                                -- 17 only
    journal_id           int4 REFERENCES account_journal (id) ON DELETE SET NULL,
    amount_untaxed       numeric,
    amount_tax           numeric,
    amount_total         numeric,
    invoice_status       varchar,                             -- upselling|invoiced|to invoice|no
    note                 text,                                -- Html
    access_token         varchar,
    warehouse_id         int4,                                -- sale_stock (stock_warehouse)
    picking_policy       varchar NOT NULL DEFAULT 'direct',   -- sale_stock: direct|one
    delivery_status      varchar,                             -- sale_stock: pending|started|partial|full
    effective_date       timestamp,                           -- sale_stock
    procurement_group_id int4,
    carrier_id           int4,                                -- delivery
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT sale_order_date_order_conditional_required
        CHECK ((state = 'sale' AND date_order IS NOT NULL) OR state != 'sale')
);

CREATE TABLE IF NOT EXISTS sale_order_line (
    id                        serial PRIMARY KEY,
    order_id                  int4 NOT NULL REFERENCES sale_order (id) ON DELETE CASCADE,
    sequence                  int4 DEFAULT 10,
    company_id                int4 REFERENCES res_company (id) ON DELETE RESTRICT,   -- related, stored
    currency_id               int4 REFERENCES res_currency (id) ON DELETE SET NULL, -- related, stored
    order_partner_id          int4 REFERENCES res_partner (id) ON DELETE SET NULL,  -- related, stored
    salesman_id               int4,
    state                     varchar,                        -- related order_id.state, stored
    display_type              varchar,                        -- line_section|line_note|NULL
    is_downpayment            bool,
    is_expense                bool DEFAULT false,
    product_id                int4 REFERENCES product_product (id) ON DELETE RESTRICT,
    product_uom_qty           numeric NOT NULL DEFAULT 1.0,   -- digits='Product Unit of Measure'
    product_uom               int4 REFERENCES uom_uom (id) ON DELETE RESTRICT,       -- product_uom_id from 19
    name                      text NOT NULL,
    price_unit                numeric NOT NULL DEFAULT 0.0,   -- digits='Product Price'
    discount                  numeric DEFAULT 0.0,
    price_subtotal            numeric,
    price_tax                 float8,                         -- Float without digits
    price_total               numeric,
    price_reduce_taxexcl      numeric,
    price_reduce_taxinc       numeric,
    qty_delivered_method      varchar,                        -- manual|analytic|stock_move
    qty_delivered             numeric DEFAULT 0.0,
    qty_invoiced              numeric DEFAULT 0.0,
    qty_to_invoice            numeric DEFAULT 0.0,
    untaxed_amount_invoiced   numeric,
    untaxed_amount_to_invoice numeric,
    invoice_status            varchar DEFAULT 'no',           -- upselling|invoiced|to invoice|no
    customer_lead             float8 NOT NULL DEFAULT 0.0,
    route_id                  int4,                           -- sale_stock
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT sale_order_line_accountable_required_fields
        CHECK (display_type IS NOT NULL OR (product_id IS NOT NULL AND product_uom IS NOT NULL)),
    CONSTRAINT sale_order_line_non_accountable_null_fields
        CHECK (display_type IS NULL OR (product_id IS NULL AND price_unit = 0 AND product_uom_qty = 0
               AND product_uom IS NULL AND customer_lead = 0))
);
CREATE INDEX IF NOT EXISTS sale_order_line_order_id_index ON sale_order_line (order_id);

-- sale: the invoice lines that bill an order line (sale.order.line.invoice_lines, and account.move.line.sale_line_ids
-- the other way). A Many2many relation table as the ORM creates it: the two ids, both NOT NULL foreign keys with
-- ON DELETE CASCADE, the pair as primary key, and an index on the pair reversed. No id column.
CREATE TABLE IF NOT EXISTS sale_order_line_invoice_rel (
    order_line_id   int4 NOT NULL REFERENCES sale_order_line (id) ON DELETE CASCADE,
    invoice_line_id int4 NOT NULL REFERENCES account_move_line (id) ON DELETE CASCADE,
    PRIMARY KEY (order_line_id, invoice_line_id)
);
CREATE INDEX IF NOT EXISTS sale_order_line_invoice_rel_invoice_line_id_order_line_id_idx
    ON sale_order_line_invoice_rel (invoice_line_id, order_line_id);

-- ---------------------------------------------------------------------------------------------
-- stock (+ sale_stock, delivery)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS stock_location (
    id                 serial PRIMARY KEY,
    name               varchar NOT NULL,
    complete_name      varchar,                               -- stored compute "WH/Stock"
    active             bool DEFAULT true,
    usage              varchar NOT NULL DEFAULT 'internal',   -- supplier|view|internal|customer|inventory|production|transit
    location_id        int4 REFERENCES stock_location (id) ON DELETE CASCADE,
    parent_path        varchar,
    company_id         int4 REFERENCES res_company (id) ON DELETE SET NULL,
    scrap_location     bool DEFAULT false,
    return_location    bool DEFAULT false,
    replenish_location bool DEFAULT false,
    barcode            varchar,
    warehouse_id       int4,                                  -- stored compute (stock_warehouse)
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT stock_location_barcode_company_uniq UNIQUE (barcode, company_id)
);

CREATE TABLE IF NOT EXISTS stock_picking_type (
    id                       serial PRIMARY KEY,
    name                     jsonb NOT NULL,                  -- translate=True
    code                     varchar NOT NULL,                -- incoming|outgoing|internal (+ mrp_operation...)
    sequence                 int4,
    sequence_code            varchar NOT NULL,                -- IN, OUT, INT
    sequence_id              int4,
    default_location_src_id  int4 REFERENCES stock_location (id) ON DELETE SET NULL,
    default_location_dest_id int4 REFERENCES stock_location (id) ON DELETE SET NULL,
    warehouse_id             int4,
    company_id               int4 NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    active                   bool DEFAULT true,
    reservation_method       varchar NOT NULL DEFAULT 'at_confirm',
    color                    int4,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);

CREATE TABLE IF NOT EXISTS stock_picking (
    id                   serial PRIMARY KEY,
    name                 varchar DEFAULT '/',                 -- WH/OUT/00012
    origin               varchar,                             -- e.g. the sale order name
    note                 text,                                -- Html
    backorder_id         int4 REFERENCES stock_picking (id) ON DELETE SET NULL,
    move_type            varchar NOT NULL DEFAULT 'direct',   -- direct|one
    state                varchar DEFAULT 'draft',             -- draft|waiting|confirmed|assigned|done|cancel (stored compute)
    group_id             int4,                                -- procurement_group
    priority             varchar DEFAULT '0',
    scheduled_date       timestamp,
    date_deadline        timestamp,
    date                 timestamp DEFAULT (now() AT TIME ZONE 'UTC'),
    date_done            timestamp,
    location_id          int4 NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
    location_dest_id     int4 NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
    picking_type_id      int4 NOT NULL REFERENCES stock_picking_type (id) ON DELETE RESTRICT,
    partner_id           int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    company_id           int4 REFERENCES res_company (id) ON DELETE RESTRICT,   -- related, stored
    user_id              int4,
    owner_id             int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    printed              bool DEFAULT false,
    is_locked            bool DEFAULT true,
    sale_id              int4 REFERENCES sale_order (id) ON DELETE SET NULL,    -- sale_stock: related group_id.sale_id, stored
    carrier_id           int4,                                -- delivery
    carrier_price        numeric,                             -- delivery
    carrier_tracking_ref varchar,                             -- delivery
    weight               numeric,                             -- delivery: stored compute
    shipping_weight      numeric,                             -- delivery
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT stock_picking_name_uniq UNIQUE (name, company_id)
);
CREATE INDEX IF NOT EXISTS stock_picking_sale_id_index ON stock_picking (sale_id);

CREATE TABLE IF NOT EXISTS stock_move (
    id                  serial PRIMARY KEY,
    name                varchar NOT NULL,
    sequence            int4 DEFAULT 10,
    priority            varchar DEFAULT '0',
    date                timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    date_deadline       timestamp,
    company_id          int4 NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    product_id          int4 NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
    description_picking text,
    product_qty         numeric,                              -- stored compute, in the product's uom (digits=0)
    product_uom_qty     numeric NOT NULL DEFAULT 0.0,         -- demand, digits='Product Unit of Measure'
    product_uom         int4 NOT NULL REFERENCES uom_uom (id) ON DELETE RESTRICT,
    quantity            numeric DEFAULT 0.0,                  -- 17: replaces quantity_done; stored compute
    picked              bool DEFAULT false,                   -- 17
    location_id         int4 NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
    location_dest_id    int4 NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
    partner_id          int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    picking_id          int4 REFERENCES stock_picking (id) ON DELETE SET NULL,
    picking_type_id     int4 REFERENCES stock_picking_type (id) ON DELETE SET NULL,
    state               varchar DEFAULT 'draft',              -- draft|waiting|confirmed|partially_available|assigned|done|cancel
    price_unit          float8,
    origin              varchar,
    procure_method      varchar NOT NULL DEFAULT 'make_to_stock',
    scrapped            bool,                                 -- related location_dest_id.scrap_location, stored
    group_id            int4,
    rule_id             int4,
    origin_returned_move_id int4 REFERENCES stock_move (id) ON DELETE SET NULL,
    reference           varchar,                              -- stored compute: picking name
    warehouse_id        int4,
    sale_line_id        int4 REFERENCES sale_order_line (id) ON DELETE SET NULL,  -- sale_stock
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS stock_move_picking_id_index ON stock_move (picking_id);
CREATE INDEX IF NOT EXISTS stock_move_sale_line_id_index ON stock_move (sale_line_id);

-- Returns (stock + stock_account, 17.0). Added after the tables above were first shipped: ADD COLUMN IF NOT EXISTS
-- brings databases made before in step. A return picking points at the picking it returns (return_id, "Return of"),
-- each of its moves at the move it returns (origin_returned_move_id); a picking type names the type of its returns.
ALTER TABLE stock_picking_type ADD COLUMN IF NOT EXISTS return_picking_type_id int4
    REFERENCES stock_picking_type (id) ON DELETE SET NULL;
ALTER TABLE stock_picking_type ADD COLUMN IF NOT EXISTS default_location_return_id int4
    REFERENCES stock_location (id) ON DELETE SET NULL;
ALTER TABLE stock_picking ADD COLUMN IF NOT EXISTS return_id int4 REFERENCES stock_picking (id) ON DELETE SET NULL;
ALTER TABLE stock_move ADD COLUMN IF NOT EXISTS to_refund bool;  -- stock_account: "Update quantities on SO/PO"
CREATE INDEX IF NOT EXISTS stock_picking_return_id_index ON stock_picking (return_id) WHERE return_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS stock_move_origin_returned_move_id_index ON stock_move (origin_returned_move_id)
    WHERE origin_returned_move_id IS NOT NULL;

-- The return wizard (TransientModel: Odoo stores its records in real tables and vacuums them later). Many2one
-- columns from a transient model to a regular one default to ON DELETE CASCADE; to another transient, SET NULL.
CREATE TABLE IF NOT EXISTS stock_return_picking (
    id                   serial PRIMARY KEY,
    picking_id           int4 REFERENCES stock_picking (id) ON DELETE CASCADE,
    move_dest_exists     bool,                                -- stored compute
    original_location_id int4 REFERENCES stock_location (id) ON DELETE CASCADE,   -- stored compute
    parent_location_id   int4 REFERENCES stock_location (id) ON DELETE CASCADE,   -- stored compute
    location_id          int4 REFERENCES stock_location (id) ON DELETE CASCADE,   -- Return Location, stored compute
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);

CREATE TABLE IF NOT EXISTS stock_return_picking_line (
    id          serial PRIMARY KEY,
    product_id  int4 NOT NULL REFERENCES product_product (id) ON DELETE CASCADE,
    quantity    numeric NOT NULL,                             -- digits='Product Unit of Measure'
    wizard_id   int4 REFERENCES stock_return_picking (id) ON DELETE SET NULL,
    move_id     int4 REFERENCES stock_move (id) ON DELETE CASCADE,
    to_refund   bool,                                         -- stock_account, default True
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS stock_return_picking_line_wizard_id_index ON stock_return_picking_line (wizard_id);

CREATE TABLE IF NOT EXISTS stock_quant (
    id                      serial PRIMARY KEY,
    product_id              int4 NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
    company_id              int4 REFERENCES res_company (id) ON DELETE SET NULL,   -- related location_id.company_id, stored
    location_id             int4 NOT NULL REFERENCES stock_location (id) ON DELETE RESTRICT,
    lot_id                  int4,
    package_id              int4,
    owner_id                int4 REFERENCES res_partner (id) ON DELETE RESTRICT,
    quantity                numeric DEFAULT 0.0,              -- digits='Product Unit of Measure'
    reserved_quantity       numeric NOT NULL DEFAULT 0.0,
    in_date                 timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    inventory_quantity      numeric,
    inventory_diff_quantity numeric,
    inventory_date          date,
    inventory_quantity_set  bool DEFAULT false,
    user_id                 int4,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS stock_quant_product_location_index ON stock_quant (product_id, location_id);

-- ---------------------------------------------------------------------------------------------
-- base: users, groups, API keys, external identifiers, sequences (for the Odoo sandbox)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS res_groups (
    id           serial PRIMARY KEY,
    name         jsonb NOT NULL,                              -- translate=True
    category_id  int4,                                        -- ir_module_category (not modelled)
    color        int4,
    share        bool,
    comment      jsonb,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_groups_name_uniq UNIQUE (category_id, name)
);

-- res.users _inherits res.partner through partner_id: name, email, lang, tz... are the partner's columns.
-- password holds a passlib hash ($pbkdf2-sha512$600000$...; Odoo 17's MIN_ROUNDS), NULL when the user
-- cannot log in with a password (a bot that uses API keys only).
CREATE TABLE IF NOT EXISTS res_users (
    id                 serial PRIMARY KEY,
    company_id         int4 NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
    partner_id         int4 NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
    active             bool DEFAULT true,
    login              varchar NOT NULL,
    password           varchar,
    action_id          int4,                                  -- ir_actions (not modelled)
    share              bool,                                  -- stored compute: not in base.group_user
    signature          text,                                  -- Html
    notification_type  varchar NOT NULL DEFAULT 'email',      -- mail: email|inbox
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp,
    CONSTRAINT res_users_login_key UNIQUE (login)
);
CREATE INDEX IF NOT EXISTS res_users_partner_id_index ON res_users (partner_id);

-- Many2many relation tables as the ORM creates them (res.users groups_id and company_ids).
CREATE TABLE IF NOT EXISTS res_groups_users_rel (
    gid int4 NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    uid int4 NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid)
);
CREATE INDEX IF NOT EXISTS res_groups_users_rel_uid_gid_idx ON res_groups_users_rel (uid, gid);

CREATE TABLE IF NOT EXISTS res_company_users_rel (
    user_id int4 NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    cid     int4 NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, cid)
);
CREATE INDEX IF NOT EXISTS res_company_users_rel_cid_user_id_idx ON res_company_users_rel (cid, user_id);

-- res.users.apikeys is _auto = False: Odoo 17 creates the table itself (init()), exactly like this. The key
-- is 20 random bytes as 40 hex digits, shown once; `index` keeps its first 8 digits, `key` a passlib
-- pbkdf2_sha512 hash of it (6000 rounds). scope NULL is a global key, which RPC accepts.
CREATE TABLE IF NOT EXISTS res_users_apikeys (
    id          serial primary key,
    name        varchar not null,
    user_id     integer not null REFERENCES res_users(id) ON DELETE CASCADE,
    scope       varchar,
    index       varchar(8) not null CHECK (char_length(index) = 8),
    key         varchar not null,
    create_date timestamp without time zone DEFAULT (now() at time zone 'utc')
);
CREATE INDEX IF NOT EXISTS res_users_apikeys_user_id_index_idx ON res_users_apikeys (user_id, index);

-- External identifiers: module.name -> (model, res_id). Rows written by `load` carry no magic columns
-- (Odoo inserts them with a plain INSERT ... ON CONFLICT (module, name)).
CREATE TABLE IF NOT EXISTS ir_model_data (
    id          serial PRIMARY KEY,
    create_uid  int4,
    create_date timestamp,
    write_date  timestamp,
    write_uid   int4,
    res_id      int4,                                         -- many2one_reference to `model`
    noupdate    bool DEFAULT false,
    name        varchar NOT NULL,
    module      varchar NOT NULL,
    model       varchar NOT NULL,
    CONSTRAINT ir_model_data_name_nospaces CHECK (name NOT LIKE '% %')
);
CREATE UNIQUE INDEX IF NOT EXISTS ir_model_data_module_name_uniq_index ON ir_model_data (module, name);
CREATE INDEX IF NOT EXISTS ir_model_data_model_res_id_index ON ir_model_data (model, res_id);

-- Company-dependent field values (fields.X(company_dependent=True), e.g. account's res.partner.credit_limit):
-- one row per field, company and record ("res.partner,42"); a row without res_id is the field's default for the
-- company. fields_id points at ir_model_fields, not modelled here: plain int4.
CREATE TABLE IF NOT EXISTS ir_property (
    id              serial PRIMARY KEY,
    create_uid      int4,
    create_date     timestamp,
    write_date      timestamp,
    write_uid       int4,
    name            varchar NOT NULL,                         -- the field's name, e.g. credit_limit
    res_id          varchar,                                  -- "model,id"; NULL: the company's default
    company_id      int4 REFERENCES res_company (id) ON DELETE SET NULL,
    fields_id       int4 NOT NULL,
    value_float     float8,
    value_integer   int4,
    value_text      text,
    value_binary    bytea,
    value_reference varchar,
    value_datetime  timestamp,
    type            varchar NOT NULL DEFAULT 'many2one'      -- char|float|boolean|integer|text|binary|many2one|date|datetime|selection
);
CREATE UNIQUE INDEX IF NOT EXISTS ir_property_unique_index
    ON ir_property (fields_id, COALESCE(company_id, 0), COALESCE(res_id, ''));
CREATE INDEX IF NOT EXISTS ir_property_res_id_index ON ir_property (res_id);

-- ir.sequence with implementation 'standard' draws from a PostgreSQL sequence named ir_sequence_<id, 3 digits>.
CREATE TABLE IF NOT EXISTS ir_sequence (
    id                serial PRIMARY KEY,
    name              varchar NOT NULL,
    code              varchar,
    implementation    varchar NOT NULL DEFAULT 'standard',    -- standard|no_gap
    active            bool DEFAULT true,
    prefix            varchar,
    suffix            varchar,
    number_next       int4 NOT NULL DEFAULT 1,
    number_increment  int4 NOT NULL DEFAULT 1,
    padding           int4 NOT NULL DEFAULT 0,
    company_id        int4 REFERENCES res_company (id) ON DELETE SET NULL,
    use_date_range    bool DEFAULT false,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);

-- stock + sale_stock: the procurement group an order's confirmation creates (named after the order).
CREATE TABLE IF NOT EXISTS procurement_group (
    id          serial PRIMARY KEY,
    partner_id  int4 REFERENCES res_partner (id) ON DELETE SET NULL,
    name        varchar NOT NULL,
    move_type   varchar NOT NULL DEFAULT 'direct',            -- direct|one
    sale_id     int4 REFERENCES sale_order (id) ON DELETE SET NULL,   -- sale_stock
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp
);
CREATE INDEX IF NOT EXISTS procurement_group_sale_id_index ON procurement_group (sale_id);

-- ---------------------------------------------------------------------------------------------
-- Debezium signalling table (not Odoo's): incremental snapshots are requested by inserting
--   INSERT INTO debezium_signal VALUES ('adhoc-1', 'execute-snapshot',
--     '{"data-collections": ["public.res_partner"], "type": "incremental"}');
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS debezium_signal (
    id   varchar(42) PRIMARY KEY,
    type varchar(32) NOT NULL,
    data varchar(2048)
);

-- Debezium heartbeat table (not Odoo's): the connector's heartbeat.action.query writes it every
-- heartbeat interval, so the replication slot advances even while Odoo's own tables are quiet and
-- the slot never holds WAL without bound.
CREATE TABLE IF NOT EXISTS debezium_heartbeat (
    id int4 PRIMARY KEY,
    ts timestamptz NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Rows a fresh Odoo 17 database has (ids follow a typical install where that is cheap).
-- ---------------------------------------------------------------------------------------------
INSERT INTO res_currency (id, name, full_name, symbol, rounding, decimal_places, active, position,
                          currency_unit_label, currency_subunit_label, create_date, write_date)
VALUES (1, 'EUR', 'Euro', '€', 0.01, 2, true, 'after', '{"en_US": "Euros"}', '{"en_US": "Cents"}',
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (2, 'USD', 'United States dollar', '$', 0.01, 2, true, 'before', '{"en_US": "Dollars"}', '{"en_US": "Cents"}',
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO res_country (id, name, code, currency_id, phone_code, vat_label, create_date, write_date)
VALUES (20, '{"en_US": "Belgium"}', 'BE', 1, 32, '{"en_US": "VAT"}', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (57, '{"en_US": "Germany"}', 'DE', 1, 49, '{"en_US": "VAT"}', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (75, '{"en_US": "France"}', 'FR', 1, 33, '{"en_US": "VAT"}', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (233, '{"en_US": "United States"}', 'US', 2, 1, NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO res_partner (id, name, complete_name, commercial_partner_id, type, is_company, active,
                         email, partner_share, create_date, write_date)
VALUES (1, 'My Company', 'My Company', 1, 'contact', true, true, 'info@yourcompany.com', false,
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO res_company (id, name, partner_id, currency_id, parent_path, sequence, active, email,
                         create_date, write_date)
VALUES (1, 'My Company', 1, 2, '1/', 0, true, 'info@yourcompany.com',
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;
UPDATE res_partner SET company_id = 1 WHERE id = 1 AND company_id IS NULL;

INSERT INTO uom_uom (id, name, category_id, factor, rounding, active, uom_type, create_date, write_date)
VALUES (1, '{"en_US": "Units"}', 1, 1.0, 0.01, true, 'reference', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO product_category (id, name, complete_name, parent_path, create_date, write_date)
VALUES (1, 'All', 'All', '1/', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO account_journal (id, name, code, type, sequence, company_id, create_date, write_date)
VALUES (1, '{"en_US": "Customer Invoices"}', 'INV', 'sale', 5, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (6, '{"en_US": "Bank"}', 'BNK1', 'bank', 10, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO stock_location (id, name, complete_name, usage, location_id, parent_path, company_id, create_date, write_date)
VALUES (1, 'Physical Locations', 'Physical Locations', 'view', NULL, '1/', NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (2, 'Partners', 'Partners', 'view', NULL, '2/', NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (4, 'Vendors', 'Partners/Vendors', 'supplier', 2, '2/4/', NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (5, 'Customers', 'Partners/Customers', 'customer', 2, '2/5/', NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (7, 'WH', 'WH', 'view', 1, '1/7/', 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (8, 'Stock', 'WH/Stock', 'internal', 7, '1/7/8/', 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO stock_picking_type (id, name, code, sequence, sequence_code, default_location_src_id,
                                default_location_dest_id, warehouse_id, company_id, create_date, write_date)
VALUES (1, '{"en_US": "Receipts"}', 'incoming', 1, 'IN', 4, 8, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (2, '{"en_US": "Delivery Orders"}', 'outgoing', 5, 'OUT', 8, 5, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

-- Groups every install has (base), and the sequences of sales orders and of the warehouse's transfers.
INSERT INTO res_groups (id, name, share, create_date, write_date)
VALUES (1, '{"en_US": "Internal User"}', false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (2, '{"en_US": "Access Rights"}', false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (4, '{"en_US": "Settings"}', false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (10, '{"en_US": "Portal"}', true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

INSERT INTO ir_sequence (id, name, code, implementation, prefix, padding, company_id, create_date, write_date)
VALUES (1, 'Sales Order', 'sale.order', 'standard', 'S', 5, NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (2, 'My Company Sequence in', NULL, 'standard', 'WH/IN/', 5, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       (3, 'My Company Sequence out', NULL, 'standard', 'WH/OUT/', 5, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;
CREATE SEQUENCE IF NOT EXISTS ir_sequence_001 INCREMENT BY 1 START WITH 1;
CREATE SEQUENCE IF NOT EXISTS ir_sequence_002 INCREMENT BY 1 START WITH 1;
CREATE SEQUENCE IF NOT EXISTS ir_sequence_003 INCREMENT BY 1 START WITH 1;
UPDATE stock_picking_type SET sequence_id = 2 WHERE id = 1 AND sequence_id IS NULL;
UPDATE stock_picking_type SET sequence_id = 3 WHERE id = 2 AND sequence_id IS NULL;
-- The warehouse's deliveries are returned by its receipts (WH/IN/…), as stock_warehouse sets it up.
UPDATE stock_picking_type SET return_picking_type_id = 1 WHERE id = 2 AND return_picking_type_id IS NULL;

-- The external ids of the records above, as the modules that create them name them.
INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
VALUES ('base', 'main_company', 'res.company', 1, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'main_partner', 'res.partner', 1, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'EUR', 'res.currency', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'USD', 'res.currency', 2, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'be', 'res.country', 20, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'de', 'res.country', 57, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'fr', 'res.country', 75, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'us', 'res.country', 233, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'group_user', 'res.groups', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'group_erp_manager', 'res.groups', 2, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'group_system', 'res.groups', 4, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('base', 'group_portal', 'res.groups', 10, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('uom', 'product_uom_unit', 'uom.uom', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('product', 'product_category_all', 'product.category', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('account', '1_sale', 'account.journal', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'stock_location_locations', 'stock.location', 1, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'stock_location_locations_partner', 'stock.location', 2, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'stock_location_suppliers', 'stock.location', 4, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'stock_location_customers', 'stock.location', 5, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'warehouse0', 'stock.warehouse', 1, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'stock_location_stock', 'stock.location', 8, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'picking_type_in', 'stock.picking.type', 1, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('stock', 'picking_type_out', 'stock.picking.type', 2, true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
       ('sale', 'seq_sale_order', 'ir.sequence', 1, false, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT DO NOTHING;

-- Explicit ids above leave the serial sequences behind: move each past its table's largest id.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['res_currency', 'res_country', 'res_partner', 'res_company', 'uom_uom',
                             'product_category', 'account_journal', 'stock_location', 'stock_picking_type',
                             'res_groups', 'ir_sequence']
    LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), GREATEST((SELECT max(id) FROM %I), 1))', t, t);
    END LOOP;
END $$;

COMMIT;
