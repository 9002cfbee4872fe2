import type { BusinessFamily, BusinessFigure, HubDatabase } from '@hub/runtime';
import { DESK_OBJECTS } from '../projection/support-target.mapping';

export const SUPPORT_MISSING_FAMILY: BusinessFamily = {
  metric: 'hub_business_support_missing',
  help: "Records the support desk's agents cannot see, from projector-support's read model: customers its orders and invoices name that have no organization or person on the desk (record=customer), and invoices of such customers (record=invoice).",
  labelNames: ['platform', 'record'],
  ageless: true,
};

/** What projector-support's store cannot tell, said where the figures are read. */
export const SUPPORT_COVERAGE_NOTES = [
  'Customers are counted only when an order or invoice of the read model names them: projector-support keeps no list of every customer it was sent (it would need a ledger of the customer events it read, or odoo-cdc’s mirror of res_partner).',
  'No age: the read model records no time for its rows, so there is no oldest-age gauge.',
];

/**
 * Coverage of the support desk, from projector-support's own tables: the read model of orders and invoices
 * (support_order, support_invoice) against the desk records the hub wrote (support_desk_record). An invoice counts
 * as missing when its customer is on no desk record: an agent's context note, which is built from the ticket's
 * organization, never shows it. Each figure is one scan of the read model with primary-key lookups.
 */
export class SupportCoverageHealth {
  constructor(
    private readonly db: HubDatabase,
    private readonly platform: string,
  ) {}

  async figures(): Promise<BusinessFigure[]> {
    const onDesk = (column: string) => `EXISTS (SELECT 1 FROM support_desk_record d
      WHERE d.platform = $1 AND d.object IN ($2, $3) AND d.external_id = ${column})`;
    const { rows } = await this.db.query<{ customers: number; invoices: number }>(
      `SELECT
         (SELECT count(DISTINCT c.customer_id)::int FROM (
            SELECT customer_id FROM support_order WHERE customer_id IS NOT NULL
            UNION SELECT customer_id FROM support_invoice WHERE customer_id IS NOT NULL) c
           WHERE NOT ${onDesk('c.customer_id')}) AS customers,
         (SELECT count(*)::int FROM support_invoice i
           WHERE i.customer_id IS NOT NULL AND NOT ${onDesk('i.customer_id')}) AS invoices`,
      [this.platform, DESK_OBJECTS.organization, DESK_OBJECTS.person],
    );
    const figure = (record: string, title: string, count: number): BusinessFigure => ({
      metric: SUPPORT_MISSING_FAMILY.metric,
      labels: { platform: this.platform, record },
      title,
      count,
      oldestAgeSeconds: null,
    });
    return [
      figure('customer', 'Customers missing from the support desk', rows[0]?.customers ?? 0),
      figure('invoice', 'Invoices missing from the support view', rows[0]?.invoices ?? 0),
    ];
  }
}
