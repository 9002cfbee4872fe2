import { Injectable } from '@nestjs/common';
import type { ContactEvent } from '@hub/canonical';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import { SalesforceProjectionService } from '../projection/salesforce-projection.service';

@Injectable()
export class ContactUpsertedHandler {
  constructor(private readonly projection: SalesforceProjectionService) {}

  @OnEvent('contact.upserted')
  async handle(event: DecodedEvent<ContactEvent>): Promise<void> {
    await this.projection.upsertContact(event.value.contact!, event.value.envelope);
  }
}

@Injectable()
export class ContactDeletedHandler {
  constructor(private readonly projection: SalesforceProjectionService) {}

  @OnEvent('contact.deleted')
  async handle(event: DecodedEvent<ContactEvent>): Promise<void> {
    await this.projection.markDeleted('Contact', event.value.envelope);
  }
}
