import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { HandlerContext, OnEvent } from '@hub/resilience';
import { PartnerSyncService } from './partner-sync.service';

/**
 * Customers and contacts captured in Salesforce, into Odoo partners. Odoo's own events on these topics are Odoo's
 * changes coming back: nothing to write into Odoo (counted as ignored by source). Deletions are not propagated: a
 * partner with orders and invoices is archived in Odoo by a person, never by a CRM cleanup.
 */
@Injectable()
export class SalesforcePartnersHandler {
  ignored = 0;

  constructor(private readonly partners: PartnerSyncService) {}

  @OnEvent('customer.upserted', 'customer.deleted')
  async customer(event: CanonicalEventOf<'customer.upserted' | 'customer.deleted'>): Promise<void> {
    const { envelope, customer } = event.value;
    if (envelope.sourceSystem !== 'SALESFORCE' || !customer) {
      this.ignored++;
      return;
    }
    await this.partners.applyCustomer(envelope, customer);
  }

  @OnEvent('contact.upserted', 'contact.deleted')
  async contact(event: CanonicalEventOf<'contact.upserted' | 'contact.deleted'>, ctx: HandlerContext): Promise<void> {
    const { envelope, contact } = event.value;
    if (envelope.sourceSystem !== 'SALESFORCE' || !contact) {
      this.ignored++;
      return;
    }
    await this.partners.applyContact(envelope, contact, ctx.parkedAt);
  }
}
