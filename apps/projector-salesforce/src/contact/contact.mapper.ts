import type { Contact } from '@hub/canonical';
import type { SalesforceRecord } from '../salesforce/salesforce.port';

/**
 * Odoo keeps one `name`; Salesforce requires LastName. The last word becomes LastName, the rest FirstName
 * ("Brandon Freeman" → Brandon / Freeman; "Cher" → LastName Cher).
 */
export function splitName(name: string): { FirstName: string | null; LastName: string } {
  const parts = name.trim().split(/\s+/);
  const last = parts.pop()!;
  return { FirstName: parts.length ? parts.join(' ') : null, LastName: last };
}

/** Contact → Contact, linked to its Account through the external-id relationship (no Salesforce id lookup). */
export function toSalesforceContact(contact: Contact, externalIdField: string): SalesforceRecord {
  return {
    [externalIdField]: contact.id,
    ...splitName(contact.name),
    Email: contact.email,
    Phone: contact.phone,
    MobilePhone: contact.mobile,
    Title: contact.jobTitle,
    ...(contact.customerId ? { Account: { [externalIdField]: contact.customerId } } : {}),
    Odoo_Active__c: contact.active,
    Odoo_Deleted__c: false,
  };
}
