import { Injectable } from '@nestjs/common';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { odooChangeType } from '../debezium/debezium.decoder';
import { CountryService } from './country.service';

@Injectable()
export class CountryChangedHandler {
  constructor(private readonly countries: CountryService) {}

  @OnEvent(odooChangeType('res_country'))
  handle(event: DecodedEvent<DebeziumChange>): Promise<void> {
    return this.countries.applyChange(event.value);
  }
}
