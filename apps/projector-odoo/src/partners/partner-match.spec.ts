import { matchDomain, normaliseEmail, normaliseVat } from './partner-match';

describe('partner matching', () => {
  it('normalises VAT numbers and emails the way they are compared', () => {
    expect(normaliseVat(' be 0477.472-701 ')).toBe('BE0477472701');
    expect(normaliseVat('  ')).toBeNull();
    expect(normaliseEmail(' Jane Doe <Jane.DOE@Example.com> ')).toBe('jane.doe@example.com');
    expect(normaliseEmail('not an email')).toBeNull();
  });

  it('builds one domain per rule, and none when the keys lack what the rule needs', () => {
    const keys = { vat: 'be0477472701', email: 'Sales@Acme.test', name: 'Acme SA', zip: '1000 ' };
    expect(matchDomain('vat', keys, true)).toEqual([
      ['is_company', '=', true],
      ['vat', '=', 'BE0477472701'],
    ]);
    expect(matchDomain('email', keys, false)).toEqual([['email_normalized', '=', 'sales@acme.test']]);
    expect(matchDomain('name-zip', keys, true)).toEqual([
      ['is_company', '=', true],
      ['name', '=ilike', 'Acme SA'],
      ['zip', '=', '1000'],
    ]);
    const none = { vat: null, email: null, name: 'Acme SA', zip: null };
    expect(matchDomain('vat', none, true)).toBeNull();
    expect(matchDomain('email', none, true)).toBeNull();
    expect(matchDomain('name-zip', none, true)).toBeNull();
    // A contact is never matched by its company's VAT.
    expect(matchDomain('vat', keys, false)).toBeNull();
  });
});
