import { Injectable } from '@nestjs/common';
import { CanonicalPublisher, CanonicalValidationError, OutgoingRecord } from '@hub/canonical';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { CdcMirror } from '../mirror/cdc-mirror.repository';
import type { DebeziumChange } from '../debezium/debezium-change';
import { linkedSalesforceId } from '../links/hub-link.mapper';
import {
  mapResPartnerChange,
  mapResPartnerRow,
  PartnerEventSource,
  PartnerLinks,
  partnerRetractions,
  ResPartnerRow,
} from './res-partner.mapper';

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

  /** The Salesforce records the hub's external ids link the partner to. */
  private async links(partnerId: number): Promise<PartnerLinks> {
    const rows = await this.mirror.hubExternalIds('res.partner', partnerId);
    return { account: linkedSalesforceId(rows, 'account'), contact: linkedSalesforceId(rows, 'contact') };
  }

  /**
   * Publishes what a change of a res_partner row means. With `upsertAtEnd` only what goes out whatever the partner's
   * links (the deletion of a kind the row left); its upsert is published by {@link build} at its transaction's END.
   */
  async applyChange(change: DebeziumChange, options: { upsertAtEnd?: boolean } = {}): Promise<void> {
    if (options.upsertAtEnd) return this.publish(partnerRetractions(change));
    const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
    const countryCode = after?.is_company ? await this.countryCode(after.country_id) : null;
    const links = typeof after?.id === 'number' ? await this.links(after.id) : undefined;
    return this.publish(mapResPartnerChange(change, countryCode, links));
  }

  /**
   * The upsert of a partner a transaction touched, as the mirror holds it at the transaction's END, with its links:
   * nothing for a partner deleted since (its deletion went out with the delete) or never seen.
   */
  async build(partnerId: number, source: PartnerEventSource): Promise<OutgoingRecord[]> {
    const row = (await this.mirror.get('res_partner', partnerId)) as Partial<ResPartnerRow> | undefined;
    if (!row) return [];
    const countryCode = row.is_company ? await this.countryCode(row.country_id) : null;
    return mapResPartnerRow(row, countryCode, await this.links(partnerId), source);
  }

  /**
   * {@link build} for many partners at once (a transaction's END, an initial snapshot's), with a statement per table
   * instead of three per partner.
   */
  async buildMany(items: readonly { id: number; source: PartnerEventSource }[]): Promise<OutgoingRecord[]> {
    const ids = items.map((i) => i.id);
    const rows = await this.mirror.getMany('res_partner', ids);
    const countryIds = [...rows.values()]
      .filter((r) => r.is_company && typeof r.country_id === 'number')
      .map((r) => r.country_id as number);
    const countries = await this.mirror.getMany('res_country', countryIds);
    const links = await this.mirror.hubExternalIdsOfMany('res.partner', ids);
    const records: OutgoingRecord[] = [];
    for (const { id, source } of items) {
      const row = rows.get(id) as Partial<ResPartnerRow> | undefined;
      if (!row) continue;
      let countryCode: string | null = null;
      if (row.is_company && row.country_id !== null && row.country_id !== undefined) {
        const country = countries.get(row.country_id);
        // As in countryCode: a country not known yet is retried until it is.
        if (!country || typeof country.code !== 'string') countryCode = await this.countryCode(row.country_id);
        else countryCode = country.code.toUpperCase();
      }
      const linked = links.get(id) ?? [];
      const partnerLinks = {
        account: linkedSalesforceId(linked, 'account'),
        contact: linkedSalesforceId(linked, 'contact'),
      };
      records.push(...mapResPartnerRow(row, countryCode, partnerLinks, source));
    }
    return records;
  }

  private async publish(records: OutgoingRecord[]): Promise<void> {
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
