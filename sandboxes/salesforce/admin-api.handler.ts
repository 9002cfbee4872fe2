import type { BulkIngestService } from './bulk-ingest.service';
import type { CreateLog } from './create.log';
import { parseFaultConfig, type FaultInjector } from './fault.injector';
import { jsonResponse, noContent, type SandboxResponse } from './http.helpers';
import type { CommitContext, RecordStore, StoredRecord } from './record.store';
import { toCaseSafeId } from './record-id';
import type { ApiUsage } from './rest-api.handler';
import { ApiFailure, SaveErrors } from './salesforce.errors';
import type { SObjectDml } from './sobject-dml.service';
import type { SObjectCatalogue, SObjectDef } from './sobject.catalogue';
import type { TokenRegistry } from './oauth.handler';

/** Counters kept by the HTTP layer and reported by `GET /__admin/stats`. */
export interface SandboxStats {
  /** REST requests received, whatever became of them. */
  restRequests: number;
  /** REST requests counted against the API allowance (authenticated and within the limit). */
  apiCalls: number;
  /** Counted calls by resource, e.g. `PATCH /composite/sobjects/{sobject}/{field}`, `PUT /jobs/ingest/{jobId}/batches`. */
  callsByRoute: Record<string, number>;
  /**
   * Milliseconds spent answering REST requests, summed: from the request's body read to its answer written, without
   * injected latency. Answers are made synchronously, so requests never overlap in it and it can be set beside a
   * run's wall-clock time: how much of the run the org itself took.
   */
  apiHandlingMs: number;
  /** Milliseconds spent processing Bulk API ingest jobs after their upload (reading the CSV, writing its batches). */
  bulkProcessingMs: number;
}

export function emptyStats(): SandboxStats {
  return { restRequests: 0, apiCalls: 0, callsByRoute: {}, apiHandlingMs: 0, bulkProcessingMs: 0 };
}

interface AdminDeps {
  catalogue: SObjectCatalogue;
  store: RecordStore;
  dml: SObjectDml;
  faults: FaultInjector;
  tokens: TokenRegistry;
  usage: ApiUsage;
  stats: SandboxStats;
  bulk: BulkIngestService;
  /** Replaces the connected app's consumer secret (see `OAuthHandler.rotateClientSecret`). */
  rotateClientSecret(secret: string, keepPrevious: boolean): void;
  creates: CreateLog;
  /** Who the admin API's writes are attributed to: a person working in the org, not through the API. */
  personCommit(): CommitContext;
  /** Wipes what `reset` wipes beyond the store (query cursors, change events), then seeds the rows every org holds. */
  onReset(): void;
}

function badRequest(error: string, details?: string[]): SandboxResponse {
  return jsonResponse(400, details ? { error, details } : { error });
}

function parse(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The unauthenticated test-control API under `/__admin` (not part of Salesforce):
 *
 * - `GET|POST|DELETE /__admin/faults` read, replace, clear the fault configuration
 * - `POST /__admin/faults/bulk-jobs` `{ "count", "errorMessage"? }` fail the next `count` Bulk API ingest jobs as a
 *   whole, leaving the other faults (and the PRNG) as they are
 * - `GET /__admin/creates[?object=O]` records created, by object, and every external id value more than one record was
 *   created with (duplicate creates: see create.log.ts)
 * - `GET /__admin/stats` counters (calls, time spent answering requests and processing bulk jobs) and live rows per
 *   object; `POST /__admin/reset` wipe records,
 *   counters, faults and cursors, then seed the rows every org holds (the standard price book)
 * - `GET /__admin/records/{sobject}` dump rows (deleted ones included); `POST` seeds rows without
 *   counting API calls, answering per-record results like a collection
 * - `PATCH|DELETE /__admin/records/{sobject}/{id}` and `POST …/{id}/undelete`: a person's edit, delete or
 *   Recycle Bin restore, with the API's validation and rules, not counted as API calls
 * - `POST /__admin/oauth/client-secret` `{ "secret", "keepPrevious"? }` replace the connected app's consumer secret;
 *   the old one is refused from then on, or still accepted until the next rotation with `keepPrevious`
 * - `GET|POST /__admin/limits` read or set `{ "max", "used" }` of the daily API allowance, and
 *   `{ "bulkBatchesMax", "bulkBatchesUsed" }` of the daily Bulk API batch allocation
 *
 * Writes made here are changes made in the org by a person: their change events name the admin user as
 * `commitUser` and carry an empty `changeOrigin`.
 */
export class AdminApi {
  constructor(private readonly deps: AdminDeps) {}

  handle(method: string, path: string[], body: string, query?: URLSearchParams): SandboxResponse {
    const [resource, arg, id, action, more] = path;
    if (resource === 'records' && arg !== undefined && id !== undefined && more === undefined) {
      return this.personWrite(method, arg, id, action, body);
    }
    if (id !== undefined) return jsonResponse(404, { error: 'not found' });
    switch (`${method} ${resource ?? ''}${arg === undefined ? '' : ' *'}`) {
      case 'GET faults':
        return jsonResponse(200, this.deps.faults.config);
      case 'POST faults':
        return this.setFaults(body);
      case 'DELETE faults':
        this.deps.faults.clear();
        return noContent();
      case 'POST oauth *':
        return arg === 'client-secret' ? this.rotateClientSecret(body) : jsonResponse(404, { error: 'not found' });
      case 'POST faults *':
        return arg === 'bulk-jobs' ? this.failBulkJobs(body) : jsonResponse(404, { error: 'not found' });
      case 'GET stats':
        return jsonResponse(200, this.stats());
      case 'GET creates':
        return jsonResponse(200, this.deps.creates.summary({ object: query?.get('object') ?? undefined }));
      case 'POST reset':
        this.reset();
        return noContent();
      case 'GET records *':
        return this.dump(arg as string);
      case 'POST records *':
        return this.seed(arg as string, body);
      case 'GET limits':
        return jsonResponse(200, this.limits());
      case 'POST limits':
        return this.setLimits(body);
      default:
        return jsonResponse(404, { error: 'not found' });
    }
  }

  private setFaults(body: string): SandboxResponse {
    const parsed = parseFaultConfig(parse(body));
    if ('errors' in parsed) return badRequest('invalid fault configuration', parsed.errors);
    const expiredTokens = parsed.config.expireTokens ? this.deps.tokens.expireAll() : 0;
    this.deps.faults.set(parsed.config);
    return jsonResponse(200, { faults: this.deps.faults.config, expiredTokens });
  }

  private rotateClientSecret(body: string): SandboxResponse {
    const input = parse(body) as { secret?: unknown; keepPrevious?: unknown } | undefined;
    const { secret, keepPrevious } = input ?? {};
    const errors = [
      ...(typeof secret === 'string' && secret.trim() !== '' ? [] : ['secret must be a non-empty string']),
      ...(keepPrevious === undefined || typeof keepPrevious === 'boolean' ? [] : ['keepPrevious must be a boolean']),
    ];
    if (errors.length) return badRequest('invalid client secret rotation', errors);
    this.deps.rotateClientSecret(secret as string, keepPrevious === true);
    return noContent();
  }

  private failBulkJobs(body: string): SandboxResponse {
    const input = parse(body) as { count?: unknown; errorMessage?: unknown } | undefined;
    const { count, errorMessage } = input ?? {};
    const errors = [
      ...(typeof count === 'number' && Number.isInteger(count) && count >= 0 ? [] : ['count must be an integer ≥ 0']),
      ...(errorMessage === undefined || (typeof errorMessage === 'string' && errorMessage.trim() !== '')
        ? []
        : ['errorMessage must be a non-empty string']),
    ];
    if (errors.length) return badRequest('invalid bulk job fault', errors);
    this.deps.faults.failBulkJobs(count as number, errorMessage as string | undefined);
    return jsonResponse(200, { faults: this.deps.faults.config });
  }

  private stats() {
    const { stats, tokens, faults, usage, catalogue, store } = this.deps;
    const recordsByObject: Record<string, number> = {};
    for (const o of catalogue.list()) {
      recordsByObject[o.name] = store.list(o.name).filter((r) => r.values['IsDeleted'] !== true).length;
    }
    return {
      apiCalls: stats.apiCalls,
      callsByRoute: { ...stats.callsByRoute },
      tokensIssued: tokens.issued,
      restRequests: stats.restRequests,
      apiHandlingMs: Math.round(stats.apiHandlingMs),
      bulkProcessingMs: Math.round(stats.bulkProcessingMs),
      faultsInjected: { ...faults.injected },
      apiUsage: { used: usage.used, max: usage.max },
      bulkApiBatches: { used: usage.bulkBatchesUsed, max: usage.bulkBatchesMax },
      bulkIngestJobs: this.deps.bulk.countByState(),
      recordsByObject,
    };
  }

  private reset(): void {
    const { store, stats, faults, usage, tokens } = this.deps;
    store.clear();
    this.deps.creates.clear();
    faults.clear();
    faults.resetCounters();
    usage.used = 0;
    usage.bulkBatchesUsed = 0;
    tokens.issued = 0;
    Object.assign(stats, emptyStats());
    this.deps.onReset();
  }

  private dump(name: string): SandboxResponse {
    const object = this.deps.catalogue.get(name);
    if (!object) return jsonResponse(404, { error: `unknown sObject ${name}` });
    return jsonResponse(
      200,
      this.deps.store.list(object.name).map((r) => ({ attributes: { type: object.name }, ...r.values })),
    );
  }

  private seed(name: string, body: string): SandboxResponse {
    const object = this.deps.catalogue.get(name);
    if (!object) return jsonResponse(404, { error: `unknown sObject ${name}` });
    const records = parse(body);
    if (!Array.isArray(records)) return badRequest('body must be a JSON array of records');
    try {
      const parsed = records.map((r: unknown) => this.deps.dml.parse(object, r));
      const commit = this.deps.personCommit();
      return jsonResponse(
        200,
        parsed.map((p) => {
          const tx = this.deps.store.begin(commit);
          const outcome = this.deps.dml.create(tx, object, p);
          if (!outcome.ok) {
            tx.rollback();
            return { success: false, errors: outcome.errors };
          }
          tx.commit();
          return { id: outcome.id, success: true, errors: [] };
        }),
      );
    } catch (e) {
      if (e instanceof ApiFailure) return jsonResponse(e.status, e.errors);
      throw e;
    }
  }

  /** A person's update, delete or undelete of one record: one per-record result, as a collection answers. */
  private personWrite(method: string, name: string, rawId: string, action: string | undefined, body: string) {
    const object = this.deps.catalogue.get(name);
    if (!object) return jsonResponse(404, { error: `unknown sObject ${name}` });
    const record = this.deps.store.get(toCaseSafeId(rawId) ?? '');
    if (!record || record.type !== object.name) return jsonResponse(404, { error: `no ${object.name} ${rawId}` });
    const route = `${method} ${action ?? ''}`;
    if (route !== 'PATCH ' && route !== 'DELETE ' && route !== 'POST undelete') {
      return jsonResponse(404, { error: 'not found' });
    }
    try {
      return this.applyPersonWrite(route, object, record, body);
    } catch (e) {
      if (e instanceof ApiFailure) return jsonResponse(e.status, e.errors);
      throw e;
    }
  }

  private applyPersonWrite(route: string, object: SObjectDef, record: StoredRecord, body: string): SandboxResponse {
    const { dml, store } = this.deps;
    const tx = store.begin(this.deps.personCommit());
    const id = record.values['Id'] as string;
    let outcome;
    if (route === 'PATCH ') {
      const parsed = dml.parse(object, parse(body) ?? null);
      outcome = parsed.hasId
        ? { ok: false as const, errors: [SaveErrors.idInBody()] }
        : dml.update(tx, object, record, parsed);
    } else {
      outcome = route === 'DELETE ' ? dml.delete(tx, record) : dml.undelete(tx, record);
    }
    if (!outcome.ok) {
      tx.rollback();
      return jsonResponse(400, { id, success: false, errors: outcome.errors });
    }
    tx.commit();
    return jsonResponse(200, { id, success: true, errors: [] });
  }

  private limits() {
    const { usage } = this.deps;
    return {
      max: usage.max,
      used: usage.used,
      bulkBatchesMax: usage.bulkBatchesMax,
      bulkBatchesUsed: usage.bulkBatchesUsed,
    };
  }

  private setLimits(body: string): SandboxResponse {
    const input = parse(body) as
      { max?: unknown; used?: unknown; bulkBatchesMax?: unknown; bulkBatchesUsed?: unknown } | undefined;
    const ok = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
    if (
      !input ||
      typeof input !== 'object' ||
      ![input.max, input.used, input.bulkBatchesMax, input.bulkBatchesUsed].every(ok)
    ) {
      return badRequest('max, used, bulkBatchesMax and bulkBatchesUsed must be non-negative integers');
    }
    const { usage } = this.deps;
    if (typeof input.max === 'number') usage.max = input.max;
    if (typeof input.used === 'number') usage.used = input.used;
    if (typeof input.bulkBatchesMax === 'number') usage.bulkBatchesMax = input.bulkBatchesMax;
    if (typeof input.bulkBatchesUsed === 'number') usage.bulkBatchesUsed = input.bulkBatchesUsed;
    return jsonResponse(200, this.limits());
  }
}
