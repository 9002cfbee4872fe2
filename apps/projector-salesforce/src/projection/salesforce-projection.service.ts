import { Injectable } from '@nestjs/common';
import type { Contact, Customer } from '@hub/canonical';
import { toSalesforceContact } from '../contact/contact.mapper';
import { toAccount } from '../customer/account.mapper';
import { SalesforcePort, SalesforceRecord } from '../salesforce/salesforce.port';

/** DI token for the external-id field name configured for the org. */
export abstract class ExternalIdField {
  abstract readonly name: string;
}

/**
 * Applies canonical events to Salesforce. Upserts are by external id, so applying the same event twice is harmless.
 * A deletion in Odoo flags the record (`Odoo_Deleted__c = true`) instead of deleting it: deleting an Account in
 * Salesforce cascades to its opportunities and cases, which the sales team owns.
 */
@Injectable()
export class SalesforceProjectionService {
  constructor(
    private readonly salesforce: SalesforcePort,
    private readonly externalId: ExternalIdField,
  ) {}

  upsertAccount(customer: Customer): Promise<string> {
    return this.upsertOne('Account', toAccount(customer, this.externalId.name));
  }

  upsertContact(contact: Contact): Promise<string> {
    return this.upsertOne('Contact', toSalesforceContact(contact, this.externalId.name));
  }

  async markDeleted(objectName: 'Account' | 'Contact', canonicalId: string): Promise<void> {
    await this.salesforce.updateByExternalId(objectName, this.externalId.name, [canonicalId], {
      Odoo_Deleted__c: true,
    });
  }

  private async upsertOne(objectName: string, record: SalesforceRecord): Promise<string> {
    const [outcome] = await this.salesforce.upsert(objectName, this.externalId.name, [record]);
    if (!outcome.ok) throw outcome.error;
    return outcome.id;
  }
}
