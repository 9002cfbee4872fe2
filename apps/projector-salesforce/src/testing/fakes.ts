import pino from 'pino';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import {
  AppliedPosition,
  AppliedPositions,
  positionKey,
  PositionKey,
} from '../projection/applied-positions.repository';
import { SalesforcePort, SalesforceRecord, UpsertOutcome } from '../salesforce/salesforce.port';

export const silentLog = pino({ level: 'silent' });

/** The hub database's positions table, in memory. */
export class InMemoryPositions extends AppliedPositions {
  readonly rows = new Map<string, number>();
  queries = 0;

  lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>> {
    this.queries++;
    const out = new Map<string, number>();
    for (const k of keys) {
      const v = this.rows.get(positionKey(k));
      if (v !== undefined) out.set(positionKey(k), v);
    }
    return Promise.resolve(out);
  }

  writtenRecords(records: { object: string; externalId: string }[]): Promise<Set<string>> {
    const written = new Set([...this.rows.keys()].map((k) => k.replace(/^[^:]*:/, '')));
    return Promise.resolve(
      new Set(records.map((r) => `${r.object}\u0000${r.externalId}`).filter((k) => written.has(k))),
    );
  }

  recordMany(positions: AppliedPosition[]): Promise<void> {
    for (const p of positions) {
      const k = positionKey(p);
      if ((this.rows.get(k) ?? -Infinity) <= p.position) this.rows.set(k, p.position);
    }
    return Promise.resolve();
  }
}

export interface RecordedCall {
  object: string;
  externalIdField: string;
  records: SalesforceRecord[];
  startedAt: number;
  endedAt?: number;
}

/**
 * A Salesforce org for unit tests of the projection logic: records every call; `refuse` decides per record.
 * The real org's behaviour is tested against the sandbox in the integration tests.
 */
export class RecordingSalesforce extends SalesforcePort {
  readonly calls: RecordedCall[] = [];
  readonly store = new Map<string, SalesforceRecord>();
  latencyMs = 5;
  refuse: (object: string, record: SalesforceRecord) => TransientError | PermanentError | undefined = () => undefined;

  async upsert(objectName: string, externalIdField: string, records: SalesforceRecord[]): Promise<UpsertOutcome[]> {
    const call: RecordedCall = { object: objectName, externalIdField, records, startedAt: Date.now() };
    this.calls.push(call);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    call.endedAt = Date.now();
    return records.map((record) => {
      const error = this.refuse(objectName, record);
      if (error) return { ok: false, error };
      const key = `${objectName}/${String(record[externalIdField])}`;
      const created = !this.store.has(key);
      this.store.set(key, { ...this.store.get(key), ...record });
      return { ok: true, id: key, created };
    });
  }

  standardPricebookId(): Promise<string> {
    return Promise.resolve('01s000000000STD');
  }

  apiUsage() {
    return undefined;
  }
}

export const refusal = (vendorCode: string, message = vendorCode) =>
  new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, { vendorCode });
