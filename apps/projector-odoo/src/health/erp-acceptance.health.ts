import { ageSeconds, BusinessFamily, BusinessFigure, HubDatabase } from '@hub/runtime';
import { exceptionAgeBucketSql, fillExceptionAgeBuckets } from './exception-age';
import { IntakeLedger } from './intake-ledger.repository';

export const AWAITING_ERP_FAMILY: BusinessFamily = {
  metric: 'hub_business_salesforce_orders_awaiting_erp',
  help: 'Salesforce orders projector-odoo has read and neither confirmed in Odoo nor put in the work queue yet (waiting for their customer, retried behind an open breaker, or being taken).',
  labelNames: [],
};

export const OPEN_EXCEPTIONS_FAMILY: BusinessFamily = {
  metric: 'hub_business_open_exceptions',
  help: 'Open work-queue exceptions (orders Odoo did not take), by age since raised: under_1h, 1h_to_1d, 1d_to_7d, over_7d.',
  labelNames: ['age'],
};

/** projector-odoo's business figures, from its own tables: the intake ledger and the work queue. */
export class ErpAcceptanceHealth {
  constructor(
    private readonly db: HubDatabase,
    private readonly ledger: IntakeLedger,
  ) {}

  async figures(now = Date.now()): Promise<BusinessFigure[]> {
    const waiting = await this.ledger.waiting();
    const { rows } = await this.db.query<{ age: string; n: number; oldest: number }>(
      `SELECT ${exceptionAgeBucketSql('a.s')} AS age, count(*)::int AS n, max(a.s)::float8 AS oldest
         FROM (SELECT extract(epoch FROM (to_timestamp($1 / 1000.0) - created_at)) AS s
                 FROM odoo_order_exception WHERE status = 'open') a
        GROUP BY 1`,
      [now],
    );
    const buckets = fillExceptionAgeBuckets(
      rows.map((r) => ({ age: r.age, count: r.n, oldestAgeSeconds: Math.max(0, Math.round(r.oldest)) })),
    );
    return [
      {
        metric: AWAITING_ERP_FAMILY.metric,
        labels: {},
        title: 'Salesforce orders awaiting ERP acceptance',
        count: waiting.count,
        oldestAgeSeconds: ageSeconds(waiting.oldest, now),
      },
      ...buckets.map((b) => ({
        metric: OPEN_EXCEPTIONS_FAMILY.metric,
        labels: { age: b.age },
        title: `Open work-queue exceptions, ${b.age.replace(/_/g, ' ')}`,
        count: b.count,
        oldestAgeSeconds: b.oldestAgeSeconds,
      })),
    ];
  }
}
