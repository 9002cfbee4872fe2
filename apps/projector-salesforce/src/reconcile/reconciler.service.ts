import { randomUUID } from 'node:crypto';
import type { FieldOwnership } from '@hub/canonical';
import type { AppliedPositions, CallBudget, TargetMapping } from '@hub/projection';
import type { Logger } from 'pino';
import type { SalesforcePort, SalesforceRecord } from '../salesforce/salesforce.port';
import {
  compare,
  DRIFT_KINDS,
  DriftKind,
  expectedRecords,
  ExpectedRecord,
  Finding,
  orphans,
  recordRef,
  selectList,
} from './drift';
import { RECONCILE_ENTITIES, ReconcileEntity } from './reconcile.entities';
import type { SourceAggregate, SourceOfRecord } from './source-of-record.port';

export interface ReconcileRequest {
  entity: ReconcileEntity;
  /** Start of the window: source aggregates written in Odoo since then, Salesforce records modified since then. */
  sinceMs: number;
  /** false: report only. */
  repair: boolean;
  /** Who started it: RECONCILE_SCHEDULE, the HTTP API, or the close of a batch window (SF_BATCH_WINDOWS). */
  trigger: 'schedule' | 'api' | 'batch-window';
  caller?: string;
}

export interface ReconcileReport {
  passId: string;
  entity: ReconcileEntity;
  trigger: ReconcileRequest['trigger'];
  caller?: string;
  since: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: 'ok' | 'failed';
  error?: string;
  /** Source aggregates and Salesforce records compared, and the Salesforce API calls the pass made (reads). */
  compared: { aggregates: number; records: number };
  apiCalls: number;
  /** Per object and kind: found, and handed to the projection path for repair. */
  counts: { object: string; kind: DriftKind; found: number; repaired: number }[];
  findings: (Finding & { repair: 'republished' | 'reported' | 'not-repaired' })[];
}

export interface ReconcilerOptions {
  pageSize: number;
  /** Reports kept in memory for GET /reconcile/reports. */
  keepReports: number;
}

const SOQL_IN_CHUNK = 200;

/**
 * One reconciliation pass: the source aggregates written in the window (odoo-cdc's mirror) and the hub-keyed
 * Salesforce records modified in the window (SystemModstamp), each compared with what the mapping writes for the
 * aggregate now, by SOQL on the external id, a page of at most `pageSize` aggregates at a time. Drift the hub can
 * repair is repaired through the projection path only: odoo-cdc re-publishes the whole aggregate and this projector
 * applies it with its usual guards (a record found missing is first forgotten by the stale guard, so it is created
 * again with its create-only fields). Orphans are reported, never deleted (the mapping flags, never deletes).
 * Passes run one at a time; every Salesforce read goes through the API budget.
 */
export class ReconcilerService {
  readonly totals = new Map<string, { found: number; repaired: number }>();
  readonly lastPass = new Map<ReconcileEntity, { at: number; durationMs: number; ok: boolean }>();
  private readonly reports: ReconcileReport[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly salesforce: SalesforcePort,
    private readonly source: SourceOfRecord,
    private readonly mapping: TargetMapping,
    private readonly positions: AppliedPositions,
    private readonly ownership: FieldOwnership,
    private readonly budget: CallBudget,
    private readonly options: ReconcilerOptions,
    private readonly log: Logger,
  ) {}

  /** Runs a pass after those already asked for; resolves with its report (a failed pass has status failed). */
  run(request: ReconcileRequest): Promise<ReconcileReport> {
    const pass = this.queue.then(() => this.pass(request));
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  recent(entity?: ReconcileEntity): ReconcileReport[] {
    return this.reports.filter((r) => !entity || r.entity === entity);
  }

  private async pass(request: ReconcileRequest): Promise<ReconcileReport> {
    const started = Date.now();
    const passId = `reconcile-${request.entity}-${started}-${randomUUID().slice(0, 8)}`;
    const state = new PassState();
    let error: string | undefined;
    try {
      await this.compareAll(request, state);
      if (request.repair) await this.repair(request.entity, state, passId);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.log.warn({ passId, err: e }, 'reconciliation pass failed: nothing was repaired');
    }
    const finished = Date.now();
    const report: ReconcileReport = {
      passId,
      entity: request.entity,
      trigger: request.trigger,
      caller: request.caller,
      since: new Date(request.sinceMs).toISOString(),
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      status: error ? 'failed' : 'ok',
      ...(error ? { error } : {}),
      compared: { aggregates: state.aggregates.size, records: state.records },
      apiCalls: state.apiCalls,
      counts: countsOf(state.findings),
      findings: state.findings,
    };
    if (!error) for (const c of report.counts) this.add(c.object, c.kind, c.found, c.repaired);
    this.lastPass.set(request.entity, { at: finished, durationMs: report.durationMs, ok: !error });
    this.reports.push(report);
    if (this.reports.length > this.options.keepReports) this.reports.shift();
    this.log.info(
      { passId, entity: request.entity, status: report.status, compared: report.compared, counts: report.counts },
      'reconciliation pass done',
    );
    return report;
  }

  /** Source window, then the Salesforce window's records the source window did not cover. */
  private async compareAll(request: ReconcileRequest, state: PassState): Promise<void> {
    const spec = RECONCILE_ENTITIES[request.entity];
    let afterId: number | null = 0;
    while (afterId !== null) {
      const page = await this.source.read(spec.source, {
        sinceMs: request.sinceMs,
        afterId,
        limit: this.options.pageSize,
      });
      await this.compareAggregates(request.entity, page.aggregates, state);
      afterId = page.nextAfterId;
    }
    // Records a person changed in Salesforce (or created with a hub key) while the source did not change.
    // SOQL datetimes to the second (floored: the window never shrinks).
    const since = new Date(Math.floor(request.sinceMs / 1_000) * 1_000).toISOString().replace('.000Z', 'Z');
    const touched = new Set<number>();
    const strays: { object: string; keyField: string; record: SalesforceRecord }[] = [];
    for (const object of spec.objects) {
      const keyField = 'Odoo_Id__c';
      const parent = object === spec.root ? '' : `, ${spec.root}.${keyField}`;
      const records = await this.query(
        state,
        `SELECT Id, ${keyField}${parent} FROM ${object} WHERE ${keyField} != null AND SystemModstamp >= ${since}`,
      );
      for (const r of records) {
        const key = object === spec.root ? r[keyField] : (r[spec.root] as SalesforceRecord | null)?.[keyField];
        const id = typeof key === 'string' ? odooIdOf(key, spec.prefix) : undefined;
        if (id !== undefined && !state.aggregates.has(id)) touched.add(id);
        else if (id === undefined) strays.push({ object, keyField, record: r });
      }
    }
    const ids = [...touched];
    for (let from = 0; from < ids.length; from += this.options.pageSize) {
      const chunk = ids.slice(from, from + this.options.pageSize);
      const page = await this.source.read(spec.source, { ids: chunk, afterId: 0, limit: chunk.length });
      await this.compareAggregates(request.entity, page.aggregates, state);
      // Named in Salesforce, unknown to the source: their records are orphans.
      const known = new Set(page.aggregates.map((a) => a.odooId));
      for (const id of chunk.filter((i) => !known.has(i))) state.aggregates.set(id, { odooId: id, missing: true });
    }
    for (const object of spec.objects) {
      const records = await this.windowRecordsOfUnknown(state, request, object);
      state.findings.push(...orphans(object, 'Odoo_Id__c', records, state.claimed).map(reported));
    }
    for (const s of strays) {
      state.findings.push(...orphans(s.object, s.keyField, [s.record], state.claimed).map(reported));
    }
  }

  /** The window's records of `object` whose aggregate the source does not have. */
  private async windowRecordsOfUnknown(state: PassState, request: ReconcileRequest, object: string) {
    const spec = RECONCILE_ENTITIES[request.entity];
    const unknown = [...state.aggregates.values()]
      .filter((a) => 'missing' in a)
      .map((a) => `${spec.prefix}${a.odooId}`);
    const out: SalesforceRecord[] = [];
    for (let from = 0; from < unknown.length; from += SOQL_IN_CHUNK) {
      const keys = unknown.slice(from, from + SOQL_IN_CHUNK);
      const where =
        object === spec.root ? `Odoo_Id__c IN (${quoteAll(keys)})` : `${spec.root}.Odoo_Id__c IN (${quoteAll(keys)})`;
      out.push(...(await this.query(state, `SELECT Id, Odoo_Id__c FROM ${object} WHERE ${where}`)));
    }
    return out;
  }

  private async compareAggregates(entity: ReconcileEntity, aggregates: SourceAggregate[], state: PassState) {
    const spec = RECONCILE_ENTITIES[entity];
    const expected: ExpectedRecord[] = [];
    for (const aggregate of aggregates) {
      // A live row that is not of this entity (a person among the partners: a Contact, not an Account).
      if (!aggregate.deleted && !aggregate.record) continue;
      const aggregateId = `${spec.prefix}${aggregate.odooId}`;
      state.aggregates.set(aggregate.odooId, aggregate);
      const steps =
        aggregate.deleted || !aggregate.record
          ? this.mapping.planDeletion(spec.source, aggregateId)
          : await this.mapping.plan(
              spec.source,
              aggregate.record,
              new Set(this.ownership.fieldsOwnedBy(spec.source, 'odoo', aggregateId)),
            );
      expected.push(
        ...expectedRecords(aggregateId, steps).filter((e) => (spec.objects as readonly string[]).includes(e.object)),
      );
    }
    for (const e of expected) state.claimed.add(recordRef(e.object, e.key));
    const actual = new Map<string, SalesforceRecord>();
    const rootIds: string[] = [];
    for (const object of spec.objects) {
      const ofObject = expected.filter((e) => e.object === object);
      if (ofObject.length === 0) continue;
      const keyField = ofObject[0].keyField;
      const select = selectList(ofObject, keyField).join(', ');
      const keys = [...new Set(ofObject.map((e) => e.key))];
      for (let from = 0; from < keys.length; from += SOQL_IN_CHUNK) {
        const chunk = keys.slice(from, from + SOQL_IN_CHUNK);
        const found = await this.query(
          state,
          `SELECT ${select} FROM ${object} WHERE ${keyField} IN (${quoteAll(chunk)})`,
        );
        for (const r of found) {
          actual.set(recordRef(object, String(r[keyField])), r);
          if (object === spec.root && typeof r.Id === 'string') rootIds.push(r.Id);
        }
      }
      state.records += ofObject.length;
    }
    state.findings.push(...compare(expected, actual).map((f) => ({ ...f, repair: 'not-repaired' as const })));
    // Children of the compared roots that the aggregate does not have (an item added by hand with a hub key).
    for (const object of spec.objects.filter((o) => o !== spec.root)) {
      for (let from = 0; from < rootIds.length; from += SOQL_IN_CHUNK) {
        const chunk = rootIds.slice(from, from + SOQL_IN_CHUNK);
        const children = await this.query(
          state,
          `SELECT Id, Odoo_Id__c FROM ${object} WHERE Odoo_Id__c != null AND ${spec.root}Id IN (${quoteAll(chunk)})`,
        );
        state.findings.push(...orphans(object, 'Odoo_Id__c', children, state.claimed).map(reported));
      }
    }
    state.expected.push(...expected);
  }

  /**
   * Re-publishes every aggregate with repairable drift, whole, at no lower position than the target last applied for
   * any of its records; records found missing are forgotten by the stale guard first (they are not in Salesforce,
   * whatever it remembers), so the projector creates them again with their create-only fields.
   */
  private async repair(entity: ReconcileEntity, state: PassState, passId: string): Promise<void> {
    const spec = RECONCILE_ENTITIES[entity];
    const repairable = state.findings.filter((f) => f.kind !== 'orphan' && f.aggregateId !== null);
    if (repairable.length === 0) return;
    const aggregateIds = [...new Set(repairable.map((f) => f.aggregateId!))];
    const records = state.expected.filter((e) => aggregateIds.includes(e.aggregateId));
    const applied = await this.positions.lastAppliedMany(
      records.map((r) => ({ scope: r.scope, key: r.key, source: 'odoo' })),
    );
    const atLeast = new Map<string, number>();
    records.forEach((r) => {
      const p = applied.get(`${r.scope}\u0000${r.key}\u0000odoo`);
      if (p !== undefined) atLeast.set(r.aggregateId, Math.max(atLeast.get(r.aggregateId) ?? 0, p));
    });
    const missing = repairable.filter((f) => f.kind === 'missing' && f.scope);
    await this.positions.forget(missing.map((f) => ({ scope: f.scope!, key: f.key })));
    for (let from = 0; from < aggregateIds.length; from += this.options.pageSize) {
      const chunk = aggregateIds.slice(from, from + this.options.pageSize);
      const result = await this.source.republish(
        spec.source,
        chunk.map((id) => ({ odooId: odooIdOf(id, spec.prefix)!, atLeastPosition: atLeast.get(id) })),
        passId,
      );
      const notFound = new Set(result.notFound.map((n) => `${spec.prefix}${n}`));
      for (const f of repairable) {
        if (chunk.includes(f.aggregateId!)) f.repair = notFound.has(f.aggregateId!) ? 'not-repaired' : 'republished';
      }
    }
  }

  private async query(state: PassState, soql: string): Promise<SalesforceRecord[]> {
    const { records, calls } = await this.budget.run(() => this.salesforce.query(soql));
    state.apiCalls += calls;
    return records;
  }

  private add(object: string, kind: DriftKind, found: number, repaired: number) {
    const key = `${object}\u0000${kind}`;
    const t = this.totals.get(key) ?? { found: 0, repaired: 0 };
    t.found += found;
    t.repaired += repaired;
    this.totals.set(key, t);
  }
}

class PassState {
  readonly aggregates = new Map<number, SourceAggregate | { odooId: number; missing: true }>();
  readonly claimed = new Set<string>();
  readonly expected: ExpectedRecord[] = [];
  findings: ReconcileReport['findings'] = [];
  records = 0;
  apiCalls = 0;
}

const reported = (f: Finding) => ({ ...f, repair: 'reported' as const });

function countsOf(findings: ReconcileReport['findings']): ReconcileReport['counts'] {
  const counts = new Map<string, ReconcileReport['counts'][number]>();
  for (const f of findings) {
    const key = `${f.object}\u0000${f.kind}`;
    const c = counts.get(key) ?? { object: f.object, kind: f.kind, found: 0, repaired: 0 };
    c.found++;
    if (f.repair === 'republished') c.repaired++;
    counts.set(key, c);
  }
  return [...counts.values()].sort(
    (a, b) => a.object.localeCompare(b.object) || DRIFT_KINDS.indexOf(a.kind) - DRIFT_KINDS.indexOf(b.kind),
  );
}

/** The Odoo id in a hub key of the entity (`odoo-sale-order-42` → 42); undefined for another key (a line's). */
export function odooIdOf(key: string, prefix: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

function quoteAll(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
}
