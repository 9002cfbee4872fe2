import pino from 'pino';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { AppliedPosition, AppliedPositions, positionKey, PositionKey } from '../applied-positions.repository';
import type { ChildScope, TargetMapping } from '../target-mapping.port';
import type {
  OutgoingRecord,
  ProjectionTarget,
  TargetLimits,
  TargetOperation,
  TargetResult,
  TargetWrite,
} from '../target.port';

export const silentLog = pino({ level: 'silent' });

/** The hub database's applied positions, in memory. */
export class InMemoryPositions extends AppliedPositions {
  readonly rows = new Map<string, AppliedPosition>();

  lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const k of keys) {
      const row = this.rows.get(positionKey(k));
      if (row) out.set(positionKey(k), row.position);
    }
    return Promise.resolve(out);
  }

  recordMany(positions: AppliedPosition[]): Promise<void> {
    for (const p of positions) {
      const k = positionKey(p);
      if ((this.rows.get(k)?.position ?? -Infinity) <= p.position) this.rows.set(k, p);
    }
    return Promise.resolve();
  }

  forget(records: { scope: string; key: string }[]): Promise<void> {
    for (const r of records) {
      for (const [k, row] of this.rows) if (row.scope === r.scope && row.key === r.key) this.rows.delete(k);
    }
    return Promise.resolve();
  }

  writtenRecords(records: { object: string; key: string }[]): Promise<Set<string>> {
    const written = new Set([...this.rows.values()].map((r) => `${r.scope.split(':')[1]}\u0000${r.key}`));
    return Promise.resolve(new Set(records.map((r) => `${r.object}\u0000${r.key}`).filter((k) => written.has(k))));
  }

  childrenOf(scope: string, aggregateIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(aggregateIds.map((id) => [id, []]));
    for (const row of this.rows.values()) {
      if (row.scope === scope) out.get(row.aggregateId)?.push(row.key);
    }
    return Promise.resolve(out);
  }
}

export interface RecordedCall {
  object: string;
  operation: TargetOperation;
  keys: string[];
  startedAt: number;
  endedAt?: number;
  /** A bulk job ({@link InMemoryTarget.applyBulk}) rather than a call. */
  bulk?: true;
}

/**
 * A target held in memory: records by `<object>/<key>`, every call recorded. `refuse` decides per record; `down`
 * fails whole calls; `parentsRequired` refuses a record whose parent it does not have, as a real target would. A
 * record made in the target itself (seeded under any key) is found by an `update` through its `linkedBy` field, and
 * from then on is kept under the hub's key, as a real target finds it by the external id the update set. Bulk jobs
 * (`applyBulk`, used when the limits have `bulk`) apply their records as an upsert call does; `failBulkJobs` fails
 * that many of the next jobs as a whole, with nothing applied.
 */
export class InMemoryTarget implements ProjectionTarget {
  readonly name = 'memory';
  readonly calls: RecordedCall[] = [];
  readonly records = new Map<string, Record<string, unknown>>();
  latencyMs = 2;
  down = false;
  failBulkJobs = 0;
  refuse: (write: TargetWrite) => TargetResult | undefined = () => undefined;

  constructor(
    readonly system: ProjectionTarget['system'] = 'support',
    readonly limits: TargetLimits = { maxBatchSize: 3, lingerMs: () => 5, parentWaitMs: 500 },
  ) {}

  async apply(
    object: string,
    _keyField: string,
    operation: TargetOperation,
    records: OutgoingRecord[],
  ): Promise<TargetResult[]> {
    const call: RecordedCall = { object, operation, keys: records.map((r) => r.write.key), startedAt: Date.now() };
    this.calls.push(call);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    call.endedAt = Date.now();
    if (this.down) throw new TransientError('HTTP_503', 'target unavailable');
    return records.map((record) => this.applyOne(object, operation, record));
  }

  async applyBulk(object: string, _keyField: string, records: OutgoingRecord[]): Promise<TargetResult[]> {
    const call: RecordedCall = {
      object,
      operation: 'upsert',
      keys: records.map((r) => r.write.key),
      startedAt: Date.now(),
      bulk: true,
    };
    this.calls.push(call);
    await new Promise((r) => setTimeout(r, this.latencyMs));
    call.endedAt = Date.now();
    if (this.down) throw new TransientError('HTTP_503', 'target unavailable');
    if (this.failBulkJobs > 0) {
      this.failBulkJobs--;
      throw new TransientError('BULK_JOB_FAILED', `bulk job of ${records.length} ${object} records failed`);
    }
    return records.map((record) => this.applyOne(object, 'upsert', record));
  }

  private applyOne(object: string, operation: TargetOperation, { write, payload }: OutgoingRecord): TargetResult {
    const refused = this.refuse(write);
    if (refused) return refused;
    const id = `${object}/${write.key}`;
    if (operation === 'remove') {
      if (!this.records.delete(id)) return notFound(id);
      return { ok: true };
    }
    const missingParent = write.parents.find((p) => !this.records.has(`${p.object}/${p.key}`));
    if (missingParent) {
      return {
        ok: false,
        error: new TransientError('PARENT_MISSING', `${missingParent.object} ${missingParent.key} not there`),
      };
    }
    if (operation === 'update') {
      const link = write.linkedBy!;
      const found = [...this.records].find(([k, r]) => k.startsWith(`${object}/`) && r[link.field] === link.value);
      if (!found) return notFound(`${object} ${link.field}=${link.value}`);
      this.records.delete(found[0]);
      this.records.set(id, { ...found[1], ...payload });
      return { ok: true };
    }
    if (write.kind !== 'upsert' && !this.records.has(id)) return notFound(id);
    this.records.set(id, { ...this.records.get(id), ...payload });
    return { ok: true };
  }
}

const notFound = (id: string): TargetResult => ({
  ok: false,
  error: new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `${id} not found`, { vendorCode: 'NOT_FOUND' }),
  because: 'not-found',
});

/**
 * A mapping for tests: each entity becomes one record of the object named after it, with its top-level fields
 * as they are (only the writable ones); `lines` of a SalesOrder become `SalesOrderLine` children. An entity whose
 * writable `salesforceId` is set is linked to the target's record of that `targetId`.
 */
export class PassThroughMapping implements TargetMapping {
  handles(): boolean {
    return true;
  }

  writesKeyedBy(): boolean {
    return true;
  }

  plan(entity: string, record: Record<string, unknown>, writable: ReadonlySet<string>): Promise<TargetWrite[][]> {
    const fields = Object.fromEntries(
      Object.entries(record).filter(([f]) => writable.has(f) && f !== 'lines' && f !== 'id'),
    );
    const parents =
      entity === 'Contact' && typeof record.customerId === 'string' && writable.has('customerId')
        ? [{ object: 'Customer', keyField: 'id', key: record.customerId }]
        : [];
    const main: TargetWrite = {
      scope: `${entity}:${entity}`,
      object: entity,
      keyField: 'id',
      key: String(record.id),
      fields,
      createOnly: {},
      kind: 'upsert',
      parents,
      ...(writable.has('salesforceId') && typeof record.salesforceId === 'string'
        ? { linkedBy: { field: 'targetId', value: record.salesforceId } }
        : {}),
    };
    const steps: TargetWrite[][] = Object.keys(fields).length ? [[main]] : [];
    if (entity === 'SalesOrder' && writable.has('lines')) {
      const lines = (record.lines as { id: string; quantity: string }[]).map((l): TargetWrite => ({
        scope: 'SalesOrder:SalesOrderLine',
        object: 'SalesOrderLine',
        keyField: 'id',
        key: l.id,
        fields: { quantity: l.quantity },
        createOnly: {},
        kind: 'upsert',
        parents: [{ object: 'SalesOrder', keyField: 'id', key: String(record.id) }],
      }));
      if (lines.length) steps.push(lines);
    }
    return Promise.resolve(steps);
  }

  planDeletion(entity: string, aggregateId: string): TargetWrite[][] {
    return [
      [
        {
          scope: `${entity}:${entity}`,
          object: entity,
          keyField: 'id',
          key: aggregateId,
          fields: { deleted: true },
          createOnly: {},
          kind: 'flag',
          parents: [],
        },
      ],
    ];
  }

  childScopes(entity: string): ChildScope[] {
    return entity === 'SalesOrder'
      ? [{ scope: 'SalesOrder:SalesOrderLine', object: 'SalesOrderLine', keyField: 'id', listField: 'lines' }]
      : [];
  }
}
