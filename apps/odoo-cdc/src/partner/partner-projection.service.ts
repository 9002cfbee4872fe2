import { Injectable } from '@nestjs/common';
import { CanonicalPublisher, CanonicalValidationError } from '@hub/canonical';
import { mapKafkaError, PermanentError, PermanentErrorCode } from '@hub/resilience';
import { CountryService } from '../country/country.service';
import type { DebeziumChange } from '../debezium/debezium-change';
import { mapResPartnerChange, ResPartnerRow } from './res-partner.mapper';

/** Turns res_partner changes into canonical Customer and Contact events and publishes them (acks=all). */
@Injectable()
export class PartnerProjectionService {
  constructor(
    private readonly countries: CountryService,
    private readonly publisher: CanonicalPublisher,
  ) {}

  async applyChange(change: DebeziumChange): Promise<void> {
    const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
    const countryCode = after?.is_company ? await this.countries.requireCode(after.country_id) : null;
    const records = mapResPartnerChange(change, countryCode);
    try {
      await this.publisher.publish(records);
    } catch (error) {
      if (error instanceof CanonicalValidationError) {
        throw new PermanentError(PermanentErrorCode.INVALID_RECORD, error.message, { cause: error });
      }
      throw mapKafkaError(error);
    }
  }
}
