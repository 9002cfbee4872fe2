import { ageSeconds, BusinessFamily, BusinessFigure, HubDatabase } from '@hub/runtime';

export const ODOO_BACKLOG_FAMILY: BusinessFamily = {
  metric: 'hub_business_odoo_not_in_salesforce',
  help: "Odoo records (current, not deleted, in odoo-cdc's mirror) whose latest change projector-salesforce has not applied to Salesforce, by record kind.",
  labelNames: ['record'],
};

/**
 * One kind of Odoo record as the mirror holds it and as projector-salesforce records it applied. `version` is the
 * SQL of the record's latest change position: its root row and the child rows whose change republishes it (an
 * order's lines, a delivery's moves, a payment's journal entry). odoo-cdc publishes an aggregate at the position of
 * the transaction's commit, which is at least the position of every row it changed, so "applied ≥ version" means
 * the latest change reached Salesforce.
 */
interface BacklogKind {
  record: string;
  title: string;
  /** `applied_position.object_name` of the write that creates the record in Salesforce. */
  scope: string;
  idPrefix: string;
  /** Rows of `cdc_row r` that are projected at all (e.g. outgoing deliveries only). */
  from: string;
  version: string;
  changedAt: string;
}

const childMax = (column: 'source_position' | 'updated_at', table: string, fk: string) =>
  `(SELECT max(c.${column}) FROM cdc_row c WHERE c.table_name = '${table}' AND (c.row ->> '${fk}')::bigint = r.row_id)`;

const KINDS: BacklogKind[] = [
  {
    record: 'order',
    title: 'Odoo orders not yet in Salesforce',
    scope: 'SalesOrder:Order',
    idPrefix: 'odoo-sale-order-',
    from: `cdc_row r WHERE r.table_name = 'sale_order'`,
    version: `GREATEST(r.source_position, ${childMax('source_position', 'sale_order_line', 'order_id')})`,
    changedAt: `GREATEST(r.updated_at, ${childMax('updated_at', 'sale_order_line', 'order_id')})`,
  },
  {
    record: 'shipment',
    title: 'Odoo deliveries not reflected in Salesforce',
    scope: 'Shipment:Odoo_Shipment__c',
    idPrefix: 'odoo-shipment-',
    from: `cdc_row r JOIN cdc_row t ON t.table_name = 'stock_picking_type'
             AND t.row_id = (r.row ->> 'picking_type_id')::bigint AND t.row ->> 'code' = 'outgoing'
           WHERE r.table_name = 'stock_picking'`,
    version: `GREATEST(r.source_position, ${childMax('source_position', 'stock_move', 'picking_id')})`,
    changedAt: `GREATEST(r.updated_at, ${childMax('updated_at', 'stock_move', 'picking_id')})`,
  },
  {
    record: 'invoice',
    title: 'Odoo invoices not reflected in Salesforce',
    scope: 'Invoice:Odoo_Invoice__c',
    idPrefix: 'odoo-invoice-',
    // Customer invoices and credit notes: the only moves odoo-cdc publishes as invoices.
    from: `cdc_row r WHERE r.table_name = 'account_move' AND r.row ->> 'move_type' IN ('out_invoice', 'out_refund')`,
    version: 'r.source_position',
    changedAt: 'r.updated_at',
  },
  {
    record: 'payment',
    title: 'Odoo payments not reflected in Salesforce',
    scope: 'Payment:Odoo_Payment__c',
    idPrefix: 'odoo-payment-',
    // A payment's journal entry changing (posted, reconciled) republishes the payment.
    from: `cdc_row r LEFT JOIN cdc_row m ON m.table_name = 'account_move' AND m.row_id = (r.row ->> 'move_id')::bigint
           WHERE r.table_name = 'account_payment'`,
    version: 'GREATEST(r.source_position, m.source_position)',
    changedAt: 'GREATEST(r.updated_at, m.updated_at)',
  },
];

/** The SQL of one kind's backlog: count and the oldest unapplied change. Exported for the spec. */
export function backlogSql(kind: BacklogKind | string): string {
  const k = typeof kind === 'string' ? KINDS.find((x) => x.record === kind)! : kind;
  return `SELECT count(*)::int AS n, min(b.changed_at) AS oldest
    FROM (SELECT r.row_id, ${k.version} AS version, ${k.changedAt} AS changed_at FROM ${k.from} AND NOT r.deleted) b
    WHERE NOT EXISTS (
      SELECT 1 FROM applied_position p
       WHERE p.target = 'salesforce' AND p.object_name = '${k.scope}' AND p.source_system = 'odoo'
         AND p.external_id = '${k.idPrefix}' || b.row_id AND p.source_position >= b.version)`;
}

/**
 * Odoo's orders, deliveries, invoices and payments that are not (yet) in Salesforce as they are in Odoo: odoo-cdc's
 * mirror against projector-salesforce's applied positions, joined in one query: it needs the two apps on one hub
 * database (HUB_DATABASE_URL), as production runs them. On a database odoo-cdc does not write, the mirror is empty
 * and every figure reads 0, which the docs call out (docs/observability.md, "Business health").
 *
 * Each figure is one scan of the kind's rows in the mirror with index lookups (the children's expression indexes,
 * applied_position's primary key): bounded by the number of Odoo records, read at most once per scrape interval.
 */
export class OdooBacklogRepository {
  constructor(private readonly db: HubDatabase) {}

  async figures(now = Date.now()): Promise<BusinessFigure[]> {
    const out: BusinessFigure[] = [];
    for (const k of KINDS) {
      const { rows } = await this.db.query<{ n: number; oldest: Date | null }>(backlogSql(k));
      out.push({
        metric: ODOO_BACKLOG_FAMILY.metric,
        labels: { record: k.record },
        title: k.title,
        count: rows[0]?.n ?? 0,
        oldestAgeSeconds: ageSeconds(rows[0]?.oldest, now),
      });
    }
    return out;
  }
}
