import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';

import { jsonResponse, noContent, parseJsonBody, type SandboxResponse } from './http.helpers';
import { toCaseSafeId } from './record-id';
import type { CommitContext, RecordStore, StoredRecord, Transaction } from './record.store';
import { ApiErrors, ApiFailure, SaveErrors, type SaveError } from './salesforce.errors';
import type { RecordOutcome, SObjectCollections, WriteScope } from './sobject-collection.service';
import {
  coerceJsonValue,
  type ParsedRecord,
  type SObjectDml,
  type UpsertOutcome,
  type WriteOutcome,
} from './sobject-dml.service';
import { describeSObject, findField, type FieldDef, type SObjectCatalogue, type SObjectDef } from './sobject.catalogue';
import type { SoqlExecutor } from './soql.executor';

/** sObject Collections take at most this many records per request. */
export const COLLECTION_LIMIT = 200;
const DEFAULT_QUERY_BATCH = 2000;

export interface RestContext {
  method: string;
  /** API version from the URL, e.g. `62.0`. */
  version: string;
  /** Path segments after `/services/data/vXX.X/`, percent-decoded. */
  path: string[];
  query: URLSearchParams;
  body: string;
  /** The body as received; undefined when larger than the route allows (a Bulk API upload has its own limit). */
  bodyBytes: Buffer | undefined;
  headers: IncomingHttpHeaders;
  /** Who writes, and through which API: what Change Data Capture reports for the request's commits. */
  commit: CommitContext;
}

/** A matched REST resource: its name for statistics, whether it writes, and the work to do. */
export interface RestRoute {
  name: string;
  write: boolean;
  run(): SandboxResponse;
}

/** The daily API request allowance reported in `Sforce-Limit-Info` and `/limits`. */
export class ApiUsage {
  used = 0;

  /** Bulk API batches (Bulk API 2.0 makes one per 10,000 records of a job) against the daily allocation. */
  bulkBatchesUsed = 0;
  bulkBatchesMax = 15_000;

  constructor(public max: number) {}

  get exhausted(): boolean {
    return this.used >= this.max;
  }

  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }
}

/**
 * Open query cursors kept at once; opening one more releases the one unused the longest, whose `nextRecordsUrl` then
 * answers INVALID_QUERY_LOCATOR. Salesforce lifted its limit of 10 per user in API 56.0 (cursors now last two days),
 * but a cursor here holds its whole result in memory: a client that polls a large query and never reads past the first
 * page (a monitor, a test) would otherwise grow the sandbox without bound.
 */
export const DEFAULT_MAX_QUERY_CURSORS = 10;

interface QueryCursor {
  records: Record<string, unknown>[];
  totalSize: number;
  batchSize: number;
}

/** A per-record outcome as sObject Collections answer it (SaveResult; UpsertResult adds `created`). */
function saveResult(outcome: RecordOutcome): { id?: string; success: boolean; errors: SaveError[] } {
  return outcome.ok ? { id: outcome.id, success: true, errors: [] } : { success: false, errors: outcome.errors };
}

function upsertResult(outcome: RecordOutcome) {
  return outcome.ok
    ? { id: outcome.id, success: true, errors: [], created: outcome.created }
    : { success: false, errors: outcome.errors, created: false };
}

/**
 * The REST resources under `/services/data/vXX.X/`. Each handler is synchronous: the store is in
 * memory, and the HTTP layer owns authentication, limits, latency and the other injected faults.
 */
export class RestApi {
  private readonly cursors = new Map<string, QueryCursor>();

  constructor(
    private readonly catalogue: SObjectCatalogue,
    private readonly store: RecordStore,
    private readonly dml: SObjectDml,
    private readonly soql: SoqlExecutor,
    private readonly collections: SObjectCollections,
    private readonly usage: ApiUsage,
    private readonly maxCursors = DEFAULT_MAX_QUERY_CURSORS,
  ) {}

  clearCursors(): void {
    this.cursors.clear();
  }

  /** Matches a request to a resource; throws 404 for an unknown resource and 405 for a wrong method. */
  route(ctx: RestContext): RestRoute {
    const [head, a, b, c, d, ...rest] = ctx.path;
    const on = (allowed: Record<string, Omit<RestRoute, 'name'> & { name?: string }>, name: string): RestRoute => {
      const entry = allowed[ctx.method];
      if (!entry) throw ApiErrors.methodNotAllowed(ctx.method, Object.keys(allowed));
      return { name: `${ctx.method} ${entry.name ?? name}`, write: entry.write, run: entry.run };
    };
    const read = (run: () => SandboxResponse) => ({ write: false, run });
    const write = (run: () => SandboxResponse) => ({ write: true, run });

    if (head === undefined) return on({ GET: read(() => this.resources(ctx)) }, '/');
    if (rest.length === 0 && head === 'limits' && a === undefined) {
      return on({ GET: read(() => this.limits()) }, '/limits');
    }
    if ((head === 'query' || head === 'queryAll') && b === undefined) {
      const name = a === undefined ? `/${head}` : `/${head}/{locator}`;
      return on(
        { GET: read(() => (a === undefined ? this.query(ctx, head === 'queryAll') : this.queryMore(ctx, a))) },
        name,
      );
    }
    if (head === 'sobjects' && d === undefined) {
      if (a === undefined) return on({ GET: read(() => this.describeGlobal(ctx)) }, '/sobjects');
      if (b === undefined) {
        return on(
          { GET: read(() => this.basicInfo(ctx, a)), POST: write(() => this.create(ctx, a)) },
          '/sobjects/{sobject}',
        );
      }
      if (c === undefined && b === 'describe') {
        return on({ GET: read(() => this.describe(ctx, a)) }, '/sobjects/{sobject}/describe');
      }
      if (c === undefined) {
        const routes: Record<string, Omit<RestRoute, 'name'> & { name?: string }> = {
          GET: read(() => this.retrieve(ctx, a, b)),
          PATCH: write(() => this.update(ctx, a, b)),
          DELETE: write(() => this.destroy(ctx, a, b)),
        };
        // POST /sobjects/{sobject}/Id: upsert with Id as the external id and a null value, i.e. create.
        if (b === 'Id')
          routes['POST'] = { write: true, run: () => this.create(ctx, a), name: '/sobjects/{sobject}/Id' };
        return on(routes, '/sobjects/{sobject}/{id}');
      }
      return on(
        {
          GET: read(() => this.retrieveByExternalId(ctx, a, b, c)),
          PATCH: write(() => this.upsert(ctx, a, b, c)),
          DELETE: write(() => this.destroyByExternalId(ctx, a, b, c)),
        },
        '/sobjects/{sobject}/{field}/{value}',
      );
    }
    if (head === 'composite' && a === 'sobjects' && b === undefined) {
      return on(
        {
          POST: write(() => this.createCollection(ctx)),
          PATCH: write(() => this.updateCollection(ctx)),
          DELETE: write(() => this.destroyCollection(ctx)),
        },
        '/composite/sobjects',
      );
    }
    if (head === 'composite' && a === 'sobjects' && b !== undefined && c !== undefined && d === undefined) {
      return on({ PATCH: write(() => this.upsertCollection(ctx, b, c)) }, '/composite/sobjects/{sobject}/{field}');
    }
    throw ApiErrors.notFound();
  }

  // ---- metadata -------------------------------------------------------------------------------

  private resources(ctx: RestContext): SandboxResponse {
    const base = `/services/data/v${ctx.version}`;
    return jsonResponse(200, {
      limits: `${base}/limits`,
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      composite: `${base}/composite`,
    });
  }

  private limits(): SandboxResponse {
    const fixed = (max: number) => ({ Max: max, Remaining: max });
    return jsonResponse(200, {
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: this.usage.max, Remaining: Math.max(0, this.usage.max - this.usage.used) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyBulkApiBatches: {
        Max: this.usage.bulkBatchesMax,
        Remaining: Math.max(0, this.usage.bulkBatchesMax - this.usage.bulkBatchesUsed),
      },
      DailyBulkV2QueryJobs: fixed(10000),
      DataStorageMB: { Max: 5, Remaining: 5 },
      FileStorageMB: { Max: 20, Remaining: 20 },
      HourlyTimeBasedWorkflow: fixed(1000),
      SingleEmail: fixed(15),
    });
  }

  private object(name: string): SObjectDef {
    const object = this.catalogue.get(name);
    if (!object) throw ApiErrors.notFound();
    return object;
  }

  private describeGlobal(ctx: RestContext): SandboxResponse {
    return jsonResponse(200, {
      encoding: 'UTF-8',
      maxBatchSize: COLLECTION_LIMIT,
      sobjects: this.catalogue.list().map((o) => {
        const {
          fields: _fields,
          childRelationships: _children,
          ...summary
        } = describeSObject(o, this.catalogue, ctx.version);
        return summary;
      }),
    });
  }

  private basicInfo(ctx: RestContext, name: string): SandboxResponse {
    const {
      fields: _fields,
      childRelationships: _children,
      ...objectDescribe
    } = describeSObject(this.object(name), this.catalogue, ctx.version);
    return jsonResponse(200, { objectDescribe, recentItems: [] });
  }

  private describe(ctx: RestContext, name: string): SandboxResponse {
    return jsonResponse(200, describeSObject(this.object(name), this.catalogue, ctx.version));
  }

  // ---- single records -------------------------------------------------------------------------

  private shape(ctx: RestContext, object: SObjectDef, record: StoredRecord, only?: FieldDef[]) {
    const out: Record<string, unknown> = {
      attributes: {
        type: object.name,
        url: `/services/data/v${ctx.version}/sobjects/${object.name}/${String(record.values['Id'])}`,
      },
    };
    for (const f of only ?? object.fields) out[f.name] = record.values[f.name] ?? null;
    return out;
  }

  private selectedFields(ctx: RestContext, object: SObjectDef): FieldDef[] | undefined {
    const list = ctx.query.get('fields');
    if (!list) return undefined;
    return list
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '')
      .map((n) => {
        const f = findField(object, n);
        if (!f) throw ApiErrors.noSuchColumn(n, object.name);
        return f;
      });
  }

  /** The stored row for `/sobjects/{type}/{id}`, with Salesforce's 404 flavours. */
  private byId(object: SObjectDef, raw: string): StoredRecord {
    const id = toCaseSafeId(raw);
    const record = id ? this.store.get(id) : undefined;
    if (record && record.type === object.name) {
      if (record.values['IsDeleted'] === true) throw ApiErrors.entityIsDeleted();
      return record;
    }
    if (id && id.startsWith(object.keyPrefix)) throw ApiErrors.notFound();
    throw ApiErrors.externalIdNotFound(raw);
  }

  private retrieve(ctx: RestContext, name: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const only = this.selectedFields(ctx, object);
    return jsonResponse(200, this.shape(ctx, object, this.byId(object, raw), only));
  }

  private lockCheck(object: SObjectDef): (id: string | undefined) => SaveError | undefined {
    return this.collections.lockCheck(object);
  }

  /** One CDC transaction for the whole request; with allOrNone, one store transaction too. */
  private scope(ctx: RestContext, allOrNone: boolean): WriteScope {
    return { commit: () => ctx.commit, shared: allOrNone ? this.store.begin(ctx.commit) : undefined };
  }

  /** allOrNone: the first failure rolls every record back and each success reports the rollback instead. */
  private settle<R extends { success: boolean; errors: SaveError[] }>(
    scope: WriteScope,
    results: R[],
    rolledBack: (result: R) => unknown,
  ): SandboxResponse {
    if (scope.shared) {
      if (results.some((r) => !r.success)) {
        scope.shared.rollback();
        return jsonResponse(
          200,
          results.map((r) => (r.success ? rolledBack(r) : r)),
        );
      }
      scope.shared.commit();
    }
    return jsonResponse(200, results);
  }

  private parseBody(object: SObjectDef, ctx: RestContext): ParsedRecord {
    return this.dml.parse(object, parseJsonBody(ctx.body));
  }

  private finish(tx: Transaction, outcome: WriteOutcome): asserts outcome is Extract<WriteOutcome, { ok: true }> {
    if (!outcome.ok) {
      tx.rollback();
      throw ApiFailure.fromSaveErrors(outcome.errors);
    }
    tx.commit();
  }

  private create(ctx: RestContext, name: string): SandboxResponse {
    const object = this.object(name);
    const parsed = this.parseBody(object, ctx);
    if (parsed.hasId) throw ApiFailure.fromSaveErrors([SaveErrors.notWritable(['Id'])]);
    const lockError = this.lockCheck(object)(undefined);
    if (lockError) throw ApiFailure.fromSaveErrors([lockError]);
    const tx = this.store.begin(ctx.commit);
    const outcome = this.dml.create(tx, object, parsed);
    this.finish(tx, outcome);
    return jsonResponse(201, { id: outcome.id, success: true, errors: [] });
  }

  private update(ctx: RestContext, name: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const existing = this.byId(object, raw);
    const parsed = this.parseBody(object, ctx);
    if (parsed.hasId) throw ApiErrors.fieldInBody('Id');
    const lockError = this.lockCheck(object)(existing.values['Id'] as string);
    if (lockError) throw ApiFailure.fromSaveErrors([lockError]);
    const tx = this.store.begin(ctx.commit);
    this.finish(tx, this.dml.update(tx, object, existing, parsed));
    return noContent();
  }

  private destroy(ctx: RestContext, name: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const existing = this.byId(object, raw);
    return this.softDelete(ctx, object, existing);
  }

  /**
   * `POST /composite/sobjects` `{allOrNone, records}`: creates up to 200 records (each names its type in
   * `attributes.type`), one result per record in order. With allOrNone=false each record is created on its own; with
   * true, the first failure rolls every create back.
   */
  private createCollection(ctx: RestContext): SandboxResponse {
    const body = parseJsonBody(ctx.body);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw ApiErrors.jsonParser('Cannot deserialize instance of SObjectCollectionRequest from START_ARRAY value');
    }
    const { records, allOrNone } = body as { records?: unknown; allOrNone?: unknown };
    if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
      throw ApiErrors.jsonParser(`Cannot deserialize instance of boolean from value ${JSON.stringify(allOrNone)}`);
    }
    if (!Array.isArray(records)) throw ApiFailure.of(400, 'INVALID_FIELD', 'records is required', ['records']);
    if (records.length > COLLECTION_LIMIT) throw ApiErrors.exceededIdLimit(COLLECTION_LIMIT);
    const parsed = records.map((record: unknown, index) => {
      const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
      if (typeof type !== 'string' || type === '') {
        throw ApiErrors.invalidType(`sObject type attribute is required for every record (record ${index})`);
      }
      const object = this.object(type);
      return { object, parsed: this.dml.parse(object, record) };
    });
    const scope = this.scope(ctx, allOrNone === true);
    const results = parsed.map(({ object, parsed: p }, i) => saveResult(this.collections.create(scope, i, object, p)));
    return this.settle(scope, results, () => ({ success: false, errors: [SaveErrors.rolledBack()] }));
  }

  /**
   * `PATCH /composite/sobjects` `{allOrNone, records}`: updates up to 200 existing records, of one or several objects,
   * each naming its type in `attributes.type` and itself by its `id`; one SaveResult per record in order. Never
   * creates: a record without an id, with an id of another object or of no record, or deleted, fails on its own. With
   * allOrNone=false each record is updated on its own; with true, the first failure rolls every update back. (The
   * limit of ten chunks of consecutive same-type records per request is not modelled.)
   */
  private updateCollection(ctx: RestContext): SandboxResponse {
    const body = parseJsonBody(ctx.body);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw ApiErrors.jsonParser('Cannot deserialize instance of SObjectCollectionRequest from START_ARRAY value');
    }
    const { records, allOrNone } = body as { records?: unknown; allOrNone?: unknown };
    if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
      throw ApiErrors.jsonParser(`Cannot deserialize instance of boolean from value ${JSON.stringify(allOrNone)}`);
    }
    if (!Array.isArray(records)) throw ApiFailure.of(400, 'INVALID_FIELD', 'records is required', ['records']);
    if (records.length > COLLECTION_LIMIT) throw ApiErrors.exceededIdLimit(COLLECTION_LIMIT);
    // Request-level checks first (a missing type, an unknown field): one malformed record fails the whole request.
    const parsed = records.map((record: unknown, index) => {
      const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
      if (typeof type !== 'string' || type === '') {
        throw ApiErrors.invalidType(`sObject type attribute is required for every record (record ${index})`);
      }
      const object = this.object(type);
      // Field names are case-insensitive: jsforce sends `id`, the documentation's examples too.
      const fields = { ...(record as Record<string, unknown>) };
      const idKey = Object.keys(fields).find((k) => k.toLowerCase() === 'id');
      const id = idKey === undefined ? undefined : fields[idKey];
      if (idKey !== undefined) delete fields[idKey];
      return { object, id, parsed: this.dml.parse(object, fields) };
    });
    const scope = this.scope(ctx, allOrNone === true);
    const results = parsed.map(({ object, id, parsed: p }, i) =>
      saveResult(this.collections.update(scope, i, object, id, p)),
    );
    return this.settle(scope, results, () => ({ success: false, errors: [SaveErrors.rolledBack()] }));
  }

  /**
   * `DELETE /composite/sobjects?ids=…&allOrNone=…`: up to 200 records of any objects, one result per id in order.
   * With allOrNone=false each record is deleted on its own; with true, the first failure rolls every delete back.
   */
  private destroyCollection(ctx: RestContext): SandboxResponse {
    const ids = (ctx.query.get('ids') ?? '').split(',').filter((id) => id !== '');
    if (ids.length === 0) throw ApiFailure.of(400, 'MALFORMED_QUERY', 'ids is required', ['ids']);
    if (ids.length > COLLECTION_LIMIT) throw ApiErrors.exceededIdLimit(COLLECTION_LIMIT);
    const scope = this.scope(ctx, ctx.query.get('allOrNone') === 'true');
    const results = ids.map((raw, i) => {
      const outcome = this.collections.delete(scope, i, raw);
      return outcome.ok
        ? { id: outcome.id, success: true, errors: [] }
        : { id: raw, success: false, errors: outcome.errors };
    });
    return this.settle(scope, results, (r) => ({ id: r.id, success: false, errors: [SaveErrors.rolledBack()] }));
  }

  private softDelete(ctx: RestContext, object: SObjectDef, existing: StoredRecord): SandboxResponse {
    const lockError = this.lockCheck(object)(existing.values['Id'] as string);
    if (lockError) throw ApiFailure.fromSaveErrors([lockError]);
    const tx = this.store.begin(ctx.commit);
    const outcome = this.dml.delete(tx, existing);
    if (!outcome.ok) {
      tx.rollback();
      throw ApiFailure.fromSaveErrors(outcome.errors);
    }
    tx.commit();
    return noContent();
  }

  // ---- by external id -------------------------------------------------------------------------

  /** The external-id field named in a URL; anything else is the documented 404. */
  private externalIdField(object: SObjectDef, name: string): FieldDef {
    const field = findField(object, name);
    if (!field || (!field.externalId && field.name !== 'Id')) throw ApiErrors.notFound();
    return field;
  }

  private matches(object: SObjectDef, field: FieldDef, raw: string): StoredRecord[] {
    if (field.name === 'Id') {
      const id = toCaseSafeId(raw);
      const record = id ? this.store.get(id) : undefined;
      if (record?.values['IsDeleted'] === true && record.type === object.name) throw ApiErrors.entityIsDeleted();
      return record && record.type === object.name ? [record] : [];
    }
    return this.dml.matchExternalId(this.store, object, field, coerceJsonValue(field, raw));
  }

  private multipleChoices(ctx: RestContext, object: SObjectDef, records: StoredRecord[]): SandboxResponse {
    return jsonResponse(
      300,
      records.map((r) => `/services/data/v${ctx.version}/sobjects/${object.name}/${String(r.values['Id'])}`),
    );
  }

  private retrieveByExternalId(ctx: RestContext, name: string, fieldName: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const field = this.externalIdField(object, fieldName);
    const found = this.matches(object, field, raw);
    if (found.length > 1) return this.multipleChoices(ctx, object, found);
    const record = found[0];
    if (!record) throw ApiErrors.notFound();
    return jsonResponse(200, this.shape(ctx, object, record, this.selectedFields(ctx, object)));
  }

  private destroyByExternalId(ctx: RestContext, name: string, fieldName: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const field = this.externalIdField(object, fieldName);
    const found = this.matches(object, field, raw);
    if (found.length !== 1) throw ApiErrors.notFound();
    return this.softDelete(ctx, object, found[0] as StoredRecord);
  }

  private upsert(ctx: RestContext, name: string, fieldName: string, raw: string): SandboxResponse {
    const object = this.object(name);
    const field = this.externalIdField(object, fieldName);
    const parsed = this.parseBody(object, ctx);
    if (parsed.hasId) throw ApiErrors.fieldInBody('Id');
    if (parsed.values.has(field.name)) throw ApiErrors.fieldInBody(field.name);
    const updateOnly = ctx.query.get('updateOnly') === 'true';
    const lock = this.lockCheck(object);

    let outcome: UpsertOutcome;
    const tx = this.store.begin(ctx.commit);
    if (field.name === 'Id') {
      const found = this.matches(object, field, raw);
      const existing = found[0];
      if (!existing) throw ApiErrors.notFound();
      const lockError = lock(existing.values['Id'] as string);
      outcome = lockError ? { ok: false, errors: [lockError] } : this.dml.update(tx, object, existing, parsed);
    } else {
      const value = coerceJsonValue(field, raw);
      if (updateOnly && this.dml.matchExternalId(this.store, object, field, value).length === 0) {
        throw ApiErrors.notFound();
      }
      outcome = this.dml.upsert(tx, object, field, value, parsed, lock);
    }
    if ('multiple' in outcome) {
      tx.rollback();
      return this.multipleChoices(ctx, object, outcome.multiple);
    }
    this.finish(tx, outcome);
    return jsonResponse(outcome.created ? 201 : 200, {
      id: outcome.id,
      success: true,
      errors: [],
      created: outcome.created,
    });
  }

  // ---- sObject Collections upsert -------------------------------------------------------------

  private upsertCollection(ctx: RestContext, name: string, fieldName: string): SandboxResponse {
    const object = this.object(name);
    const field = this.externalIdField(object, fieldName);
    if (field.name === 'Id') throw ApiErrors.notFound();
    const body = parseJsonBody(ctx.body);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw ApiErrors.jsonParser('Cannot deserialize instance of SObjectCollectionRequest from START_ARRAY value');
    }
    const { records, allOrNone } = body as { records?: unknown; allOrNone?: unknown };
    if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
      throw ApiErrors.jsonParser(`Cannot deserialize instance of boolean from value ${JSON.stringify(allOrNone)}`);
    }
    if (!Array.isArray(records)) throw ApiFailure.of(400, 'INVALID_FIELD', 'records is required', ['records']);
    if (records.length > COLLECTION_LIMIT) throw ApiErrors.exceededIdLimit(COLLECTION_LIMIT);

    // Request-level checks first: one malformed record fails the whole request with 400.
    const parsed = records.map((record: unknown, index) => {
      const type = (record as { attributes?: { type?: unknown } } | null)?.attributes?.type;
      if (typeof type !== 'string' || type === '') {
        throw ApiErrors.invalidType(`sObject type attribute is required for every record (record ${index})`);
      }
      if (type.toLowerCase() !== object.name.toLowerCase()) {
        throw ApiErrors.invalidType(
          `sObject type '${type}' of record ${index} does not match the type '${object.name}' of the request URI`,
        );
      }
      return this.dml.parse(object, record);
    });

    const scope = this.scope(ctx, allOrNone === true);
    const results = this.collections.upsert(scope, object, field, parsed).map(upsertResult);
    return this.settle(scope, results, () => ({
      success: false,
      errors: [SaveErrors.rolledBack()],
      created: false,
    }));
  }

  // ---- query ----------------------------------------------------------------------------------

  private batchSize(ctx: RestContext): number {
    const header = ctx.headers['sforce-query-options'];
    const match = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
    const requested = match ? Number(match[1]) : DEFAULT_QUERY_BATCH;
    return Math.min(DEFAULT_QUERY_BATCH, Math.max(200, requested));
  }

  private query(ctx: RestContext, includeDeleted: boolean): SandboxResponse {
    const q = ctx.query.get('q');
    if (q === null || q.trim() === '') throw ApiErrors.malformedQuery('A query string has to be specified');
    const outcome = this.soql.run(this.store, q, { version: ctx.version, includeDeleted });
    const batchSize = this.batchSize(ctx);
    if (outcome.records.length <= batchSize) {
      return jsonResponse(200, { totalSize: outcome.totalSize, done: true, records: outcome.records });
    }
    const locator = `01g${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}`;
    this.cursors.set(locator, { records: outcome.records, totalSize: outcome.totalSize, batchSize });
    // Map order is use order (queryMore moves a cursor to the end): the first is the one unused the longest.
    while (this.cursors.size > this.maxCursors) this.cursors.delete(this.cursors.keys().next().value as string);
    return jsonResponse(200, {
      totalSize: outcome.totalSize,
      done: false,
      nextRecordsUrl: `/services/data/v${ctx.version}/query/${locator}-${batchSize}`,
      records: outcome.records.slice(0, batchSize),
    });
  }

  private queryMore(ctx: RestContext, locatorAndOffset: string): SandboxResponse {
    const match = /^(01g[A-Za-z0-9]+)-(\d+)$/.exec(locatorAndOffset);
    const cursor = match ? this.cursors.get(match[1] as string) : undefined;
    if (!match || !cursor) throw ApiErrors.invalidQueryLocator();
    const locator = match[1] as string;
    const offset = Number(match[2]);
    const page = cursor.records.slice(offset, offset + cursor.batchSize);
    const next = offset + cursor.batchSize;
    const done = next >= cursor.records.length;
    this.cursors.delete(locator);
    if (!done) this.cursors.set(locator, cursor);
    return jsonResponse(200, {
      totalSize: cursor.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${ctx.version}/query/${locator}-${next}` }),
      records: page,
    });
  }
}
