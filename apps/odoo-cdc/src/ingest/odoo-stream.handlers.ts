import { Injectable } from '@nestjs/common';
import { DecodedEvent, OnEvent } from '@hub/resilience';
import type { DebeziumChange, TransactionMarker } from '../debezium/debezium-change';
import { OdooStreamEvent } from '../debezium/debezium.decoder';
import { CdcIngestService } from './cdc-ingest.service';

@Injectable()
export class OdooChangeHandler {
  constructor(private readonly ingest: CdcIngestService) {}

  @OnEvent(OdooStreamEvent.change)
  handle(event: DecodedEvent<DebeziumChange>): Promise<void> {
    return this.ingest.ingest(event.value);
  }
}

@Injectable()
export class TransactionEndHandler {
  constructor(private readonly ingest: CdcIngestService) {}

  @OnEvent(OdooStreamEvent.transactionEnd)
  handle(event: DecodedEvent<TransactionMarker>): Promise<void> {
    return this.ingest.endTransaction(event.value);
  }
}
