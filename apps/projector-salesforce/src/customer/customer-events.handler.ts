import { Injectable } from '@nestjs/common';
import type { CustomerEvent } from '@hub/canonical';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import { SalesforceProjectionService } from '../projection/salesforce-projection.service';

@Injectable()
export class CustomerUpsertedHandler {
  constructor(private readonly projection: SalesforceProjectionService) {}

  @OnEvent('customer.upserted')
  async handle(event: DecodedEvent<CustomerEvent>): Promise<void> {
    await this.projection.upsertAccount(event.value.customer!, event.value.envelope);
  }
}

@Injectable()
export class CustomerDeletedHandler {
  constructor(private readonly projection: SalesforceProjectionService) {}

  @OnEvent('customer.deleted')
  async handle(event: DecodedEvent<CustomerEvent>): Promise<void> {
    await this.projection.markDeleted('Account', event.value.envelope);
  }
}
