/**
 * The models the sandbox serves, described as Odoo 17 declares them (technical names, labels, types, required,
 * relations, `_order`), over the tables of scripts/stack.d/odoo17-schema.sql. Only the fields the hub uses, and
 * those that make records look like Odoo's, are declared: a field not listed here is "Invalid field" as it would be
 * on a database without the module that adds it.
 */

export type FieldType =
  | 'integer'
  | 'float'
  | 'monetary'
  | 'char'
  | 'text'
  | 'html'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2one_reference';

/** Who may do what on a model (`ir.model.access`), by group external id. */
export type GroupXmlId = 'base.group_user' | 'base.group_erp_manager' | 'base.group_system' | 'base.group_portal';
export type Operation = 'read' | 'write' | 'create' | 'unlink';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** The label (`string`), used in error messages. */
  string: string;
  /** Has a column of the same name in the model's table. */
  store: boolean;
  /** jsonb `{"en_US": ...}` column (translate=True). */
  translate?: boolean;
  required?: boolean;
  /** Computed by the ORM (stored or not): values sent by a client are ignored. */
  computed?: boolean;
  comodel?: string;
  /** one2many: the many2one field of the comodel pointing back. */
  inverse?: string;
  selection?: readonly (readonly [string, string])[];
  /** A related field: the path from this model (first a many2one), e.g. ['product_tmpl_id', 'name']. */
  related?: readonly string[];
  /** A non-stored computed field readable and searchable through an SQL expression over the model's row alias. */
  sql?: (alias: string) => string;
}

export interface ModelDef {
  name: string;
  table: string;
  /** `_description`, used in error messages ("Model: Contact (res.partner)"). */
  description: string;
  /** `_order`, in terms of field names. */
  order: string;
  fields: ReadonlyMap<string, FieldDef>;
  /** SQL expression of `display_name` for the row aliased `alias`; `lang` is a validated language code. */
  displayName(alias: string, lang: string): string;
  /** Fields `name_search` matches (`_rec_names_search`), or display_name. */
  recNamesSearch: readonly string[];
  /** Groups allowed per operation; the superuser bypasses them. */
  access: Readonly<Record<Operation, readonly GroupXmlId[]>>;
  /** ORM methods the sandbox serves on this model (besides model-specific ones). */
  methods: readonly string[];
}

type Extra = Partial<Omit<FieldDef, 'name' | 'type' | 'string'>>;
const field =
  (type: FieldType) =>
  (name: string, string: string, extra: Extra = {}): FieldDef => ({ name, type, string, store: true, ...extra });

const char = field('char');
const text = field('text');
const html = field('html');
const bool = field('boolean');
const integer = field('integer');
const float = field('float');
const monetary = field('monetary');
const date = field('date');
const datetime = field('datetime');
const selection = (name: string, string: string, values: [string, string][], extra: Extra = {}) =>
  field('selection')(name, string, { selection: values, ...extra });
const m2o = (name: string, string: string, comodel: string, extra: Extra = {}) =>
  field('many2one')(name, string, { comodel, ...extra });
const o2m = (name: string, string: string, comodel: string, inverse: string): FieldDef => ({
  name,
  type: 'one2many',
  string,
  store: false,
  comodel,
  inverse,
});
const related = (name: string, string: string, type: FieldType, path: string[], extra: Extra = {}): FieldDef => ({
  name,
  type,
  string,
  store: false,
  computed: true,
  related: path,
  ...extra,
});
const computedSql = (name: string, string: string, type: FieldType, sql: (alias: string) => string): FieldDef => ({
  name,
  type,
  string,
  store: false,
  computed: true,
  sql,
});

/** The magic columns every model has (`_log_access`). */
const logAccess = (): FieldDef[] => [
  m2o('create_uid', 'Created by', 'res.users', { computed: true }),
  datetime('create_date', 'Created on', { computed: true }),
  m2o('write_uid', 'Last Updated by', 'res.users', { computed: true }),
  datetime('write_date', 'Last Updated on', { computed: true }),
];

/** `col->>'lang'`, falling back to English as Odoo's translated fields do. */
export function translated(column: string, lang: string): string {
  return `COALESCE(${column}->>'${lang}', ${column}->>'en_US')`;
}

const INTERNAL: readonly GroupXmlId[] = ['base.group_user'];
const ADMIN: readonly GroupXmlId[] = ['base.group_system'];
const READ_ONLY_METHODS = ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get'];
const CRUD_METHODS = [...READ_ONLY_METHODS, 'create', 'write', 'unlink', 'load'];
const internalReadOnly = { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN };
const internalFull = { read: INTERNAL, write: INTERNAL, create: INTERNAL, unlink: INTERNAL };

interface ModelSpec extends Omit<ModelDef, 'fields'> {
  fields: FieldDef[];
}

function model(spec: ModelSpec): ModelDef {
  const fields = new Map<string, FieldDef>();
  fields.set('id', { name: 'id', type: 'integer', string: 'ID', store: true, computed: true });
  for (const f of [...spec.fields, ...logAccess()]) fields.set(f.name, f);
  fields.set('display_name', {
    name: 'display_name',
    type: 'char',
    string: 'Display Name',
    store: false,
    computed: true,
  });
  return { ...spec, fields };
}

const partnerTypes: [string, string][] = [
  ['contact', 'Contact'],
  ['invoice', 'Invoice Address'],
  ['delivery', 'Delivery Address'],
  ['private', 'Private Address'],
  ['other', 'Other Address'],
];
const warnings: [string, string][] = [
  ['no-message', 'No Message'],
  ['warning', 'Warning'],
  ['block', 'Blocking Message'],
];

const productCode = (alias: string) =>
  `CASE WHEN COALESCE(${alias}.default_code, '') <> '' THEN '[' || ${alias}.default_code || '] ' ELSE '' END`;

export const ODOO_MODELS: readonly ModelDef[] = [
  model({
    name: 'res.partner',
    table: 'res_partner',
    description: 'Contact',
    order: 'complete_name ASC, id DESC',
    displayName: (a) => `COALESCE(${a}.complete_name, ${a}.name, '')`,
    recNamesSearch: ['complete_name', 'email', 'ref', 'vat', 'company_registry'],
    access: internalFull,
    methods: CRUD_METHODS,
    fields: [
      char('name', 'Name'),
      char('complete_name', 'Complete Name', { computed: true }),
      m2o('parent_id', 'Related Company', 'res.partner'),
      o2m('child_ids', 'Contact', 'res.partner', 'parent_id'),
      m2o('commercial_partner_id', 'Commercial Entity', 'res.partner', { computed: true }),
      char('commercial_company_name', 'Company Name Entity', { computed: true }),
      char('company_name', 'Company Name'),
      m2o('company_id', 'Company', 'res.company'),
      char('ref', 'Reference'),
      char('lang', 'Language'),
      char('tz', 'Timezone'),
      m2o('user_id', 'Salesperson', 'res.users'),
      char('vat', 'Tax ID'),
      char('company_registry', 'Company ID'),
      char('website', 'Website Link'),
      html('comment', 'Notes'),
      char('function', 'Job Position'),
      selection('type', 'Address Type', partnerTypes),
      char('street', 'Street'),
      char('street2', 'Street2'),
      char('zip', 'Zip'),
      char('city', 'City'),
      m2o('country_id', 'Country', 'res.country'),
      float('partner_latitude', 'Geo Latitude'),
      float('partner_longitude', 'Geo Longitude'),
      char('email', 'Email'),
      char('email_normalized', 'Normalized Email', { computed: true }),
      char('phone', 'Phone'),
      char('mobile', 'Mobile'),
      bool('is_company', 'Is a Company'),
      integer('color', 'Color Index'),
      bool('active', 'Active'),
      bool('employee', 'Employee'),
      bool('partner_share', 'Share Partner', { computed: true }),
      integer('customer_rank', 'Customer Rank'),
      integer('supplier_rank', 'Supplier Rank'),
      selection('invoice_warn', 'Invoice', warnings),
      selection('sale_warn', 'Sales Warnings', warnings),
      selection('picking_warn', 'Stock Picking', warnings),
      o2m('user_ids', 'Users', 'res.users', 'partner_id'),
      // account: company_dependent, so stored in ir_property (the partner's own value for the company, else the
      // company's default, else 0: no limit). Read-only here; the order desk sets it in Odoo.
      computedSql(
        'credit_limit',
        'Credit Limit',
        'float',
        (a) =>
          `COALESCE((SELECT p.value_float FROM ir_property p WHERE p.name = 'credit_limit'` +
          ` AND (p.res_id = 'res.partner,' || ${a}.id OR p.res_id IS NULL) AND (p.company_id = 1 OR p.company_id IS NULL)` +
          ` ORDER BY p.res_id NULLS LAST, p.company_id NULLS LAST LIMIT 1), 0)`,
      ),
    ],
  }),
  model({
    name: 'res.users',
    table: 'res_users',
    description: 'User',
    order: 'login, id',
    displayName: (a) => `(SELECT COALESCE(p.name, '') FROM res_partner p WHERE p.id = ${a}.partner_id)`,
    recNamesSearch: ['login', 'name'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('login', 'Login', { required: true }),
      m2o('partner_id', 'Related Partner', 'res.partner', { required: true }),
      related('name', 'Name', 'char', ['partner_id', 'name']),
      related('email', 'Email', 'char', ['partner_id', 'email']),
      m2o('company_id', 'Company', 'res.company', { required: true }),
      bool('active', 'Active'),
      bool('share', 'Share User', { computed: true }),
    ],
  }),
  model({
    name: 'res.company',
    table: 'res_company',
    description: 'Companies',
    order: 'sequence, name',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Company Name', { required: true }),
      m2o('partner_id', 'Partner', 'res.partner', { required: true }),
      m2o('currency_id', 'Currency', 'res.currency', { required: true }),
      integer('sequence', 'Sequence'),
      bool('active', 'Active'),
      char('email', 'Email', { computed: true }),
    ],
  }),
  model({
    name: 'res.country',
    table: 'res_country',
    description: 'Country',
    order: 'name',
    displayName: (a, lang) => translated(`${a}.name`, lang),
    recNamesSearch: ['name', 'code'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Country Name', { required: true, translate: true }),
      char('code', 'Country Code'),
      m2o('currency_id', 'Currency', 'res.currency'),
      integer('phone_code', 'Country Calling Code'),
    ],
  }),
  model({
    name: 'res.currency',
    table: 'res_currency',
    description: 'Currency',
    order: 'active desc, name',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Currency', { required: true }),
      char('full_name', 'Name'),
      char('symbol', 'Symbol', { required: true }),
      float('rounding', 'Rounding Factor'),
      integer('decimal_places', 'Decimal Places', { computed: true }),
      bool('active', 'Active'),
    ],
  }),
  model({
    name: 'uom.uom',
    table: 'uom_uom',
    description: 'Product Unit of Measure',
    order: 'factor DESC, id',
    displayName: (a, lang) => translated(`${a}.name`, lang),
    recNamesSearch: ['name'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Unit of Measure', { required: true, translate: true }),
      float('factor', 'Ratio', { required: true }),
      float('rounding', 'Rounding Precision', { required: true }),
      bool('active', 'Active'),
      selection('uom_type', 'Type', [
        ['bigger', 'Bigger than the reference Unit of Measure'],
        ['reference', 'Reference Unit of Measure for this category'],
        ['smaller', 'Smaller than the reference Unit of Measure'],
      ]),
    ],
  }),
  model({
    name: 'product.category',
    table: 'product_category',
    description: 'Product Category',
    order: 'complete_name',
    displayName: (a) => `COALESCE(${a}.complete_name, ${a}.name)`,
    recNamesSearch: ['complete_name'],
    access: { read: INTERNAL, write: ADMIN, create: ADMIN, unlink: ADMIN },
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Name', { required: true }),
      char('complete_name', 'Complete Name', { computed: true }),
      m2o('parent_id', 'Parent Category', 'product.category'),
    ],
  }),
  model({
    name: 'product.template',
    table: 'product_template',
    description: 'Product',
    order: 'priority desc, name',
    displayName: (a, lang) => `${productCode(a)} || ${translated(`${a}.name`, lang)}`,
    recNamesSearch: ['name', 'default_code'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Name', { required: true, translate: true }),
      integer('sequence', 'Sequence'),
      html('description_sale', 'Sales Description', { translate: true }),
      selection('detailed_type', 'Product Type', [
        ['consu', 'Consumable'],
        ['service', 'Service'],
        ['product', 'Storable Product'],
      ]),
      selection('type', 'Type', [
        ['consu', 'Consumable'],
        ['service', 'Service'],
        ['product', 'Storable Product'],
      ]),
      m2o('categ_id', 'Product Category', 'product.category', { required: true }),
      float('list_price', 'Sales Price'),
      float('volume', 'Volume'),
      float('weight', 'Weight'),
      bool('sale_ok', 'Can be Sold'),
      bool('purchase_ok', 'Can be Purchased'),
      m2o('uom_id', 'Unit of Measure', 'uom.uom', { required: true }),
      m2o('uom_po_id', 'Purchase Unit of Measure', 'uom.uom', { required: true }),
      m2o('company_id', 'Company', 'res.company'),
      bool('active', 'Active'),
      char('default_code', 'Internal Reference', { computed: true }),
      selection('priority', 'Favorite', [
        ['0', 'Normal'],
        ['1', 'Favorite'],
      ]),
      selection('invoice_policy', 'Invoicing Policy', [
        ['order', 'Ordered quantities'],
        ['delivery', 'Delivered quantities'],
      ]),
      float('sale_delay', 'Customer Lead Time'),
      selection('tracking', 'Tracking', [
        ['serial', 'By Unique Serial Number'],
        ['lot', 'By Lots'],
        ['none', 'No Tracking'],
      ]),
      o2m('product_variant_ids', 'Products', 'product.product', 'product_tmpl_id'),
    ],
  }),
  model({
    name: 'product.product',
    table: 'product_product',
    description: 'Product Variant',
    order: 'priority desc, default_code, name, id',
    displayName: (a, lang) =>
      `${productCode(a)} || (SELECT ${translated('t.name', lang)} FROM product_template t WHERE t.id = ${a}.product_tmpl_id)`,
    recNamesSearch: ['default_code', 'name', 'barcode'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      m2o('product_tmpl_id', 'Product Template', 'product.template', { required: true }),
      char('default_code', 'Internal Reference'),
      char('barcode', 'Barcode'),
      bool('active', 'Active'),
      char('combination_indices', 'Combination Indices', { computed: true }),
      float('volume', 'Volume'),
      float('weight', 'Weight'),
      related('name', 'Name', 'char', ['product_tmpl_id', 'name'], { translate: true }),
      related('lst_price', 'Sales Price', 'float', ['product_tmpl_id', 'list_price']),
      related('list_price', 'Sales Price', 'float', ['product_tmpl_id', 'list_price']),
      related('type', 'Type', 'selection', ['product_tmpl_id', 'type']),
      related('detailed_type', 'Product Type', 'selection', ['product_tmpl_id', 'detailed_type']),
      related('categ_id', 'Product Category', 'many2one', ['product_tmpl_id', 'categ_id'], {
        comodel: 'product.category',
      }),
      related('uom_id', 'Unit of Measure', 'many2one', ['product_tmpl_id', 'uom_id'], { comodel: 'uom.uom' }),
      related('sale_ok', 'Can be Sold', 'boolean', ['product_tmpl_id', 'sale_ok']),
      related('priority', 'Favorite', 'selection', ['product_tmpl_id', 'priority']),
      related('description_sale', 'Sales Description', 'html', ['product_tmpl_id', 'description_sale'], {
        translate: true,
      }),
      related('invoice_policy', 'Invoicing Policy', 'selection', ['product_tmpl_id', 'invoice_policy']),
      computedSql(
        'qty_available',
        'Quantity On Hand',
        'float',
        (a) =>
          `(SELECT COALESCE(SUM(q.quantity), 0) FROM stock_quant q JOIN stock_location l ON l.id = q.location_id` +
          ` WHERE q.product_id = ${a}.id AND l.usage = 'internal')`,
      ),
      computedSql(
        'free_qty',
        'Free To Use Quantity',
        'float',
        (a) =>
          `(SELECT COALESCE(SUM(q.quantity - q.reserved_quantity), 0) FROM stock_quant q` +
          ` JOIN stock_location l ON l.id = q.location_id WHERE q.product_id = ${a}.id AND l.usage = 'internal')`,
      ),
    ],
  }),
  model({
    name: 'sale.order',
    table: 'sale_order',
    description: 'Sales Order',
    order: 'date_order desc, id desc',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: internalFull,
    methods: CRUD_METHODS,
    fields: [
      char('name', 'Order Reference', { required: true }),
      selection('state', 'Status', [
        ['draft', 'Quotation'],
        ['sent', 'Quotation Sent'],
        ['sale', 'Sales Order'],
        ['cancel', 'Cancelled'],
      ]),
      bool('locked', 'Locked'),
      char('origin', 'Source Document'),
      char('client_order_ref', 'Customer Reference'),
      char('reference', 'Payment Ref.'),
      datetime('date_order', 'Order Date', { required: true }),
      date('validity_date', 'Expiration'),
      datetime('commitment_date', 'Delivery Date'),
      m2o('partner_id', 'Customer', 'res.partner', { required: true }),
      m2o('partner_invoice_id', 'Invoice Address', 'res.partner', { required: true }),
      m2o('partner_shipping_id', 'Delivery Address', 'res.partner', { required: true }),
      m2o('currency_id', 'Currency', 'res.currency'),
      m2o('company_id', 'Company', 'res.company', { required: true }),
      m2o('user_id', 'Salesperson', 'res.users'),
      monetary('amount_untaxed', 'Untaxed Amount', { computed: true }),
      monetary('amount_tax', 'Taxes', { computed: true }),
      monetary('amount_total', 'Total', { computed: true }),
      selection(
        'invoice_status',
        'Invoice Status',
        [
          ['upselling', 'Upselling Opportunity'],
          ['invoiced', 'Fully Invoiced'],
          ['to invoice', 'To Invoice'],
          ['no', 'Nothing to Invoice'],
        ],
        { computed: true },
      ),
      html('note', 'Terms and conditions'),
      integer('warehouse_id', 'Warehouse'),
      selection('picking_policy', 'Shipping Policy', [
        ['direct', 'As soon as possible'],
        ['one', 'When all products are ready'],
      ]),
      selection(
        'delivery_status',
        'Delivery Status',
        [
          ['pending', 'Not Delivered'],
          ['started', 'Started'],
          ['partial', 'Partially Delivered'],
          ['full', 'Fully Delivered'],
        ],
        { computed: true },
      ),
      datetime('effective_date', 'Effective Date', { computed: true }),
      m2o('procurement_group_id', 'Procurement Group', 'procurement.group', { computed: true }),
      o2m('order_line', 'Order Lines', 'sale.order.line', 'order_id'),
      o2m('picking_ids', 'Transfers', 'stock.picking', 'sale_id'),
    ],
  }),
  model({
    name: 'sale.order.line',
    table: 'sale_order_line',
    description: 'Sales Order Line',
    order: 'order_id, sequence, id',
    displayName: (a) =>
      `(SELECT o.name FROM sale_order o WHERE o.id = ${a}.order_id) || ' - ' || split_part(${a}.name, E'\\n', 1)`,
    recNamesSearch: ['name'],
    access: internalFull,
    methods: CRUD_METHODS,
    fields: [
      m2o('order_id', 'Order Reference', 'sale.order', { required: true }),
      integer('sequence', 'Sequence'),
      m2o('company_id', 'Company', 'res.company', { computed: true }),
      m2o('currency_id', 'Currency', 'res.currency', { computed: true }),
      m2o('order_partner_id', 'Customer', 'res.partner', { computed: true }),
      m2o('salesman_id', 'Salesperson', 'res.users', { computed: true }),
      selection(
        'state',
        'Order Status',
        [
          ['draft', 'Quotation'],
          ['sent', 'Quotation Sent'],
          ['sale', 'Sales Order'],
          ['cancel', 'Cancelled'],
        ],
        { computed: true },
      ),
      selection('display_type', 'Display Type', [
        ['line_section', 'Section'],
        ['line_note', 'Note'],
      ]),
      bool('is_downpayment', 'Is a down payment'),
      m2o('product_id', 'Product', 'product.product'),
      float('product_uom_qty', 'Quantity', { required: true }),
      m2o('product_uom', 'Unit of Measure', 'uom.uom'),
      text('name', 'Description', { required: true }),
      float('price_unit', 'Unit Price', { required: true }),
      float('discount', 'Discount (%)'),
      monetary('price_subtotal', 'Subtotal', { computed: true }),
      float('price_tax', 'Total Tax', { computed: true }),
      monetary('price_total', 'Total', { computed: true }),
      float('price_reduce_taxexcl', 'Price Reduce Tax excl', { computed: true }),
      float('price_reduce_taxinc', 'Price Reduce Tax incl', { computed: true }),
      selection(
        'qty_delivered_method',
        'Method to update delivered qty',
        [
          ['manual', 'Manual'],
          ['analytic', 'Analytic From Expenses'],
          ['stock_move', 'Stock Moves'],
        ],
        { computed: true },
      ),
      float('qty_delivered', 'Delivery Quantity'),
      float('qty_invoiced', 'Invoiced Quantity', { computed: true }),
      float('qty_to_invoice', 'Quantity To Invoice', { computed: true }),
      selection(
        'invoice_status',
        'Invoice Status',
        [
          ['upselling', 'Upselling Opportunity'],
          ['invoiced', 'Fully Invoiced'],
          ['to invoice', 'To Invoice'],
          ['no', 'Nothing to Invoice'],
        ],
        { computed: true },
      ),
      float('customer_lead', 'Lead Time', { required: true }),
      o2m('move_ids', 'Stock Moves', 'stock.move', 'sale_line_id'),
    ],
  }),
  model({
    name: 'procurement.group',
    table: 'procurement_group',
    description: 'Procurement Group',
    order: 'id desc',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Reference', { required: true }),
      m2o('partner_id', 'Partner', 'res.partner'),
      selection('move_type', 'Delivery Type', [
        ['direct', 'Partial'],
        ['one', 'All at once'],
      ]),
      m2o('sale_id', 'Sale Order', 'sale.order'),
    ],
  }),
  model({
    name: 'stock.location',
    table: 'stock_location',
    description: 'Inventory Locations',
    order: 'complete_name, id',
    displayName: (a) => `COALESCE(${a}.complete_name, ${a}.name)`,
    recNamesSearch: ['complete_name', 'barcode'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Location Name', { required: true }),
      char('complete_name', 'Full Location Name', { computed: true }),
      bool('active', 'Active'),
      selection('usage', 'Location Type', [
        ['supplier', 'Vendor Location'],
        ['view', 'View'],
        ['internal', 'Internal Location'],
        ['customer', 'Customer Location'],
        ['inventory', 'Inventory Loss'],
        ['production', 'Production'],
        ['transit', 'Transit Location'],
      ]),
      m2o('location_id', 'Parent Location', 'stock.location'),
      m2o('company_id', 'Company', 'res.company'),
      bool('scrap_location', 'Is a Scrap Location?'),
      bool('return_location', 'Is a Return Location?'),
    ],
  }),
  model({
    name: 'stock.picking.type',
    table: 'stock_picking_type',
    description: 'Picking Type',
    order: 'sequence, id',
    displayName: (a, lang) => translated(`${a}.name`, lang),
    recNamesSearch: ['name'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Operation Type', { required: true, translate: true }),
      selection('code', 'Type of Operation', [
        ['incoming', 'Receipt'],
        ['outgoing', 'Delivery'],
        ['internal', 'Internal Transfer'],
      ]),
      integer('sequence', 'Sequence'),
      char('sequence_code', 'Sequence Prefix', { required: true }),
      m2o('default_location_src_id', 'Default Source Location', 'stock.location'),
      m2o('default_location_dest_id', 'Default Destination Location', 'stock.location'),
      integer('warehouse_id', 'Warehouse'),
      m2o('company_id', 'Company', 'res.company', { required: true }),
      bool('active', 'Active'),
      m2o('return_picking_type_id', 'Operation Type for Returns', 'stock.picking.type'),
      m2o('default_location_return_id', 'Default returns location', 'stock.location'),
    ],
  }),
  model({
    name: 'stock.picking',
    table: 'stock_picking',
    description: 'Transfer',
    order: 'priority desc, scheduled_date asc, id desc',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Reference'),
      char('origin', 'Source Document'),
      html('note', 'Notes'),
      m2o('backorder_id', 'Back Order of', 'stock.picking'),
      selection('move_type', 'Shipping Policy', [
        ['direct', 'As soon as possible'],
        ['one', 'When all products are ready'],
      ]),
      selection(
        'state',
        'Status',
        [
          ['draft', 'Draft'],
          ['waiting', 'Waiting Another Operation'],
          ['confirmed', 'Waiting'],
          ['assigned', 'Ready'],
          ['done', 'Done'],
          ['cancel', 'Cancelled'],
        ],
        { computed: true },
      ),
      m2o('group_id', 'Procurement Group', 'procurement.group'),
      selection('priority', 'Priority', [
        ['0', 'Normal'],
        ['1', 'Urgent'],
      ]),
      datetime('scheduled_date', 'Scheduled Date'),
      datetime('date_deadline', 'Deadline'),
      datetime('date', 'Creation Date'),
      datetime('date_done', 'Date of Transfer'),
      m2o('location_id', 'Source Location', 'stock.location', { required: true }),
      m2o('location_dest_id', 'Destination Location', 'stock.location', { required: true }),
      m2o('picking_type_id', 'Operation Type', 'stock.picking.type', { required: true }),
      related('picking_type_code', 'Type of Operation', 'selection', ['picking_type_id', 'code']),
      m2o('partner_id', 'Contact', 'res.partner'),
      m2o('company_id', 'Company', 'res.company', { computed: true }),
      m2o('user_id', 'Responsible', 'res.users'),
      m2o('sale_id', 'Sales Order', 'sale.order', { computed: true }),
      char('carrier_tracking_ref', 'Tracking Reference'),
      m2o('return_id', 'Return of', 'stock.picking', { computed: true }),
      o2m('move_ids', 'Stock Moves', 'stock.move', 'picking_id'),
    ],
  }),
  model({
    name: 'stock.move',
    table: 'stock_move',
    description: 'Stock Move',
    order: 'sequence, id',
    displayName: (a) => `COALESCE(${a}.reference, ${a}.name)`,
    recNamesSearch: ['name'],
    access: internalReadOnly,
    methods: READ_ONLY_METHODS,
    fields: [
      char('name', 'Description', { required: true }),
      integer('sequence', 'Sequence'),
      datetime('date', 'Date Scheduled', { required: true }),
      datetime('date_deadline', 'Deadline'),
      m2o('company_id', 'Company', 'res.company', { required: true }),
      m2o('product_id', 'Product', 'product.product', { required: true }),
      float('product_qty', 'Real Quantity', { computed: true }),
      float('product_uom_qty', 'Demand', { required: true }),
      m2o('product_uom', 'UoM', 'uom.uom', { required: true }),
      float('quantity', 'Quantity', { computed: true }),
      bool('picked', 'Picked'),
      m2o('location_id', 'Source Location', 'stock.location', { required: true }),
      m2o('location_dest_id', 'Destination Location', 'stock.location', { required: true }),
      m2o('partner_id', 'Destination Address', 'res.partner'),
      m2o('picking_id', 'Transfer', 'stock.picking'),
      m2o('picking_type_id', 'Operation Type', 'stock.picking.type'),
      selection(
        'state',
        'Status',
        [
          ['draft', 'New'],
          ['waiting', 'Waiting Another Move'],
          ['confirmed', 'Waiting Availability'],
          ['partially_available', 'Partially Available'],
          ['assigned', 'Available'],
          ['done', 'Done'],
          ['cancel', 'Cancelled'],
        ],
        { computed: true },
      ),
      char('origin', 'Source Document'),
      selection('procure_method', 'Supply Method', [
        ['make_to_stock', 'Default: Take From Stock'],
        ['make_to_order', 'Advanced: Apply Procurement Rules'],
      ]),
      m2o('group_id', 'Procurement Group', 'procurement.group'),
      char('reference', 'Reference', { computed: true }),
      integer('warehouse_id', 'Warehouse'),
      m2o('sale_line_id', 'Sale Line', 'sale.order.line'),
      bool('scrapped', 'Scrapped', { computed: true }),
      m2o('origin_returned_move_id', 'Origin return move', 'stock.move'),
      o2m('returned_move_ids', 'All returned moves', 'stock.move', 'origin_returned_move_id'),
      bool('to_refund', 'Update quantities on SO/PO'),
    ],
  }),
  // stock.return.picking (17.0, with stock_account's to_refund): the return wizard. Transient records, kept in
  // real tables as Odoo keeps them; internal users create them, edit their lines and call create_returns.
  model({
    name: 'stock.return.picking',
    table: 'stock_return_picking',
    description: 'Return Picking',
    order: 'id',
    // No _rec_name: Odoo's display_name is "model,id".
    displayName: (a) => `'stock.return.picking,' || ${a}.id`,
    recNamesSearch: ['display_name'],
    access: { read: INTERNAL, write: INTERNAL, create: INTERNAL, unlink: ADMIN },
    methods: [...READ_ONLY_METHODS, 'create', 'write'],
    fields: [
      m2o('picking_id', 'Picking', 'stock.picking'),
      // Computed from picking_id (store=True, readonly=False, precompute): a client may give them instead.
      o2m('product_return_moves', 'Moves', 'stock.return.picking.line', 'wizard_id'),
      m2o('location_id', 'Return Location', 'stock.location'),
      bool('move_dest_exists', 'Chained Move Exists', { computed: true }),
      m2o('original_location_id', 'Original Location', 'stock.location', { computed: true }),
      m2o('parent_location_id', 'Parent Location', 'stock.location', { computed: true }),
      related('company_id', 'Company', 'many2one', ['picking_id', 'company_id'], { comodel: 'res.company' }),
    ],
  }),
  model({
    name: 'stock.return.picking.line',
    table: 'stock_return_picking_line',
    description: 'Return Picking Line',
    order: 'id',
    // _rec_name = 'product_id'
    displayName: (a, lang) =>
      `(SELECT ${productCode('pp')} || ${translated('t.name', lang)} FROM product_product pp` +
      ` JOIN product_template t ON t.id = pp.product_tmpl_id WHERE pp.id = ${a}.product_id)`,
    recNamesSearch: ['product_id'],
    access: { read: INTERNAL, write: INTERNAL, create: INTERNAL, unlink: INTERNAL },
    methods: [...READ_ONLY_METHODS, 'create', 'write', 'unlink'],
    fields: [
      m2o('product_id', 'Product', 'product.product', { required: true }),
      float('quantity', 'Quantity', { required: true }),
      related('uom_id', 'Unit of Measure', 'many2one', ['product_id', 'uom_id'], { comodel: 'uom.uom' }),
      m2o('wizard_id', 'Wizard', 'stock.return.picking'),
      m2o('move_id', 'Move', 'stock.move'),
      bool('to_refund', 'Update quantities on SO/PO'),
    ],
  }),
  model({
    name: 'ir.model.data',
    table: 'ir_model_data',
    description: 'Model Data',
    order: 'module, model, name',
    displayName: (a) => `${a}.name`,
    recNamesSearch: ['name'],
    access: {
      read: INTERNAL,
      write: INTERNAL,
      create: INTERNAL,
      unlink: ['base.group_erp_manager'],
    },
    methods: [...READ_ONLY_METHODS, 'create', 'write', 'unlink'],
    fields: [
      char('name', 'External Identifier', { required: true }),
      computedSql('complete_name', 'Complete ID', 'char', (a) => `${a}.module || '.' || ${a}.name`),
      char('model', 'Model Name', { required: true }),
      char('module', 'Module', { required: true }),
      field('many2one_reference')('res_id', 'Record ID'),
      bool('noupdate', 'Non Updatable'),
    ],
  }),
];

/** Lookup of the served models by technical name. */
export class ModelCatalogue {
  private readonly byName = new Map<string, ModelDef>();
  private readonly byTable = new Map<string, ModelDef>();

  constructor(models: readonly ModelDef[] = ODOO_MODELS) {
    for (const m of models) {
      this.byName.set(m.name, m);
      this.byTable.set(m.table, m);
    }
  }

  get(name: string): ModelDef | undefined {
    return this.byName.get(name);
  }

  /** The model of a table, to name it in an integrity error. */
  ofTable(table: string): ModelDef | undefined {
    return this.byTable.get(table);
  }

  require(name: string): ModelDef {
    const m = this.byName.get(name);
    if (!m) throw new Error(`model ${name} is not served`);
    return m;
  }
}

/** Languages are interpolated into SQL: only codes shaped like Odoo's (en_US, fr_BE, sr@latin) pass. */
export function safeLang(lang: unknown): string {
  return typeof lang === 'string' && /^[a-z]{2,3}(_[A-Z]{2})?(@[a-z]+)?$/.test(lang) ? lang : 'en_US';
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier ${name}`);
  return `"${name}"`;
}
