import { createHash } from 'node:crypto';

/** Canonical id of an Odoo res_partner row: stable for the row's whole life, whatever it becomes. */
export function odooPartnerCanonicalId(partnerId: number): string {
  return `odoo-partner-${partnerId}`;
}

/**
 * Canonical ids of Odoo records, stable for each record's whole life. They are part of the contract, whichever app
 * produces the event: the Kafka key, `envelope.aggregateId` and references between entities (`Invoice.orderIds`),
 * and the external ids targets store (`Odoo_Id__c`).
 */
export const odooCanonicalIds = {
  partner: odooPartnerCanonicalId,
  /** A product variant (product_product id): products and stock levels share it. */
  product: (productProductId: number) => `odoo-product-${productProductId}`,
  salesOrder: (id: number) => `odoo-sale-order-${id}`,
  invoice: (id: number) => `odoo-invoice-${id}`,
  payment: (id: number) => `odoo-payment-${id}`,
  shipment: (id: number) => `odoo-shipment-${id}`,
} as const;

/**
 * Canonical ids of support-desk tickets (the `service-case` topic): the desk's name and its ticket id, stable for
 * the ticket's whole life. A ticket number is unique only within one desk account, so the hub serves one account
 * per desk.
 */
export const supportCanonicalIds = {
  zendeskTicket: (ticketId: string | number) => `zendesk-ticket-${ticketId}`,
  freshdeskTicket: (ticketId: string | number) => `freshdesk-ticket-${ticketId}`,
  /**
   * A customer's open tickets on one desk (the `customer-service-load` topic), e.g.
   * `zendesk-service-load-odoo-partner-7`: per desk, so two installations' counts never replace each other.
   */
  serviceLoad: (desk: 'zendesk' | 'freshdesk', customerId: string) => `${desk}-service-load-${customerId}`,
} as const;

/**
 * Canonical ids of records created in Salesforce: the object and its 18-character Id, stable for the record's whole
 * life. A record the hub projected from Odoo keeps its Odoo id (`Odoo_Id__c` holds it), so one record has one id in
 * every system.
 */
export const salesforceCanonicalIds = {
  account: (id: string) => `salesforce-account-${id}`,
  contact: (id: string) => `salesforce-contact-${id}`,
  order: (id: string) => `salesforce-order-${id}`,
} as const;

/** The Salesforce Account Id a customer's canonical id names (`salesforce-account-<Id>`), or undefined for another. */
export function salesforceAccountIdOf(customerId: string): string | undefined {
  const prefix = salesforceCanonicalIds.account('');
  return customerId.startsWith(prefix) && customerId.length > prefix.length
    ? customerId.slice(prefix.length)
    : undefined;
}

/** The systems a record can be created in, as {@link originOfCanonicalId} names them. */
export type RecordOrigin = 'odoo' | 'salesforce' | 'support';

const ORIGIN_PREFIXES: readonly [string, RecordOrigin][] = [
  ['odoo-', 'odoo'],
  ['salesforce-', 'salesforce'],
  ['zendesk-', 'support'],
  ['freshdesk-', 'support'],
];

/**
 * The system a record was created in, read from its canonical id's prefix (`odoo-partner-42` → odoo,
 * `salesforce-account-001…` → salesforce, `zendesk-ticket-7` → support): the owner of the fields the ownership table
 * gives to `origin`. Throws for an id of no known system, so a record of unknown origin is never written.
 */
export function originOfCanonicalId(id: string): RecordOrigin {
  const match = ORIGIN_PREFIXES.find(([prefix]) => id.startsWith(prefix));
  if (!match) {
    throw new Error(
      `canonical id ${JSON.stringify(id)} names no known system (expected a prefix of ${ORIGIN_PREFIXES.map(([p]) => p).join(', ')})`,
    );
  }
  return match[1];
}

/**
 * A name-based UUID (version 5 layout, SHA-1) from the parts that identify one source change, so the same change
 * re-read after a restart gets the same event id and consumers can dedupe on it.
 */
export function deterministicEventId(...parts: (string | number | null | undefined)[]): string {
  const hash = createHash('sha1')
    .update(parts.map((p) => (p === null || p === undefined ? '' : String(p))).join('\u001f'))
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
