/**
 * Change Data Capture: turns every committed write of the record store into change events on the bus, as Salesforce
 * does for an org whose objects are all selected for CDC.
 *
 * - One event per record written, in the order the transaction wrote them: CREATE, UPDATE, DELETE or UNDELETE from
 *   the row's state before and after (a cascade delete and a roll-up written by the platform count too).
 * - The writes of one request share a transaction: one `transactionKey` and `commitNumber`, `sequenceNumber` 1, 2, …
 *   (sObject Collections with allOrNone=false commit record by record inside one API call).
 * - Body values, as documented for Pub/Sub: CREATE and UNDELETE carry every field; UPDATE only the changed ones
 *   (`changedFields` always lists LastModifiedDate; `nulledFields` the ones set to null); DELETE none.
 *   `diffFields` stays empty: the sandbox always sends whole values (Salesforce may send a diff of a long text).
 * - Gap events (`GAP_*`) carry the header only; `GAP_OVERFLOW` carries no record ids. The admin API makes them.
 */
import { randomUUID } from 'node:crypto';

import type { Commit, CommitContext, CommittedChange, FieldValue } from '../record.store';
import type { ChangeEventHeader, ChangeEventSchema, ChangeEventSchemas, ChangeType } from './change-event.schema';
import type { BusEvent, EventBus, NewBusEvent } from './event-bus';

export type GapChangeType = Extract<ChangeType, `GAP_${string}`>;

export const GAP_CHANGE_TYPES: readonly GapChangeType[] = [
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
];

interface TransactionIds {
  key: string;
  commitNumber: number;
  sequence: number;
}

function isLive(values: Readonly<Record<string, FieldValue>>): boolean {
  return values['IsDeleted'] !== true;
}

function changeTypeOf(change: CommittedChange): ChangeType | undefined {
  const { before, after } = change;
  if (!before) return isLive(after.values) ? 'CREATE' : undefined;
  const wasLive = isLive(before.values);
  const isNowLive = isLive(after.values);
  if (wasLive && isNowLive) return 'UPDATE';
  if (wasLive) return 'DELETE';
  return isNowLive ? 'UNDELETE' : undefined;
}

export class ChangeCapture {
  /** Transaction ids per request: each request's commits share one CommitContext object. */
  private readonly transactions = new WeakMap<CommitContext, TransactionIds>();
  private commitNumber = 0;

  constructor(
    private readonly schemas: ChangeEventSchemas,
    private readonly bus: EventBus,
    private readonly clock: () => Date,
  ) {
    // A system change number: large and increasing, as Salesforce's (diagnostics only).
    this.commitNumber = clock().getTime() * 1000;
  }

  /** The record store's commit listener. */
  capture(commit: Commit): void {
    const tx = this.transaction(commit.context);
    const commitTimestamp = this.clock().getTime();
    const events: NewBusEvent[] = [];
    for (const change of commit.changes) {
      const schema = this.schemas.forObject(change.after.type);
      const changeType = changeTypeOf(change);
      if (!schema || !changeType) continue;
      const id = String(change.after.values['Id']);
      const { values, changed, nulled } = this.body(schema, changeType, change);
      const header: ChangeEventHeader = {
        entityName: schema.object.name,
        recordIds: [id],
        changeType,
        changeOrigin: commit.context.changeOrigin,
        transactionKey: tx.key,
        sequenceNumber: ++tx.sequence,
        commitTimestamp,
        commitNumber: tx.commitNumber,
        commitUser: commit.context.userId,
        nulledFields: schema.bitmap(nulled),
        diffFields: [],
        changedFields: schema.bitmap(changed),
      };
      events.push({ eventUuid: randomUUID(), schema, payload: schema.type.toBuffer(schema.payload(header, values)) });
    }
    if (events.length) this.bus.append(events);
  }

  /**
   * Appends one gap event for `recordIds` of `schema`'s object (none for GAP_OVERFLOW), as Salesforce sends when it
   * cannot produce the change event itself: the subscriber is to re-read the records.
   */
  gap(schema: ChangeEventSchema, changeType: GapChangeType, recordIds: string[], context: CommitContext): BusEvent {
    const tx = this.transaction(context);
    const header: ChangeEventHeader = {
      entityName: schema.object.name,
      recordIds: changeType === 'GAP_OVERFLOW' ? [] : recordIds,
      changeType,
      changeOrigin: context.changeOrigin,
      transactionKey: tx.key,
      sequenceNumber: ++tx.sequence,
      commitTimestamp: this.clock().getTime(),
      commitNumber: tx.commitNumber,
      commitUser: context.userId,
      nulledFields: [],
      diffFields: [],
      changedFields: [],
    };
    const [event] = this.bus.append([
      { eventUuid: randomUUID(), schema, payload: schema.type.toBuffer(schema.payload(header, new Map())) },
    ]);
    return event as BusEvent;
  }

  private transaction(context: CommitContext): TransactionIds {
    let tx = this.transactions.get(context);
    if (!tx) {
      tx = { key: randomUUID(), commitNumber: ++this.commitNumber, sequence: 0 };
      this.transactions.set(context, tx);
    }
    return tx;
  }

  private body(
    schema: ChangeEventSchema,
    changeType: ChangeType,
    { before, after }: CommittedChange,
  ): { values: Map<string, FieldValue>; changed: string[]; nulled: string[] } {
    const values = new Map<string, FieldValue>();
    if (changeType === 'DELETE') return { values, changed: [], nulled: [] };
    const carried = schema.carriedFields();
    if (changeType !== 'UPDATE' || !before) {
      for (const f of carried) values.set(f.name, after.values[f.name] ?? null);
      return { values, changed: [], nulled: [] };
    }
    const changed: string[] = [];
    const nulled: string[] = [];
    for (const f of carried) {
      const value = after.values[f.name] ?? null;
      if (value === (before.values[f.name] ?? null) && f.name !== 'LastModifiedDate') continue;
      values.set(f.name, value);
      changed.push(f.name);
      if (value === null) nulled.push(f.name);
    }
    return { values, changed, nulled };
  }
}

/**
 * `ChangeEventHeader.changeOrigin` for a REST write: `com/salesforce/api/rest/<version>`, with `;client=<id>` when the
 * request carried `Sforce-Call-Options: client=<id>` (optionally with `defaultNamespace=…` after a comma).
 */
export function restChangeOrigin(version: string, callOptions: string | string[] | undefined): string {
  return apiChangeOrigin('rest', version, callOptions);
}

/**
 * `changeOrigin` for a write through one of Salesforce's APIs, `com/salesforce/api/<api>/<version>[;client=<id>]`:
 * `rest`, or `bulkapi` for Bulk API jobs (whose client is the one named when the job was created).
 */
export function apiChangeOrigin(
  api: 'rest' | 'bulkapi',
  version: string,
  callOptions: string | string[] | undefined,
): string {
  const raw = Array.isArray(callOptions) ? callOptions.join(',') : (callOptions ?? '');
  const client = /(?:^|[,;])\s*client\s*=\s*([^,;]*)/i.exec(raw)?.[1]?.trim();
  return `com/salesforce/api/${api}/${version}${client ? `;client=${client}` : ''}`;
}
