import { Connection } from 'jsforce';
import type { Logger } from 'pino';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { mapCallError, mapRecordError, SalesforceRecordError } from './salesforce-error.mapper';
import {
  DeleteOutcome,
  SALESFORCE_BATCH_LIMIT,
  SalesforcePort,
  SalesforceRecord,
  UpsertOutcome,
} from './salesforce.port';

export interface JsforceAdapterOptions {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
  /** Sent as `Sforce-Call-Options: client=…` on every call, so the hub's writes are recognisable in change events. */
  callClient: string;
  /** How long to wait after REQUEST_LIMIT_EXCEEDED before one call checks whether the allowance recovered. */
  limitBackoffMs?: number;
  log: Logger;
}

interface UpsertResultBody {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: SalesforceRecordError[];
}

/** A session refreshed more often than this is being refused for another reason: stop re-authenticating in a loop. */
const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * The only file that imports jsforce. Authenticates with the OAuth 2.0 client-credentials flow (no refresh token is
 * issued, so jsforce's refresh delegate is given a function that asks for a new token: a 401 INVALID_SESSION_ID then
 * re-authenticates once and repeats the call).
 */
export class JsforceSalesforceAdapter extends SalesforcePort {
  private readonly conn: Connection;
  private lastRefreshAt = 0;
  private authorized?: Promise<void>;
  private usageRead?: { used: number; max: number; at: number };
  private lastHeader?: string;
  private lastHeaderAt = 0;

  constructor(private readonly options: JsforceAdapterOptions) {
    super();
    this.conn = new Connection({
      loginUrl: options.loginUrl,
      version: options.apiVersion,
      callOptions: { client: options.callClient },
      oauth2: { clientId: options.clientId, clientSecret: options.clientSecret, loginUrl: options.loginUrl },
      refreshFn: (conn, callback) => {
        const now = Date.now();
        if (now - this.lastRefreshAt < MIN_REFRESH_INTERVAL_MS) {
          callback(new TransientError('INVALID_SESSION_ID', 'session refused again right after a refresh'));
          return;
        }
        this.lastRefreshAt = now;
        options.log.info('salesforce session expired: requesting a new token');
        conn.oauth2
          .requestToken({ grant_type: 'client_credentials' })
          .then((res) => callback(null, res.access_token, res))
          .catch((err: Error) => callback(err));
      },
    });
  }

  private ensureAuthorized(): Promise<void> {
    this.authorized ??= this.conn
      .authorize({ grant_type: 'client_credentials' })
      .then(() => {
        this.lastRefreshAt = Date.now();
        this.options.log.info({ instanceUrl: this.conn.instanceUrl }, 'salesforce session established');
      })
      .catch((error: unknown) => {
        this.authorized = undefined;
        throw error;
      });
    return this.authorized;
  }

  async upsert(objectName: string, externalIdField: string, records: SalesforceRecord[]): Promise<UpsertOutcome[]> {
    if (records.length === 0) return [];
    if (records.length > SALESFORCE_BATCH_LIMIT) {
      throw new RangeError(`at most ${SALESFORCE_BATCH_LIMIT} records per call, got ${records.length}`);
    }
    let results: UpsertResultBody[];
    try {
      await this.ensureAuthorized();
      // An array always goes through sObject Collections (one call, per-record results), even for one record.
      results = await this.conn.sobject(objectName).upsert(records, externalIdField, { allOrNone: false });
    } catch (error) {
      throw mapCallError(error, this.options.limitBackoffMs);
    }
    if (results.length !== records.length) {
      throw new TransientError(
        'BAD_RESPONSE',
        `Salesforce answered ${results.length} results for ${records.length} records`,
      );
    }
    return results.map((r) =>
      r.success && r.id
        ? { ok: true, id: r.id, created: Boolean(r.created) }
        : { ok: false, error: mapRecordError(r.errors ?? [], this.options.limitBackoffMs) },
    );
  }

  async update(objectName: string, records: (SalesforceRecord & { Id: string })[]): Promise<UpsertOutcome[]> {
    if (records.length === 0) return [];
    if (records.length > SALESFORCE_BATCH_LIMIT) {
      throw new RangeError(`at most ${SALESFORCE_BATCH_LIMIT} records per call, got ${records.length}`);
    }
    let results: UpsertResultBody[];
    try {
      await this.ensureAuthorized();
      // An array always goes through sObject Collections (PATCH /composite/sobjects, each record with its type and
      // Id), even for one record: one call, per-record results.
      results = await this.conn.sobject(objectName).update(records, { allOrNone: false });
    } catch (error) {
      throw mapCallError(error, this.options.limitBackoffMs);
    }
    if (results.length !== records.length) {
      throw new TransientError(
        'BAD_RESPONSE',
        `Salesforce answered ${results.length} results for ${records.length} records`,
      );
    }
    return results.map((r, i) =>
      r.success
        ? { ok: true, id: r.id ?? records[i].Id, created: false }
        : { ok: false, error: mapRecordError(r.errors ?? [], this.options.limitBackoffMs) },
    );
  }

  async standardPricebookId(): Promise<string> {
    let records: { Id: string }[];
    try {
      await this.ensureAuthorized();
      ({ records } = await this.conn.query<{ Id: string }>(
        'SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1',
      ));
    } catch (error) {
      throw mapCallError(error, this.options.limitBackoffMs);
    }
    if (!records[0]) {
      throw new PermanentError(
        PermanentErrorCode.REJECTED_BY_TARGET,
        'the org has no standard price book: enable Products (docs/salesforce-org-setup.md)',
        { vendorCode: 'NO_STANDARD_PRICEBOOK' },
      );
    }
    return records[0].Id;
  }

  async deleteByExternalId(
    objectName: string,
    externalIdField: string,
    externalIds: string[],
  ): Promise<DeleteOutcome[]> {
    if (externalIds.length === 0) return [];
    if (externalIds.length > SALESFORCE_BATCH_LIMIT) {
      throw new RangeError(`at most ${SALESFORCE_BATCH_LIMIT} records per call, got ${externalIds.length}`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(objectName) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(externalIdField)) {
      throw new RangeError(`not Salesforce API names: ${objectName}.${externalIdField}`);
    }
    const quoted = externalIds.map((id) => `'${id.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
    let found: Map<string, string>;
    let results: UpsertResultBody[];
    try {
      await this.ensureAuthorized();
      const { records } = await this.conn.query<Record<string, string>>(
        `SELECT Id, ${externalIdField} FROM ${objectName} WHERE ${externalIdField} IN (${quoted})`,
      );
      found = new Map(records.map((r) => [r[externalIdField], r.Id]));
      const ids = externalIds.flatMap((e) => (found.has(e) ? [found.get(e)!] : []));
      results = ids.length ? await this.conn.sobject(objectName).destroy(ids, { allOrNone: false }) : [];
    } catch (error) {
      throw mapCallError(error, this.options.limitBackoffMs);
    }
    let next = 0;
    return externalIds.map((externalId): DeleteOutcome => {
      if (!found.has(externalId)) {
        return {
          ok: false,
          error: mapRecordError([
            { statusCode: 'NOT_FOUND', message: `no ${objectName} with ${externalIdField} ${externalId}` },
          ]),
        };
      }
      const r = results[next++];
      return r?.success
        ? { ok: true }
        : { ok: false, error: mapRecordError(r?.errors ?? [], this.options.limitBackoffMs) };
    });
  }

  async readApiUsage(): Promise<{ used: number; max: number }> {
    try {
      await this.ensureAuthorized();
      const limits = await this.conn.limits();
      const daily = limits.DailyApiRequests;
      this.usageRead = { used: daily.Max - daily.Remaining, max: daily.Max, at: Date.now() };
      return { used: this.usageRead.used, max: this.usageRead.max };
    } catch (error) {
      throw mapCallError(error, this.options.limitBackoffMs);
    }
  }

  apiUsage(): { used: number; max: number } | undefined {
    // The newest of the last response's header and the last /limits read.
    const usage = this.conn.limitInfo?.apiUsage;
    const header = usage ? { used: usage.used, max: usage.limit } : undefined;
    if (this.usageRead && (!header || this.usageRead.at > this.headerSeenAt(header))) {
      return { used: this.usageRead.used, max: this.usageRead.max };
    }
    return header;
  }

  /** When the header reading last changed: a /limits read older than that is superseded by it. */
  private headerSeenAt(header: { used: number; max: number }): number {
    const key = `${header.used}/${header.max}`;
    if (key !== this.lastHeader) {
      this.lastHeader = key;
      this.lastHeaderAt = Date.now();
    }
    return this.lastHeaderAt;
  }
}
