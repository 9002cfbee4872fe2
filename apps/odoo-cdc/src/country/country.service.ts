import { Injectable } from '@nestjs/common';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { CountryRepository } from './country.repository';

@Injectable()
export class CountryService {
  constructor(private readonly countries: CountryRepository) {}

  async applyChange(change: DebeziumChange): Promise<void> {
    const row = (change.op === 'd' ? change.before : change.after) as { id?: unknown; code?: unknown } | null;
    if (!row || !Number.isInteger(row.id)) {
      throw new PermanentError(
        PermanentErrorCode.INVALID_RECORD,
        `res_country: id is missing (${JSON.stringify(row)})`,
      );
    }
    if (change.op === 'd') return this.countries.delete(row.id as number);
    if (typeof row.code !== 'string' || !/^[A-Za-z]{2}$/.test(row.code)) {
      throw new PermanentError(
        PermanentErrorCode.INVALID_RECORD,
        `res_country id=${row.id}: code is not ISO 3166-1 alpha-2 (${JSON.stringify(row.code)})`,
      );
    }
    await this.countries.save(row.id as number, row.code.toUpperCase(), change.source.lsn);
  }

  /**
   * The ISO code of a country id. A partner can arrive before its country when both stream in together (the initial
   * snapshot): that is a transient condition, retried until the res_country change has been applied.
   */
  async requireCode(countryId: number | null | undefined): Promise<string | null> {
    if (countryId === null || countryId === undefined) return null;
    const code = await this.countries.codeOf(countryId);
    if (!code) {
      throw new TransientError('REFERENCE_DATA_PENDING', `res_country id=${countryId} is not known yet`, {
        retryAfterMs: 1_000,
      });
    }
    return code;
  }
}
