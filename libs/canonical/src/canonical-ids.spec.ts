import {
  deterministicEventId,
  odooCanonicalIds,
  odooPartnerCanonicalId,
  salesforceAccountIdOf,
  supportCanonicalIds,
} from './canonical-ids';

describe('canonical ids', () => {
  it('derives the partner id', () => {
    expect(odooPartnerCanonicalId(42)).toBe('odoo-partner-42');
  });

  it('derives the id of every Odoo record the contract names', () => {
    expect(Object.entries(odooCanonicalIds).map(([kind, id]) => [kind, id(7)])).toEqual([
      ['partner', 'odoo-partner-7'],
      ['product', 'odoo-product-7'],
      ['salesOrder', 'odoo-sale-order-7'],
      ['invoice', 'odoo-invoice-7'],
      ['payment', 'odoo-payment-7'],
      ['shipment', 'odoo-shipment-7'],
    ]);
  });

  it('derives the id of a support ticket from its desk and number', () => {
    expect(supportCanonicalIds.zendeskTicket(123)).toBe('zendesk-ticket-123');
    expect(supportCanonicalIds.freshdeskTicket('45')).toBe('freshdesk-ticket-45');
  });

  it("derives a desk's service load id per customer, and reads a Salesforce customer's Account Id", () => {
    expect(supportCanonicalIds.serviceLoad('zendesk', 'odoo-partner-7')).toBe('zendesk-service-load-odoo-partner-7');
    expect(salesforceAccountIdOf('salesforce-account-001Hb00000AbCdEIAZ')).toBe('001Hb00000AbCdEIAZ');
    expect(salesforceAccountIdOf('odoo-partner-7')).toBeUndefined();
    expect(salesforceAccountIdOf('salesforce-account-')).toBeUndefined();
  });

  it('makes the same UUID for the same change and a different one for another', () => {
    const a = deterministicEventId('odoo', 'res_partner', 42, 'u', 123456);
    expect(a).toBe(deterministicEventId('odoo', 'res_partner', 42, 'u', 123456));
    expect(a).not.toBe(deterministicEventId('odoo', 'res_partner', 42, 'u', 123457));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
