import { Connection } from 'jsforce';
import type { JobInfoV2 } from 'jsforce/lib/api/bulk2';
import type { Logger } from 'pino';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { BULK_UPLOAD_MAX_BYTES, parseBulkErrors, toBulkCsv } from './bulk-csv.mapper';
import {
  credentialsError,
  mapCallError,
  mapRecordError,
  CREDENTIALS_RETRY_MS,
  SalesforceCredentialsError,
  SalesforceRecordError,
} from './salesforce-error.mapper';
import {
  BulkUpsertOutcome,
  DeleteOutcome,
  SALESFORCE_BATCH_LIMIT,
  SalesforcePort,
  SalesforceRecord,
  UpsertOutcome,
} from './salesforce.port';

export interface JsforceAdapterOptions {
  loginUrl: string;
  clientId: string;
  /**
   * The connected app's consumer secret, or a function answering its current value (a secret file rotated while the
   * app runs): read for every token request, so the next session uses a rotated secret.
   */
  clientSecret: string | (() => string);
  apiVersion: string;
  /** Sent as `Sforce-Call-Options: client=…` on every call, so the hub's writes are recognisable in change events. */
  callClient: string;
  /** How long to wait after REQUEST_LIMIT_EXCEEDED before one call checks whether the allowance recovered. */
  limitBackoffMs?: number;
  /** Bulk API jobs: see {@link BulkPolling}. */
  bulk?: Partial<BulkPolling>;
  log: Logger;
}

/**
 * How a Bulk API job is waited for. Each look at it is an API call, so the next one is timed by what the job showed:
 * at the end it predicts from the rows processed so far (or, for a job's first look, from the last job's speed), or
 * twice the last wait while nothing is processed yet; never sooner than `pollMs` nor later than `pollMaxMs` apart.
 */
export interface BulkPolling {
  /** The shortest wait between two looks at a job (and the first one's, before any job was timed). */
  pollMs: number;
  /** The longest wait between two looks: how late a finished job may be noticed at most. */
  pollMaxMs: number;
  /** A job still running after this long is aborted and fails (BULK_JOB_TIMEOUT). */
  timeoutMs: number;
}

const DEFAULT_BULK_POLLING: BulkPolling = { pollMs: 500, pollMaxMs: 10_000, timeoutMs: 600_000 };

/** When to look at a job again: see {@link BulkPolling}. */
export function nextBulkPollMs(
  polling: BulkPolling,
  job: { elapsedMs: number; processed: number; rows: number; lastWaitMs: number },
): number {
  const { elapsedMs, processed, rows, lastWaitMs } = job;
  // Rows still to process at the pace so far, with a little to spare so that one more look finds the job done.
  const wait = processed > 0 ? ((elapsedMs * (rows - processed)) / processed) * 1.1 : lastWaitMs * 2;
  return Math.round(Math.min(polling.pollMaxMs, Math.max(polling.pollMs, wait)));
}

interface UpsertResultBody {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: SalesforceRecordError[];
}

type IngestJob = ReturnType<Connection['bulk2']['createJob']>;

/** How long a readiness check waits for the token request it makes before answering with what it knows. */
const CREDENTIALS_CHECK_WAIT_MS = 2_000;

/** A session refreshed more often than this is being refused for another reason: stop re-authenticating in a loop. */
const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * The only file that imports jsforce. Authenticates with the OAuth 2.0 client-credentials flow (no refresh token is
 * issued, so jsforce's refresh delegate is given a function that asks for a new token: a 401 INVALID_SESSION_ID then
 * re-authenticates once and repeats the call). Each token request uses the client secret's current value; one the
 * token endpoint refuses for the credentials is a {@link SalesforceCredentialsError}, reported by
 * {@link credentialsProblem} until a token is issued again.
 */
export class JsforceSalesforceAdapter extends SalesforcePort {
  private readonly conn: Connection;
  private lastRefreshAt = 0;
  private authorized?: Promise<void>;
  private usageRead?: { used: number; max: number; at: number };
  private lastHeader?: string;
  private lastHeaderAt = 0;
  private readonly polling: BulkPolling;
  /** How long the last bulk job took per row (ms): the next job is first looked at when it should be done. */
  private bulkMsPerRow?: number;
  /**
   * Bulk API requests made, and how many when the usage reading last changed: jsforce reads `Sforce-Limit-Info` on
   * REST calls only, so a job's calls are added to the reading until a newer one includes them.
   */
  private bulkRequests = 0;
  private bulkRequestsAtReading = 0;
  private lastReading?: string;
  /** The token endpoint's last refusal of the credentials, until a token is issued again, and when it came. */
  private refused?: SalesforceCredentialsError;
  private refusedAt = 0;
  private sessionEstablished = false;

  constructor(private readonly options: JsforceAdapterOptions) {
    super();
    this.polling = { ...DEFAULT_BULK_POLLING, ...options.bulk };
    this.conn = new Connection({
      loginUrl: options.loginUrl,
      version: options.apiVersion,
      callOptions: { client: options.callClient },
      oauth2: { clientId: options.clientId, clientSecret: this.currentSecret(), loginUrl: options.loginUrl },
      refreshFn: (conn, callback) => {
        const now = Date.now();
        if (now - this.lastRefreshAt < MIN_REFRESH_INTERVAL_MS) {
          callback(new TransientError('INVALID_SESSION_ID', 'session refused again right after a refresh'));
          return;
        }
        this.lastRefreshAt = now;
        options.log.info('salesforce session expired: requesting a new token');
        this.useCurrentSecret();
        conn.oauth2
          .requestToken({ grant_type: 'client_credentials' })
          .then((res) => {
            this.tokenIssued();
            callback(null, res.access_token, res);
          })
          .catch((err: Error) => callback(this.tokenRefused(err)));
      },
    });
  }

  private ensureAuthorized(): Promise<void> {
    this.useCurrentSecret();
    this.authorized ??= this.conn
      .authorize({ grant_type: 'client_credentials' })
      .then(() => {
        this.lastRefreshAt = Date.now();
        this.tokenIssued();
        this.options.log.info({ instanceUrl: this.conn.instanceUrl }, 'salesforce session established');
      })
      .catch((error: Error) => {
        this.authorized = undefined;
        throw this.tokenRefused(error);
      });
    return this.authorized;
  }

  /** jsforce reads the secret from its OAuth2 client for each token request: give it the current one. */
  private useCurrentSecret(): void {
    this.conn.oauth2.clientSecret = this.currentSecret();
  }

  private currentSecret(): string {
    const { clientSecret } = this.options;
    return typeof clientSecret === 'function' ? clientSecret() : clientSecret;
  }

  private tokenIssued(): void {
    if (this.refused) this.options.log.info('salesforce accepted the credentials again');
    this.refused = undefined;
    this.sessionEstablished = true;
  }

  /** A refusal of the credentials becomes a {@link SalesforceCredentialsError}, logged when it first happens. */
  private tokenRefused(error: Error): Error {
    const refused = credentialsError(error);
    if (!refused) return error;
    if (this.refused?.oauthError !== refused.oauthError) {
      this.options.log.error({ oauthError: refused.oauthError, setting: refused.setting }, refused.message);
    }
    this.refused = refused;
    this.refusedAt = Date.now();
    return refused;
  }

  /**
   * A failed call as the hub's error. jsforce rethrows a failed session refresh as a plain Error quoting the refusal
   * (`Unable to refresh session due to: …`), losing its class: that one is the credentials error recorded above.
   */
  private mapError(error: unknown) {
    const refused = this.refused;
    if (refused && error instanceof Error && /^Unable to refresh session/.test(error.message)) {
      if (error.message.endsWith(refused.message)) return refused;
    }
    return mapCallError(error, this.options.limitBackoffMs);
  }

  override async credentialsProblem(): Promise<string | undefined> {
    const due = this.refused ? Date.now() - this.refusedAt >= CREDENTIALS_RETRY_MS : !this.sessionEstablished;
    if (due) {
      // A session refused while being renewed leaves jsforce's old one in place: ask for a new one from scratch.
      if (this.refused) this.authorized = undefined;
      // Outages and timeouts are the consumer's readiness to report: only a refusal of the credentials counts here.
      const attempt = this.ensureAuthorized().catch(() => undefined);
      await Promise.race([attempt, new Promise((resolve) => setTimeout(resolve, CREDENTIALS_CHECK_WAIT_MS).unref())]);
    }
    return this.refused?.message;
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
      throw this.mapError(error);
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

  async bulkUpsert(
    objectName: string,
    externalIdField: string,
    records: SalesforceRecord[],
  ): Promise<BulkUpsertOutcome[]> {
    if (records.length === 0) return [];
    const rowOf = new Map<string, number>();
    records.forEach((r, i) => {
      const key = String(r[externalIdField]);
      if (r[externalIdField] === undefined || r[externalIdField] === null || rowOf.has(key)) {
        throw new RangeError(`${objectName}: each record of a bulk upsert needs its own ${externalIdField}: ${key}`);
      }
      rowOf.set(key, i);
    });
    const csv = toBulkCsv(records);
    if (Buffer.byteLength(csv) > BULK_UPLOAD_MAX_BYTES) {
      throw new PermanentError(
        PermanentErrorCode.REJECTED_BY_TARGET,
        `${records.length} ${objectName} records make ${Buffer.byteLength(csv)} bytes of CSV, over the Bulk API's 100 MB`,
        { vendorCode: 'BULK_UPLOAD_TOO_LARGE' },
      );
    }
    let job: IngestJob | undefined;
    try {
      await this.ensureAuthorized();
      job = this.conn.bulk2.createJob({
        object: objectName,
        operation: 'upsert',
        externalIdFieldName: externalIdField,
        contentType: 'CSV',
        lineEnding: 'LF',
      });
      this.bulkRequests++;
      await job.open();
      this.bulkRequests++;
      await job.uploadData(csv);
      this.bulkRequests++;
      await job.close();
    } catch (error) {
      // A job left open would wait a day before Salesforce drops it.
      if (job?.id) await this.abandon(job);
      throw this.mapError(error);
    }
    const opened = job;
    try {
      const info = await this.waitForJob(opened, records.length);
      return await this.bulkResults(opened, info, externalIdField, rowOf);
    } catch (error) {
      // A job that may still run must not write these versions later, over newer ones sent by other means.
      const ended = error instanceof TransientError && ['BULK_JOB_FAILED', 'BULK_JOB_TIMEOUT'].includes(error.code);
      if (!ended) await this.abandon(opened);
      throw this.mapError(error);
    }
  }

  /** Polls the job until it ends (see {@link BulkPolling}); a job that did not complete throws. */
  private async waitForJob(job: IngestJob, rows: number): Promise<JobInfoV2> {
    const started = Date.now();
    let wait = Math.min(
      this.polling.pollMaxMs,
      Math.max(this.polling.pollMs, Math.round((this.bulkMsPerRow ?? 0) * rows * 1.05)),
    );
    for (;;) {
      if (Date.now() + wait - started > this.polling.timeoutMs) {
        await this.abandon(job);
        throw new TransientError(
          'BULK_JOB_TIMEOUT',
          `Bulk API job ${job.id} of ${rows} rows still running after ${Date.now() - started} ms: aborted`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      this.bulkRequests++;
      const info = await job.check();
      const elapsedMs = Date.now() - started;
      if (info.state === 'JobComplete') {
        const msPerRow = elapsedMs / rows;
        this.bulkMsPerRow = this.bulkMsPerRow === undefined ? msPerRow : (this.bulkMsPerRow + msPerRow) / 2;
        this.options.log.debug({ jobId: job.id, rows, elapsedMs }, 'bulk job complete');
        return info;
      }
      if (info.state === 'Failed' || info.state === 'Aborted') {
        throw new TransientError(
          'BULK_JOB_FAILED',
          `Bulk API job ${job.id} ${info.state}: ${info.errorMessage ?? 'no reason given'}`,
        );
      }
      wait = nextBulkPollMs(this.polling, {
        elapsedMs,
        processed: info.numberRecordsProcessed,
        rows,
        lastWaitMs: wait,
      });
    }
  }

  /**
   * Each row's outcome, matched by external id: the failed rows and the unprocessed ones are read when the job's
   * counts say there are some; every other row succeeded. Should the lists not add up with the counts, the successful
   * rows are read too, and a row found in none of them is transient.
   */
  private async bulkResults(
    job: IngestJob,
    info: JobInfoV2,
    externalIdField: string,
    rowOf: ReadonlyMap<string, number>,
  ): Promise<BulkUpsertOutcome[]> {
    const rows = rowOf.size;
    const outcomes: (BulkUpsertOutcome | undefined)[] = Array.from({ length: rows }, () => undefined);
    const found = (row: object) => rowOf.get((row as Record<string, string>)[externalIdField]);
    let failed = 0;
    if (info.numberRecordsFailed > 0) {
      this.bulkRequests++;
      for (const row of await job.getFailedResults()) {
        const i = found(row);
        if (i === undefined) continue;
        outcomes[i] = { ok: false, error: mapRecordError(parseBulkErrors(row.sf__Error), this.options.limitBackoffMs) };
        failed++;
      }
    }
    let unprocessed = 0;
    if (info.numberRecordsProcessed < rows) {
      this.bulkRequests++;
      const left = await job.getUnprocessedRecords();
      for (const row of typeof left === 'string' ? [] : left) {
        const i = found(row);
        if (i === undefined) continue;
        const error = new TransientError('BULK_ROW_UNPROCESSED', `not processed by Bulk API job ${job.id}`);
        outcomes[i] = { ok: false, error };
        unprocessed++;
      }
    }
    if (failed === info.numberRecordsFailed && info.numberRecordsProcessed + unprocessed === rows) {
      return outcomes.map((o) => o ?? { ok: true });
    }
    this.options.log.warn(
      { jobId: job.id, info, failed, unprocessed },
      'bulk job results do not add up: reading them all',
    );
    this.bulkRequests++;
    for (const row of await job.getSuccessfulResults()) {
      const i = found(row);
      if (i !== undefined && outcomes[i] === undefined) outcomes[i] = { ok: true };
    }
    return outcomes.map(
      (o) =>
        o ?? { ok: false, error: new TransientError('BULK_ROW_WITHOUT_RESULT', `no result in Bulk API job ${job.id}`) },
    );
  }

  /** Aborts a job that must not run on (best effort: a job that already ended cannot be aborted). */
  private async abandon(job: IngestJob): Promise<void> {
    this.bulkRequests++;
    await job
      .abort()
      .catch((error: unknown) => this.options.log.warn({ jobId: job.id, err: error }, 'could not abort a bulk job'));
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
      throw this.mapError(error);
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

  async query(soql: string): Promise<{ records: SalesforceRecord[]; calls: number }> {
    try {
      await this.ensureAuthorized();
      let page = await this.conn.query<SalesforceRecord>(soql);
      const records = [...page.records];
      let calls = 1;
      while (!page.done && page.nextRecordsUrl) {
        page = await this.conn.queryMore<SalesforceRecord>(page.nextRecordsUrl);
        records.push(...page.records);
        calls++;
      }
      return { records, calls };
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async standardPricebookId(): Promise<string> {
    let records: { Id: string }[];
    try {
      await this.ensureAuthorized();
      ({ records } = await this.conn.query<{ Id: string }>(
        'SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1',
      ));
    } catch (error) {
      throw this.mapError(error);
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
      throw this.mapError(error);
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
      throw this.mapError(error);
    }
  }

  apiUsage(): { used: number; max: number } | undefined {
    // The newest of the last response's header and the last /limits read.
    const usage = this.conn.limitInfo?.apiUsage;
    const header = usage ? { used: usage.used, max: usage.limit } : undefined;
    const reading =
      this.usageRead && (!header || this.usageRead.at > this.headerSeenAt(header))
        ? { used: this.usageRead.used, max: this.usageRead.max }
        : header;
    if (!reading) return undefined;
    // Bulk API requests since the reading changed are not in it yet.
    const key = `${reading.used}/${reading.max}`;
    if (key !== this.lastReading) {
      this.lastReading = key;
      this.bulkRequestsAtReading = this.bulkRequests;
    }
    return { used: reading.used + this.bulkRequests - this.bulkRequestsAtReading, max: reading.max };
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
