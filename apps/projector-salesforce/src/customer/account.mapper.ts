import type { Customer } from '@hub/canonical';
import type { SalesforceRecord } from '../salesforce/salesforce.port';

/** Customer → Account. Only the fields listed here leave the hub; the external id carries the canonical id. */
export function toAccount(customer: Customer, externalIdField: string): SalesforceRecord {
  const street = [customer.address.street, customer.address.street2].filter(Boolean).join('\n');
  return {
    [externalIdField]: customer.id,
    Name: customer.name,
    AccountNumber: customer.reference,
    Phone: customer.phone,
    Website: customer.website,
    BillingStreet: street || null,
    BillingPostalCode: customer.address.zip,
    BillingCity: customer.address.city,
    BillingCountry: customer.address.countryCode,
    Odoo_Active__c: customer.active,
    Odoo_Deleted__c: false,
  };
}
