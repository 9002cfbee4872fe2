/**
 * A client of a running sandbox for the demo and the integration tests: its admin API (`/__admin`, with the Pub/Sub
 * API's controls under `/__admin/pubsub`), and SOQL through the same REST API the hub uses. Plain `fetch`, no
 * jsforce, so what it reports is what went over the wire.
 */

import type { CreateLogSummary } from './create.log';

/** The sandbox answered with an HTTP error status (a request that got no answer fails with fetch's `TypeError`). */
export class SandboxRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

/** `GET /__admin/pubsub`: where the Pub/Sub API listens and the state of its event bus. */
export interface SandboxPubSubInfo {
  /** `host:port`, or null when the sandbox runs no Pub/Sub API. */
  endpoint: string | null;
  topics: string[];
  latestReplayId: number;
  /** Resuming after an older replay id is refused (the events after it were purged). */
  purgedThroughReplayId: number;
  retainedEvents: number;
  retention: { seconds: number; maxEvents: number };
  openStreams: number;
  [key: string]: unknown;
}

/** A retained change event as `GET /__admin/pubsub/events` lists it, decoded. */
export interface SandboxChangeEvent {
  replayId: number;
  eventUuid: string;
  schemaId: string;
  topic: string;
  header: Record<string, unknown> & { changeType: string; recordIds: string[]; changedFieldNames: string[] };
  payload: Record<string, unknown>;
}

export type GapChangeType = 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';

/** The gRPC status a stream fault ends with (default: INTERNAL, `…service.unavailable`). */
export interface PubSubFaultStatus {
  code?: string;
  errorCode?: string;
  message?: string;
}

export interface SandboxClientOptions {
  clientId?: string;
  clientSecret?: string;
  /** Abandons a request that has not answered after this long (fetch then throws a `TimeoutError`); default: none. */
  timeoutMs?: number;
}

export class SandboxClient {
  private token?: string;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly timeoutMs?: number;

  constructor(
    readonly url: string,
    options: SandboxClientOptions = {},
  ) {
    this.clientId = options.clientId ?? 'hub-client';
    this.clientSecret = options.clientSecret ?? 'hub-secret';
    this.timeoutMs = options.timeoutMs;
  }

  async reset(): Promise<void> {
    await this.admin('POST', '/__admin/reset');
    this.token = undefined;
  }

  async setFaults(faults: Record<string, unknown>): Promise<void> {
    await this.admin('POST', '/__admin/faults', faults);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/__admin/faults');
  }

  /**
   * Replaces the connected app's consumer secret: the old one is refused from now on, or, with `keepPrevious`, still
   * accepted until the next rotation. This client's own token requests go on using the secret it was given.
   */
  async rotateClientSecret(secret: string, options: { keepPrevious?: boolean } = {}): Promise<void> {
    await this.admin('POST', '/__admin/oauth/client-secret', { secret, keepPrevious: options.keepPrevious ?? false });
  }

  async stats(): Promise<{ apiCalls: number; callsByRoute: Record<string, number>; [k: string]: unknown }> {
    return (await this.admin('GET', '/__admin/stats')) as { apiCalls: number; callsByRoute: Record<string, number> };
  }

  /** Records the org created, by object, and every external id value more than one record was created with. */
  async creates(object?: string): Promise<CreateLogSummary> {
    const query = object ? `?object=${encodeURIComponent(object)}` : '';
    return (await this.admin('GET', `/__admin/creates${query}`)) as CreateLogSummary;
  }

  /** The daily API allowance (`max`, `used`) and the daily Bulk API batch allocation (`bulkBatchesMax`, `…Used`). */
  async setLimits(limits: {
    max?: number;
    used?: number;
    bulkBatchesMax?: number;
    bulkBatchesUsed?: number;
  }): Promise<void> {
    await this.admin('POST', '/__admin/limits', limits);
  }

  /**
   * Fails the next `count` Bulk API 2.0 ingest jobs as a whole when their processing starts: state `Failed` with
   * `errorMessage` (default `InternalServerError : …`), no row written, every row in `unprocessedrecords`. Other
   * faults are left as they are; `count` replaces what was left of an earlier call, 0 cancels.
   */
  async failNextBulkJobs(count: number, options: { errorMessage?: string } = {}): Promise<void> {
    await this.admin('POST', '/__admin/faults/bulk-jobs', { count, ...options });
  }

  /** Every row of an object, deleted ones included, without counting an API call (unlike {@link query}). */
  async records<T = Record<string, unknown>>(sobject: string): Promise<T[]> {
    const body = (await this.admin('GET', `/__admin/records/${sobject}`)) as T[] | { records: T[] };
    return Array.isArray(body) ? body : body.records;
  }

  /**
   * Runs a SOQL query; each page counts as an API call. Returns the first page only (up to 2,000 rows), unless
   * `allPages` is set: then it follows `nextRecordsUrl` to the end (which also frees the sandbox's cursor).
   * Throws {@link SandboxRequestError} on an HTTP error; a 401 fetches a new token once and retries.
   */
  async query<T = Record<string, unknown>>(soql: string, options: { allPages?: boolean } = {}): Promise<T[]> {
    let page = await this.authorized<{ records: T[]; done: boolean; nextRecordsUrl?: string }>(
      `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`,
    );
    const records = page.records;
    while (options.allPages && !page.done && page.nextRecordsUrl) {
      page = await this.authorized(page.nextRecordsUrl);
      records.push(...page.records);
    }
    return records;
  }

  // ---- Pub/Sub API and Change Data Capture ------------------------------------------------------

  async pubSub(): Promise<SandboxPubSubInfo> {
    return (await this.admin('GET', '/__admin/pubsub')) as SandboxPubSubInfo;
  }

  /** The Pub/Sub API's certificate (PEM), to pass to a gRPC client as its root certificate. */
  async pubSubCertificate(): Promise<string> {
    const res = await fetch(`${this.url}/__admin/pubsub/certificate`, { signal: this.signal() });
    if (!res.ok) throw new SandboxRequestError(res.status, `certificate: ${res.status} ${await res.text()}`);
    return res.text();
  }

  /** Retained change events, oldest first, of one channel (`/data/AccountChangeEvent`) or all. */
  async changeEvents(topic?: string): Promise<SandboxChangeEvent[]> {
    const query = topic ? `?topic=${encodeURIComponent(topic)}` : '';
    return (await this.admin('GET', `/__admin/pubsub/events${query}`)) as SandboxChangeEvent[];
  }

  /** Purges every change event, as if the retention window had passed: older replay ids are then refused. */
  async purgeChangeEvents(): Promise<void> {
    await this.admin('DELETE', '/__admin/pubsub/events');
  }

  async setPubSubRetention(retention: { seconds?: number; maxEvents?: number }): Promise<void> {
    await this.admin('POST', '/__admin/pubsub/retention', retention);
  }

  /** Appends a gap event (header only) for records of one object; GAP_OVERFLOW takes `entityName` and no ids. */
  async gap(
    changeType: GapChangeType,
    target: { recordIds?: string[]; entityName?: string; set?: Record<string, string | number | boolean | null> },
  ): Promise<{ replayId: number }> {
    return (await this.admin('POST', '/__admin/pubsub/gaps', { changeType, ...target })) as { replayId: number };
  }

  /** Refuse the next Subscribe calls, or end each stream after N events, with `status`. */
  async setPubSubFaults(faults: {
    refuseSubscribes?: number;
    closeAfterEvents?: number | null;
    status?: PubSubFaultStatus;
  }): Promise<void> {
    await this.admin('POST', '/__admin/pubsub/faults', faults);
  }

  async clearPubSubFaults(): Promise<void> {
    await this.admin('DELETE', '/__admin/pubsub/faults');
  }

  /** Ends the open Subscribe streams (of one topic, or all) now; returns how many. */
  async closePubSubStreams(options: { topic?: string; status?: PubSubFaultStatus } = {}): Promise<number> {
    return ((await this.admin('POST', '/__admin/pubsub/streams/close', options)) as { closed: number }).closed;
  }

  /**
   * A person's edit in the org (not through the API): its change event names the admin user as commitUser and has
   * an empty changeOrigin. `undelete` restores a deleted record from the Recycle Bin.
   */
  async editAsPerson(sobject: string, id: string, fields: Record<string, unknown>): Promise<void> {
    await this.admin('PATCH', `/__admin/records/${sobject}/${id}`, fields);
  }

  async deleteAsPerson(sobject: string, id: string): Promise<void> {
    await this.admin('DELETE', `/__admin/records/${sobject}/${id}`);
  }

  async undelete(sobject: string, id: string): Promise<void> {
    await this.admin('POST', `/__admin/records/${sobject}/${id}/undelete`);
  }

  private async authorized<T>(path: string, retried = false): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      headers: { Authorization: `Bearer ${await this.accessToken()}` },
      signal: this.signal(),
    });
    if (res.status === 401 && !retried) {
      this.token = undefined;
      return this.authorized(path, true);
    }
    if (!res.ok) throw new SandboxRequestError(res.status, `query failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const res = await fetch(`${this.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.clientId,
        client_secret: this.clientSecret,
      }),
      signal: this.signal(),
    });
    if (!res.ok) throw new SandboxRequestError(res.status, `token request failed: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
    return this.token;
  }

  private async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: this.signal(),
    });
    if (!res.ok) throw new SandboxRequestError(res.status, `${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  private signal(): AbortSignal | undefined {
    return this.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.timeoutMs);
  }
}
