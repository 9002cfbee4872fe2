/**
 * An in-memory emulator of the Salesforce REST API as jsforce uses it, and of the Pub/Sub API (gRPC) serving
 * Change Data Capture events of every write, for integration tests and the demo.
 *
 * Request pipeline for `/services/data/vXX.X/…`: injected latency → version check → injected 503
 * → bearer token → API allowance (403 REQUEST_LIMIT_EXCEEDED) → count the call → resource
 * (per-record UNABLE_TO_LOCK_ROW may fire inside) → answer, or for an injected commit-then-timeout
 * hold the answer and destroy the socket. Every answer under a version carries `Sforce-Limit-Info`.
 * Bulk API 2.0 ingest jobs (`jobs/ingest`) go through the same pipeline; their processing runs
 * afterwards, between requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { AdminApi, emptyStats, type SandboxStats } from './admin-api.handler';
import { BulkIngestApi, isBulkUpload } from './bulk-ingest.handler';
import { BulkIngestService } from './bulk-ingest.service';
import { CreateLog } from './create.log';
import { FaultInjector } from './fault.injector';
import {
  jsonResponse,
  MAX_BODY_BYTES,
  pathSegments,
  readBody,
  readBodyBytes,
  sleep,
  writeResponse,
  type SandboxResponse,
} from './http.helpers';
import { OAuthHandler, TokenRegistry, type SandboxIdentity } from './oauth.handler';
import { buildId } from './record-id';
import { RecordJournal } from './record.journal';
import { randomIdSpace, RecordStore, type CommitContext, type RecordIdSpace } from './record.store';
import { ApiUsage, RestApi, type RestContext } from './rest-api.handler';
import { ApiErrors, ApiFailure } from './salesforce.errors';
import { SObjectCollections } from './sobject-collection.service';
import { SObjectDml } from './sobject-dml.service';
import { ORDER_MANAGEMENT_RULES } from './order-management.rules';
import { DEFAULT_SOBJECTS, SObjectCatalogue, type SObjectDefinition } from './sobject.catalogue';
import type { RuleBook } from './sobject.rules';
import { SoqlExecutor } from './soql.executor';
import { ChangeEventSchemas } from './pubsub/change-event.schema';
import { ChangeCapture, restChangeOrigin } from './pubsub/change-capture.service';
import { DEFAULT_RETENTION, EventBus } from './pubsub/event-bus';
import { PubSubAdmin } from './pubsub/pubsub-admin.handler';
import { PubSubApi } from './pubsub/pubsub-api.server';
import { StreamFaults } from './pubsub/stream.faults';

export interface SalesforceSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The URL clients are told to use (`instance_url`); defaults to `http://<host>:<port>`. */
  publicUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** Credentials for `grant_type=password`. */
  username?: string;
  password?: string;
  /** Access token lifetime; Salesforce's default session timeout is two hours. */
  tokenTtlMs?: number;
  /** Daily API request allowance reported as `api-usage=N/MAX`. */
  apiRequestLimit?: number;
  /** Add a refresh token to token answers (Salesforce does not in these flows; see OAuthSettings). */
  issueRefreshTokens?: boolean;
  /** Objects to serve; defaults to {@link DEFAULT_SOBJECTS}. Pass `[...DEFAULT_SOBJECTS, other]` to add one. */
  objects?: readonly SObjectDefinition[];
  /** Object-specific rules; defaults to Salesforce's Products and Orders behaviour. */
  rules?: RuleBook;
  clock?: () => Date;
  /** Where this org's record Ids start (instance characters and first serial); random by default, as no two orgs share Ids. */
  recordIds?: RecordIdSpace;
  /**
   * A directory that keeps the org across restarts (its records, Id counters and API usage, in a journal; see
   * record.journal.ts). Unset (default): the org lives in memory only and a new sandbox starts empty. A data
   * directory already holding an org keeps that org's Id space, whatever `recordIds` says.
   */
  dataDir?: string;
  /**
   * Open query cursors (`nextRecordsUrl`) kept at once, the one unused the longest released first (default 10, the
   * limit Salesforce had per user before API 56.0): each holds its whole result in memory.
   */
  maxQueryCursors?: number;
  /** With `dataDir`: rewrite the journal as a snapshot once this much was appended and it outweighs it (64 MiB). */
  dataCompactAfterBytes?: number;
  /** With `dataDir`: flush every commit to the disk, not only to the kernel (survives a power loss; slower). */
  dataFsync?: boolean;
  /** Port of the Pub/Sub API (gRPC over TLS); 0 (default) picks a free port, null runs none (events are kept). */
  pubSubPort?: number | null;
  /** How long change events stay replayable; Salesforce keeps them 72 hours. */
  pubSubRetentionMs?: number;
  /** The most change events kept (default 100,000), oldest purged first. */
  pubSubMaxEvents?: number;
  /** Interval of keepalive responses while events are pending and none come (Salesforce: within 270 s; 30 s). */
  pubSubKeepaliveMs?: number;
  /** A stream with nothing pending ends when no FetchRequest came for this long (Salesforce: 60 s). */
  pubSubIdleTimeoutMs?: number;
}

/** Live handles on the sandbox's insides, for tests that need to look behind the API. */
export interface SalesforceSandboxState {
  readonly catalogue: SObjectCatalogue;
  readonly store: RecordStore;
  readonly faults: FaultInjector;
  readonly tokens: TokenRegistry;
  readonly usage: ApiUsage;
  readonly stats: SandboxStats;
  readonly identity: SandboxIdentity;
  /** Change Data Capture: every object's event schema, the event bus with its replay ids, the stream faults. */
  readonly changeEvents: ChangeEventSchemas;
  readonly bus: EventBus;
  readonly pubSubFaults: StreamFaults;
  /** Bulk API 2.0 ingest jobs. */
  readonly bulk: BulkIngestService;
}

/** The Pub/Sub API as clients reach it. */
export interface SandboxPubSub {
  /** `host:port` (salesforce-pubsub-api-client's `pubSubEndpoint`). */
  endpoint: string;
  port: number;
  /** The server's self-signed certificate: the root certificate a client trusts. */
  certificatePem: string;
}

export interface SalesforceSandbox {
  url: string;
  port: number;
  /** Undefined when started with `pubSubPort: null`. */
  pubSub?: SandboxPubSub;
  state: SalesforceSandboxState;
  close(): Promise<void>;
}

export const MIN_API_VERSION = 46;
export const LATEST_API_VERSION = 64;

/** `Summer '19` for 46.0, three releases a year since. */
function releaseLabel(version: number): string {
  const season = ['Summer', 'Winter', 'Spring'][(version - MIN_API_VERSION) % 3] as string;
  const year = 19 + Math.ceil((version - MIN_API_VERSION) / 3);
  return `${season} '${year}`;
}

function versionsList() {
  const list = [];
  for (let v = MIN_API_VERSION; v <= LATEST_API_VERSION; v++) {
    list.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return list;
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Sends every commit of `store` to `journal` before it is applied, with the API usage at that moment, and compacts
 * the journal between requests once it has grown past its threshold.
 */
function persist(journal: RecordJournal, store: RecordStore, usage: ApiUsage): void {
  let compactionQueued = false;
  store.persistTo((entry) => {
    journal.append({ ...entry, apiUsage: usage.used });
    if (!journal.wantsCompaction || compactionQueued) return;
    compactionQueued = true;
    // After the commit is applied, so the snapshot holds it.
    setImmediate(() => {
      compactionQueued = false;
      try {
        journal.compact({ ...store.snapshot(), idSpace: store.idSpace, apiUsage: usage.used });
      } catch (e) {
        // The journal in place stays complete; a full disk shows again on the next commit, which then fails.
        process.emitWarning(`compacting ${journal.path} failed: ${(e as Error).message}`, 'SalesforceSandboxWarning');
      }
    });
  });
}

export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? (() => new Date());
  const catalogue = new SObjectCatalogue(options.objects ?? DEFAULT_SOBJECTS);
  const identity: SandboxIdentity = {
    orgId: buildId('00D', 1),
    userId: buildId('005', 1),
    adminUserId: buildId('005', 2),
  };
  const opened = options.dataDir
    ? RecordJournal.open(options.dataDir, options.recordIds ?? randomIdSpace(), {
        fsync: options.dataFsync,
        compactAfterBytes: options.dataCompactAfterBytes,
      })
    : undefined;
  const store = new RecordStore(opened?.state.idSpace ?? options.recordIds);
  const restoredRows = opened?.state.records.size ?? 0;
  if (opened) {
    store.load(opened.state.records.values(), opened.state.serials);
    // The store holds the rows now; a second map of a million entries would cost tens of megabytes.
    opened.state.records.clear();
  }
  const changeEvents = new ChangeEventSchemas(catalogue);
  const bus = new EventBus(clock, {
    retentionMs: options.pubSubRetentionMs ?? DEFAULT_RETENTION.retentionMs,
    maxEvents: options.pubSubMaxEvents ?? DEFAULT_RETENTION.maxEvents,
  });
  const capture = new ChangeCapture(changeEvents, bus, clock);
  store.onCommit((commit) => capture.capture(commit));
  const creates = new CreateLog(catalogue);
  store.onCommit((commit) => creates.record(commit));
  const pubSubFaults = new StreamFaults();
  /** Changes made through the admin API: a person in the org, not an API client. */
  const personCommit = (): CommitContext => ({ userId: identity.adminUserId, changeOrigin: '' });
  const faults = new FaultInjector();
  const tokens = new TokenRegistry(options.tokenTtlMs ?? 2 * 60 * 60 * 1000, clock, identity.orgId);
  const usage = new ApiUsage(options.apiRequestLimit ?? 15000);
  if (opened) {
    usage.used = opened.state.apiUsage;
    persist(opened.journal, store, usage);
  }
  const stats = emptyStats();
  const dml = new SObjectDml(catalogue, clock, options.rules ?? ORDER_MANAGEMENT_RULES);
  const collections = new SObjectCollections(store, dml, faults);
  const rest = new RestApi(
    catalogue,
    store,
    dml,
    new SoqlExecutor(catalogue),
    collections,
    usage,
    options.maxQueryCursors,
  );
  const bulk = new BulkIngestService({ catalogue, collections, faults, usage, clock, userId: identity.userId, stats });
  const bulkApi = new BulkIngestApi(bulk);
  /** The rows a new org already holds (the standard price book), again after every reset. */
  const seedOrg = () => {
    const tx = store.begin(null);
    for (const object of catalogue.list()) for (const row of object.seedRecords) dml.insertSeed(tx, object, row);
    const users = catalogue.get('User');
    if (users) {
      const user = (Id: string, Username: string, LastName: string) =>
        dml.insertSeed(tx, users, { Id, Username, LastName, Email: Username, IsActive: true });
      user(identity.userId, options.username ?? 'integration@hub.example', 'Integration');
      user(identity.adminUserId, 'admin@hub.example', 'Admin');
    }
    tx.commit();
  };
  // A persisted org already holds its seed rows (and maybe a changed price book): seeding again would duplicate them.
  if (!restoredRows) seedOrg();
  const admin = new AdminApi({
    catalogue,
    store,
    dml,
    faults,
    tokens,
    usage,
    stats,
    bulk,
    rotateClientSecret: (secret, keepPrevious) => oauth.rotateClientSecret(secret, keepPrevious),
    creates,
    personCommit,
    onReset: () => {
      rest.clearCursors();
      bulk.reset();
      bus.reset();
      pubSubFaults.clear();
      seedOrg();
    },
  });
  let pubSubApi: PubSubApi | undefined;
  const pubSubAdmin = new PubSubAdmin({
    bus,
    capture,
    schemas: changeEvents,
    faults: pubSubFaults,
    store,
    api: () => pubSubApi,
    personCommit,
  });

  let url = '';
  const oauth = new OAuthHandler(
    {
      clientId: options.clientId ?? 'hub-client',
      clientSecret: options.clientSecret ?? 'hub-secret',
      username: options.username ?? 'integration@hub.example',
      password: options.password ?? 'hub-password',
      tokenTtlMs: options.tokenTtlMs ?? 2 * 60 * 60 * 1000,
      issueRefreshTokens: options.issueRefreshTokens ?? false,
    },
    tokens,
    identity,
    () => url,
  );

  /** Sockets of held (commit-then-timeout) answers, destroyed on close as well. */
  const held = new Map<Socket, NodeJS.Timeout>();

  async function handleRest(req: IncomingMessage, res: ServerResponse, segments: string[], query: URLSearchParams) {
    stats.restRequests++;
    const limitHeader = () => ({ 'Sforce-Limit-Info': usage.header() });
    const upload = isBulkUpload(req.method ?? 'GET', segments.slice(1));
    const bodyBytes = await readBodyBytes(req, upload ? bulk.maxUploadBytes : MAX_BODY_BYTES);
    if (!bodyBytes && !upload) throw new Error('request body too large');
    let handlingSince = performance.now();
    try {
      if (faults.config.latencyMs > 0) {
        await sleep(faults.config.latencyMs);
        handlingSince = performance.now();
      }
      const match = /^v(\d+)\.(\d)$/.exec(segments[0] ?? '');
      if (!match || Number(match[1]) < MIN_API_VERSION) throw ApiErrors.notFound();
      if (faults.status503()) throw ApiErrors.serverUnavailable();
      const token = bearer(req);
      if (!token || !tokens.isValid(token)) throw ApiErrors.invalidSession();
      if (faults.requestLimitExceeded() || usage.exhausted) throw ApiErrors.requestLimitExceeded();
      usage.used++;
      stats.apiCalls++;
      const ctx: RestContext = {
        method: req.method ?? 'GET',
        version: `${match[1]}.${match[2]}`,
        path: segments.slice(1),
        query,
        // Decoded on demand: a Bulk API upload is only ever read as bytes.
        get body() {
          return bodyBytes?.toString('utf8') ?? '';
        },
        bodyBytes,
        headers: req.headers,
        // One object per request: the request's commits share one CDC transaction.
        commit: {
          userId: identity.userId,
          changeOrigin: restChangeOrigin(`${match[1]}.${match[2]}`, req.headers['sforce-call-options']),
        },
      };
      let routeName = `${ctx.method} (unknown)`;
      try {
        const route = ctx.path[0] === 'jobs' ? bulkApi.route(ctx) : rest.route(ctx);
        routeName = route.name;
        const hold = route.write && faults.commitThenTimeout();
        const response = route.run();
        if (hold) return holdThenDestroy(req.socket);
        writeResponse(res, response, limitHeader());
      } finally {
        stats.callsByRoute[routeName] = (stats.callsByRoute[routeName] ?? 0) + 1;
      }
    } catch (e) {
      if (!(e instanceof ApiFailure)) throw e;
      writeResponse(res, jsonResponse(e.status, e.errors), limitHeader());
    } finally {
      stats.apiHandlingMs += performance.now() - handlingSince;
    }
  }

  function holdThenDestroy(socket: Socket): void {
    const timer = setTimeout(() => {
      held.delete(socket);
      socket.destroy();
    }, faults.config.commitThenTimeoutMs);
    held.set(socket, timer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const segments = pathSegments(parsed.pathname);
    const method = req.method ?? 'GET';
    const [first, second, third] = segments;

    if (first === '__admin' && second === 'pubsub') {
      writeResponse(res, pubSubAdmin.handle(method, segments.slice(2), await readBody(req), parsed.searchParams));
      return;
    }
    if (first === '__admin') {
      writeResponse(res, admin.handle(method, segments.slice(1), await readBody(req), parsed.searchParams));
      return;
    }
    if (first === 'services' && second === 'oauth2' && segments.length === 3 && method === 'POST') {
      const body = await readBody(req);
      if (third === 'token') return writeResponse(res, oauth.token(body, req.headers.authorization));
      if (third === 'revoke') return writeResponse(res, oauth.revoke(body));
    }
    if (first === 'id' && segments.length === 3 && method === 'GET') {
      return writeResponse(res, identityAnswer(req, second, third));
    }
    if (first === 'services' && second === 'data') {
      if (segments.length === 2) {
        await readBody(req);
        return writeResponse(res, method === 'GET' ? jsonResponse(200, versionsList()) : notFound());
      }
      return handleRest(req, res, segments.slice(2), parsed.searchParams);
    }
    await readBody(req);
    writeResponse(res, notFound());
  }

  function notFound(): SandboxResponse {
    return jsonResponse(404, ApiErrors.notFound().errors);
  }

  function identityAnswer(req: IncomingMessage, orgId?: string, userId?: string): SandboxResponse {
    const token = bearer(req);
    if (!token || !tokens.isValid(token)) return { status: 403, text: 'Bad_OAuth_Token' };
    if (orgId !== identity.orgId || userId !== identity.userId) return notFound();
    return jsonResponse(200, {
      id: oauth.identityUrl(),
      asserted_user: true,
      user_id: identity.userId,
      organization_id: identity.orgId,
      username: options.username ?? 'integration@hub.example',
      nick_name: 'hub-integration',
      display_name: 'Hub Integration',
      email: options.username ?? 'integration@hub.example',
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      urls: {
        rest: `${url}/services/data/v{version}/`,
        sobjects: `${url}/services/data/v{version}/sobjects/`,
        query: `${url}/services/data/v{version}/query/`,
        limits: `${url}/services/data/v{version}/limits/`,
      },
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return res.destroy();
      const message = e instanceof Error ? e.message : String(e);
      writeResponse(res, jsonResponse(500, [{ message, errorCode: 'UNKNOWN_EXCEPTION' }]));
    });
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (e: Error) => {
      opened?.journal.close();
      reject(e);
    };
    server.once('error', failed);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = (options.publicUrl ?? `http://${urlHost}:${port}`).replace(/\/$/, '');

  const closeHttp = () =>
    new Promise<void>((resolve, reject) => {
      for (const [socket, timer] of held) {
        clearTimeout(timer);
        socket.destroy();
      }
      held.clear();
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  if (options.pubSubPort !== null) {
    try {
      pubSubApi = await PubSubApi.start(
        { tokens, identity, bus, schemas: changeEvents, faults: pubSubFaults },
        {
          host,
          port: options.pubSubPort ?? 0,
          keepaliveMs: options.pubSubKeepaliveMs ?? 30_000,
          idleTimeoutMs: options.pubSubIdleTimeoutMs ?? 60_000,
        },
      );
    } catch (e) {
      await closeHttp();
      opened?.journal.close();
      throw e;
    }
  }
  const api = pubSubApi;

  return {
    url,
    port,
    pubSub: api && { endpoint: api.endpoint, port: api.port, certificatePem: api.certificatePem },
    state: { catalogue, store, faults, tokens, usage, stats, identity, changeEvents, bus, pubSubFaults, bulk },
    close: async () => {
      await bulk.stop();
      await api?.close();
      await closeHttp();
      if (opened) {
        // API calls without a write are counted in memory only: keep the tally a restart starts from.
        opened.journal.append({ apiUsage: usage.used });
        opened.journal.close();
      }
    },
  };
}
