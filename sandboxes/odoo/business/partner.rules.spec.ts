import { completeName, normalizeEmail } from './partner.rules';

describe('res.partner computations', () => {
  it('names a contact after its company, and an unnamed address after its type', () => {
    const contact = { name: 'Jane', type: 'contact', is_company: false, company_name: null };
    expect(completeName(contact, 'Acme', 'Acme', true)).toBe('Acme, Jane');
    expect(completeName({ ...contact, name: null, type: 'invoice' }, 'Acme', 'Acme', true)).toBe(
      'Acme, Invoice Address',
    );
    expect(completeName({ ...contact, is_company: true, name: 'Acme' }, null, 'Acme', false)).toBe('Acme');
    expect(completeName(contact, null, null, false)).toBe('Jane');
  });

  it('normalizes emails to their lower-cased address', () => {
    expect(normalizeEmail('Info <INFO@Acme.example>')).toBe('info@acme.example');
    expect(normalizeEmail('not an email')).toBeNull();
    expect(normalizeEmail(false)).toBeNull();
  });
});
