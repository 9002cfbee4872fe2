import type { SourceEntity } from './source-of-record.port';

/**
 * What can be reconciled, by the Salesforce object named on the command line: the canonical entity it comes from, and
 * the objects that entity's aggregate writes (an Order pass compares its OrderItems too, a Product2 pass the product's
 * standard PricebookEntry: one aggregate, one repair). The first object is the root, the others its children by the
 * root's lookup (`Order.Odoo_Id__c`, `OrderId`).
 */
export const RECONCILE_ENTITIES = {
  Account: { source: 'Customer', root: 'Account', objects: ['Account'], prefix: 'odoo-partner-' },
  Contact: { source: 'Contact', root: 'Contact', objects: ['Contact'], prefix: 'odoo-partner-' },
  Product2: { source: 'Product', root: 'Product2', objects: ['Product2', 'PricebookEntry'], prefix: 'odoo-product-' },
  Order: { source: 'SalesOrder', root: 'Order', objects: ['Order', 'OrderItem'], prefix: 'odoo-sale-order-' },
  Odoo_Invoice__c: {
    source: 'Invoice',
    root: 'Odoo_Invoice__c',
    objects: ['Odoo_Invoice__c'],
    prefix: 'odoo-invoice-',
  },
  Odoo_Payment__c: {
    source: 'Payment',
    root: 'Odoo_Payment__c',
    objects: ['Odoo_Payment__c'],
    prefix: 'odoo-payment-',
  },
  Odoo_Shipment__c: {
    source: 'Shipment',
    root: 'Odoo_Shipment__c',
    objects: ['Odoo_Shipment__c'],
    prefix: 'odoo-shipment-',
  },
} as const satisfies Record<string, { source: SourceEntity; root: string; objects: readonly string[]; prefix: string }>;

export type ReconcileEntity = keyof typeof RECONCILE_ENTITIES;
export const RECONCILE_ENTITY_NAMES = Object.keys(RECONCILE_ENTITIES) as ReconcileEntity[];

/**
 * Other names a person may use: a child object names its root's pass (`OrderItem` → Order), and a canonical entity
 * its object (`Invoice` → Odoo_Invoice__c).
 */
const ALIASES: Record<string, ReconcileEntity> = {
  OrderItem: 'Order',
  PricebookEntry: 'Product2',
  Customer: 'Account',
  Product: 'Product2',
  SalesOrder: 'Order',
  Invoice: 'Odoo_Invoice__c',
  Payment: 'Odoo_Payment__c',
  Shipment: 'Odoo_Shipment__c',
};
export const RECONCILE_ALIASES = Object.keys(ALIASES);

export function reconcileEntityOf(name: string): ReconcileEntity | undefined {
  if (Object.hasOwn(ALIASES, name)) return ALIASES[name];
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
    if (!entity)
      return `unknown entity "${name}" (expected one of ${[...RECONCILE_ENTITY_NAMES, ...RECONCILE_ALIASES].join(', ')})`;
    const ms = parseDuration(every ?? '');
    if (ms === undefined) return `bad interval "${every ?? ''}" for ${name} (expected e.g. 15m, 1h)`;
    out.set(entity, ms);
  }
  return out;
}
