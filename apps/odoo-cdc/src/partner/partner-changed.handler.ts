import { Injectable } from '@nestjs/common';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { odooChangeType } from '../debezium/debezium.decoder';
import { PartnerProjectionService } from './partner-projection.service';

@Injectable()
export class PartnerChangedHandler {
  constructor(private readonly partners: PartnerProjectionService) {}

  @OnEvent(odooChangeType('res_partner'))
  handle(event: DecodedEvent<DebeziumChange>): Promise<void> {
    return this.partners.applyChange(event.value);
  }
}
