import { deterministicEventId, odooPartnerCanonicalId } from './canonical-ids';

describe('canonical ids', () => {
  it('derives the partner id', () => {
    expect(odooPartnerCanonicalId(42)).toBe('odoo-partner-42');
  });

  it('makes the same UUID for the same change and a different one for another', () => {
    const a = deterministicEventId('odoo', 'res_partner', 42, 'u', 123456);
    expect(a).toBe(deterministicEventId('odoo', 'res_partner', 42, 'u', 123456));
    expect(a).not.toBe(deterministicEventId('odoo', 'res_partner', 42, 'u', 123457));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
