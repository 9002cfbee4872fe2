import type { Contact } from '@hub/canonical';
import { splitName, toSalesforceContact } from './contact.mapper';

const contact: Contact = {
  id: 'odoo-partner-8',
  odooId: 8,
  customerId: 'odoo-partner-7',
  name: 'Brandon  Freeman',
  jobTitle: 'Buyer',
  email: 'brandon@azure.example',
  phone: null,
  mobile: '+1 555 0101',
  active: true,
};

describe('contact mapping', () => {
  it('splits Odoo names into Salesforce first and last names', () => {
    expect(splitName('Brandon Freeman')).toEqual({ FirstName: 'Brandon', LastName: 'Freeman' });
    expect(splitName('Ana María de la Cruz')).toEqual({ FirstName: 'Ana María de la', LastName: 'Cruz' });
    expect(splitName('Cher')).toEqual({ FirstName: null, LastName: 'Cher' });
  });

  it('links the Account by external id', () => {
    expect(toSalesforceContact(contact, 'Odoo_Id__c')).toEqual({
      Odoo_Id__c: 'odoo-partner-8',
      FirstName: 'Brandon',
      LastName: 'Freeman',
      Email: 'brandon@azure.example',
      Phone: null,
      MobilePhone: '+1 555 0101',
      Title: 'Buyer',
      Account: { Odoo_Id__c: 'odoo-partner-7' },
      Odoo_Active__c: true,
      Odoo_Deleted__c: false,
    });
  });

  it('leaves a person without company unlinked', () => {
    expect(toSalesforceContact({ ...contact, customerId: null }, 'Odoo_Id__c')).not.toHaveProperty('Account');
  });
});
