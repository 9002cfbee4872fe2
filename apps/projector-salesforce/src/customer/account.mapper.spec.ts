import type { Customer } from '@hub/canonical';
import { toAccount } from './account.mapper';

describe('toAccount', () => {
  it('maps the canonical customer to Account fields and joins the street lines', () => {
    const customer: Customer = {
      id: 'odoo-partner-7',
      odooId: 7,
      name: 'Azure Interior',
      reference: 'AZ1',
      vat: 'BE0477472701',
      email: 'info@azure.example',
      phone: '+32 2 555 01 01',
      website: 'https://azure.example',
      address: { street: '4557 De Silva St', street2: 'Floor 2', zip: '94538', city: 'Fremont', countryCode: 'US' },
      active: true,
    };
    expect(toAccount(customer, 'Odoo_Id__c')).toEqual({
      Odoo_Id__c: 'odoo-partner-7',
      Name: 'Azure Interior',
      AccountNumber: 'AZ1',
      Phone: '+32 2 555 01 01',
      Website: 'https://azure.example',
      BillingStreet: '4557 De Silva St\nFloor 2',
      BillingPostalCode: '94538',
      BillingCity: 'Fremont',
      BillingCountry: 'US',
      Odoo_Active__c: true,
      Odoo_Deleted__c: false,
    });
  });
});
