import { Injectable } from '@nestjs/common';
import { CANONICAL_TOPICS } from '@hub/canonical';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import { PROJECTED_TOPICS } from './lanes';
import { SalesforceProjectionService } from './salesforce-projection.service';

const [first, ...rest] = PROJECTED_TOPICS.flatMap((k) => [...CANONICAL_TOPICS[k].eventTypes]);

/** Every canonical event goes through the mapping: what differs per entity is data (config/salesforce-mapping.yaml). */
@Injectable()
export class CanonicalEventsHandler {
  constructor(private readonly projection: SalesforceProjectionService) {}

  @OnEvent(first, ...rest)
  handle(event: DecodedEvent): Promise<void> {
    return this.projection.apply(event);
  }
}
