import { Injectable } from '@nestjs/common';
import { CanonicalPublisher, CanonicalValidationError } from '@hub/canonical';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { CdcMirror } from '../mirror/cdc-mirror.repository';
import type { DebeziumChange } from '../debezium/debezium-change';
import { mapResPartnerChange, ResPartnerRow } from './res-partner.mapper';

/** Turns res_partner changes into canonical Customer and Contact events and publishes them (acks=all). */
@Injectable()
export class PartnerProjectionService {
  constructor(
    private readonly mirror: CdcMirror,
    private readonly publisher: CanonicalPublisher,
  ) {}

  /**
   * The ISO code of a country id (res_country.code, from the mirror). In the ordered stream the country row always
   * comes first; an unknown id is retried until it is known, then dead-lettered by the runner's retry budget.
   */
  private async countryCode(countryId: number | null | undefined): Promise<string | null> {
    if (countryId === null || countryId === undefined) return null;
    const country = await this.mirror.get('res_country', countryId);
    if (!country || typeof country.code !== 'string') {
      throw new TransientError('REFERENCE_DATA_PENDING', `res_country id=${countryId} is not known yet`, {
        retryAfterMs: 1_000,
      });
    }
    return country.code.toUpperCase();
  }

  async applyChange(change: DebeziumChange): Promise<void> {
    const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
    const countryCode = after?.is_company ? await this.countryCode(after.country_id) : null;
    const records = mapResPartnerChange(change, countryCode);
    try {
      await this.publisher.publish(records);
    } catch (error) {
      if (error instanceof CanonicalValidationError) {
        throw new PermanentError(PermanentErrorCode.INVALID_RECORD, error.message, { cause: error });
      }
      throw error;
    }
  }
}
