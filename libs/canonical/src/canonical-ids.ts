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
