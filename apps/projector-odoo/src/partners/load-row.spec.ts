import { loadRow } from './partner-sync.service';

describe('loadRow', () => {
  it('writes many2one fields by database id, booleans as 1, and empty values as empty cells', () => {
    expect(
      loadRow('hub.salesforce_account_001', { name: 'Acme', is_company: true, country_id: 21, email: false }),
    ).toEqual([
      ['id', 'name', 'is_company', 'country_id/.id', 'email'],
      [['hub.salesforce_account_001', 'Acme', '1', '21', '']],
    ]);
  });
});
