/**
 * The hub's external ids in Odoo (`ir.model.data`, module `hub`): how the hub knows which Odoo record a Salesforce
 * record became, whatever happens between two deliveries of its event. odoo-cdc reads the same names back to publish
 * the Salesforce id with the Odoo record, so they are part of the contract.
 */
export const HUB_MODULE = 'hub';

export const hubExternalIds = {
  account: (salesforceId: string) => `salesforce_account_${salesforceId}`,
  contact: (salesforceId: string) => `salesforce_contact_${salesforceId}`,
  order: (salesforceId: string) => `salesforce_order_${salesforceId}`,
  /** The return picking a support ticket asked for, per returned delivery. */
  supportReturn: (platform: string, ticketId: string, deliveryId: number) =>
    `support_return_${platform}_${ticketId}_${deliveryId}`,
} as const;

/** The `origin` ("Source Document") the hub gives a sale order it creates: found again if its external id was lost. */
export const orderOrigin = (salesforceOrderId: string) => `Salesforce ${salesforceOrderId}`;

/** The Odoo id in a canonical id of an Odoo record (`odoo-partner-42` → 42), or null for another system's id. */
export function odooIdOf(canonicalId: string, kind: 'partner' | 'product'): number | null {
  const m = new RegExp(`^odoo-${kind}-(\\d+)$`).exec(canonicalId);
  return m ? Number(m[1]) : null;
}
