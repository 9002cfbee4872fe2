import type { SourceEntity } from './source-of-record.port';

/**
 * What can be reconciled, by the Salesforce object named on the command line: the canonical entity it comes from, and
 * the objects that entity's aggregate writes (an Order pass compares its OrderItems too: one aggregate, one repair).
 */
export const RECONCILE_ENTITIES = {
  Account: { source: 'Customer', root: 'Account', objects: ['Account'], prefix: 'odoo-partner-' },
  Order: { source: 'SalesOrder', root: 'Order', objects: ['Order', 'OrderItem'], prefix: 'odoo-sale-order-' },
} as const satisfies Record<string, { source: SourceEntity; root: string; objects: readonly string[]; prefix: string }>;

export type ReconcileEntity = keyof typeof RECONCILE_ENTITIES;
export const RECONCILE_ENTITY_NAMES = Object.keys(RECONCILE_ENTITIES) as ReconcileEntity[];

/** `OrderItem` names the Order pass: its items are reconciled with their order. */
export function reconcileEntityOf(name: string): ReconcileEntity | undefined {
  if (name === 'OrderItem') return 'Order';
  return (RECONCILE_ENTITY_NAMES as string[]).includes(name) ? (name as ReconcileEntity) : undefined;
}

/** A window length: `90s`, `15m`, `24h`, `7d`. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return ms > 0 ? ms : undefined;
}

/** `Account=15m,Order=5m`: how often each entity's scheduled pass runs. */
export function parseSchedule(text: string): Map<ReconcileEntity, number> | string {
  const out = new Map<ReconcileEntity, number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, every] = part.split('=');
    const entity = reconcileEntityOf(name ?? '');
    if (!entity) return `unknown entity "${name}" (expected ${RECONCILE_ENTITY_NAMES.join(', ')})`;
    const ms = parseDuration(every ?? '');
    if (ms === undefined) return `bad interval "${every ?? ''}" for ${name} (expected e.g. 15m, 1h)`;
    out.set(entity, ms);
  }
  return out;
}
