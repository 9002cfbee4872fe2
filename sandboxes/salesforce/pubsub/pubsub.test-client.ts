/**
 * Spec helpers for the Pub/Sub API: the npm client the hub may use (salesforce-pubsub-api-client, `user-supplied`
 * auth, certificate checks off as its README says for self-signed servers), and a plain @grpc/grpc-js client on the
 * same published proto that trusts the sandbox's certificate and shows raw responses, statuses and trailers. Not a
 * spec itself.
 */
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type ClientDuplexStream,
  type ServiceClientConstructor,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Connection } from 'jsforce';
import PubSubApiClient from 'salesforce-pubsub-api-client';

import type { SalesforceSandbox } from '../salesforce-sandbox';
import { fetchToken, VERSION } from '../sandbox.test-client';
import { PUBSUB_PROTO } from './pubsub-api.server';

export const SILENT_LOGGER = { debug() {}, info() {}, warn() {}, error() {} };

export interface AuthHeaders {
  accesstoken?: string;
  instanceurl?: string;
  tenantid?: string;
}

export async function authHeaders(sandbox: SalesforceSandbox): Promise<Required<AuthHeaders>> {
  return { accesstoken: await fetchToken(sandbox), instanceurl: sandbox.url, tenantid: sandbox.state.identity.orgId };
}

/** A jsforce connection that names its client in `Sforce-Call-Options`, as the hub's projectors do. */
export async function connectAs(sandbox: SalesforceSandbox, client?: string): Promise<Connection> {
  return new Connection({
    instanceUrl: sandbox.url,
    accessToken: await fetchToken(sandbox),
    version: VERSION,
    ...(client ? { callOptions: { client } } : {}),
  });
}

/**
 * salesforce-pubsub-api-client on the sandbox. It refuses an instance URL that is not https (the sandbox's REST API
 * is http), so it is given the https form: the sandbox's Pub/Sub API does not compare `instanceurl` with its own.
 */
export async function npmClient(sandbox: SalesforceSandbox, accessToken?: string): Promise<PubSubApiClient> {
  const client = new PubSubApiClient(
    {
      authType: 'user-supplied',
      accessToken: accessToken ?? (await fetchToken(sandbox)),
      instanceUrl: sandbox.url.replace(/^http:/, 'https:'),
      organizationId: sandbox.state.identity.orgId,
      pubSubEndpoint: sandbox.pubSub?.endpoint,
      rejectUnauthorizedSsl: false,
    },
    SILENT_LOGGER,
  );
  await client.connect();
  return client;
}

/** What the npm client hands a subscribe callback, recorded in order. */
export interface NpmCallback {
  type: string;
  data: unknown;
}

/** Parsed event as the npm client gives it (`replayId` a number, bitmaps decoded into names). */
export interface NpmEvent {
  id: string;
  schemaId: string;
  replayId: number;
  payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> };
}

export function recorder(): {
  calls: NpmCallback[];
  events(): NpmEvent[];
  callback: (info: unknown, type: string, data?: unknown) => void;
  waitFor(predicate: (calls: NpmCallback[]) => boolean, timeoutMs?: number): Promise<void>;
} {
  const calls: NpmCallback[] = [];
  return {
    calls,
    events: () => calls.filter((c) => c.type === 'event').map((c) => c.data as NpmEvent),
    callback: (_info, type, data) => calls.push({ type, data }),
    waitFor: (predicate, timeoutMs = 5000) => waitUntil(() => predicate(calls), timeoutMs),
  };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- the plain gRPC client ----------------------------------------------------------------------

export interface RawFetchResponse {
  events: { event: { id: string; schema_id: string; payload: Buffer }; replay_id: Buffer }[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

export interface RawFetchRequest {
  topic_name?: string;
  replay_preset?: 'LATEST' | 'EARLIEST' | 'CUSTOM';
  replay_id?: Buffer;
  num_requested?: number;
}

type Unary = (request: object, callback: (err: ServiceError | null, response: Record<string, unknown>) => void) => void;

export interface RawClient {
  GetTopic: Unary;
  GetSchema: Unary;
  Subscribe(): ClientDuplexStream<RawFetchRequest, RawFetchResponse>;
  close(): void;
}

/** A client that trusts the sandbox's certificate (full TLS verification) and sends the given auth headers. */
export function rawClient(sandbox: SalesforceSandbox, auth: AuthHeaders): RawClient {
  const definition = loadSync(PUBSUB_PROTO, { keepCase: true, enums: String, defaults: true });
  const grpc = loadPackageDefinition(definition) as unknown as {
    eventbus: { v1: { PubSub: ServiceClientConstructor } };
  };
  const callCredentials = credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(auth)) if (value !== undefined) metadata.set(key, value);
    callback(null, metadata);
  });
  const channel = credentials.combineChannelCredentials(
    credentials.createSsl(Buffer.from(sandbox.pubSub?.certificatePem ?? '')),
    callCredentials,
  );
  return new grpc.eventbus.v1.PubSub(sandbox.pubSub?.endpoint ?? '', channel) as unknown as RawClient;
}

export function unary(client: RawClient, method: 'GetTopic' | 'GetSchema', request: object) {
  return new Promise<Record<string, unknown>>((resolve, reject) =>
    client[method](request, (err, response) => (err ? reject(err) : resolve(response))),
  );
}

/** A Subscribe call recording every response and its final status. */
export class RawSubscription {
  readonly responses: RawFetchResponse[] = [];
  status?: StatusObject;
  error?: ServiceError;
  private readonly call: ClientDuplexStream<RawFetchRequest, RawFetchResponse>;

  constructor(client: RawClient, first: RawFetchRequest) {
    this.call = client.Subscribe();
    this.call.on('data', (r: RawFetchResponse) => this.responses.push(r));
    this.call.on('error', (e: ServiceError) => (this.error = e));
    this.call.on('status', (s: StatusObject) => (this.status = s));
    this.call.write(first);
  }

  request(numRequested: number, topic?: string): void {
    this.call.write({ num_requested: numRequested, ...(topic ? { topic_name: topic } : {}) });
  }

  get events(): RawFetchResponse['events'] {
    return this.responses.flatMap((r) => r.events);
  }

  get keepalives(): RawFetchResponse[] {
    return this.responses.filter((r) => r.events.length === 0);
  }

  async waitForEvents(n: number, timeoutMs?: number): Promise<void> {
    await waitUntil(() => this.events.length >= n || this.status !== undefined, timeoutMs);
    if (this.events.length < n)
      throw new Error(`stream ended with ${this.status?.details} after ${this.events.length}`);
  }

  async ended(timeoutMs?: number): Promise<StatusObject> {
    await waitUntil(() => this.status !== undefined, timeoutMs);
    return this.status as StatusObject;
  }

  cancel(): void {
    this.call.cancel();
  }
}

/** The `error-code` trailer of a failed call. */
export function errorCode(status: { metadata?: Metadata } | undefined): string | undefined {
  const value = status?.metadata?.get('error-code')[0];
  return typeof value === 'string' ? value : undefined;
}
