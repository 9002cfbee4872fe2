/**
 * The Pub/Sub API (`eventbus.v1.PubSub`, the published `pubsub_api.proto` as salesforce-pubsub-api-client ships it)
 * over gRPC with TLS, for Change Data Capture channels: `/data/ChangeEvents` and `/data/<Object>ChangeEvent` for every
 * object of the catalogue (`/data/Odoo_Invoice__ChangeEvent` for a custom one). Publishing, PublishStream and
 * ManagedSubscribe answer UNIMPLEMENTED: change event channels cannot be published to, and managed subscriptions are
 * not modelled.
 *
 * Every call is authenticated by its metadata, as Salesforce documents: `accesstoken` (a token the sandbox's OAuth
 * endpoint issued, still valid), `instanceurl` and `tenantid` (the org id, 15 or 18 characters). A stream already
 * open is not cut when its token later expires.
 *
 * Subscribe follows the documented pull model: the first FetchRequest names the topic and the replay preset
 * (LATEST, EARLIEST, or CUSTOM after `replay_id`); each FetchRequest adds `num_requested` to the pending count, at
 * most 100 in all; events are sent as they come while some are pending; with events pending and none to send, an
 * empty FetchResponse carrying the latest replay id is sent every `keepaliveMs` (Salesforce: within 270 s); with
 * none pending, the stream is ended (status OK) when no FetchRequest came for `idleTimeoutMs` (Salesforce: 60 s).
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';

import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type Metadata,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

import type { SandboxIdentity, TokenRegistry } from '../oauth.handler';
import type { ChangeEventSchema, ChangeEventSchemas } from './change-event.schema';
import { decodeReplayId, encodeReplayId, type BusEvent, type EventBus } from './event-bus';
import { PubSubErrors, toServiceError, type PubSubFailure } from './pubsub.errors';
import type { StreamFaults } from './stream.faults';
import { createSelfSignedCertificate } from './tls-certificate';

/** The published proto, from the npm client that ships it (its package exports only the client, hence the path). */
export const PUBSUB_PROTO = join(dirname(require.resolve('salesforce-pubsub-api-client')), '..', 'pubsub_api.proto');

/** The most events a Subscribe call may have pending (Pub/Sub API allocations). */
export const MAX_PENDING = 100;

/** The channel carrying every selected object's change events. */
export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

interface FetchRequest {
  topic_name: string;
  replay_preset: 'LATEST' | 'EARLIEST' | 'CUSTOM';
  replay_id: Buffer;
  num_requested: number;
  auth_refresh: string;
}

interface ConsumerEvent {
  event: { id: string; schema_id: string; payload: Buffer; headers: [] };
  replay_id: Buffer;
}

interface FetchResponse {
  events: ConsumerEvent[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

export interface PubSubApiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  keepaliveMs: number;
  idleTimeoutMs: number;
}

export interface PubSubApiDeps {
  tokens: TokenRegistry;
  identity: SandboxIdentity;
  bus: EventBus;
  schemas: ChangeEventSchemas;
  faults: StreamFaults;
}

export interface PubSubStats {
  subscribeCalls: number;
  refusedCalls: number;
  eventsDelivered: number;
  keepalives: number;
}

interface Topic {
  name: string;
  /** The per-object channel's schema; none for `/data/ChangeEvents`. */
  schema?: ChangeEventSchema;
  matches(event: BusEvent): boolean;
}

/** The running gRPC server. */
export class PubSubApi {
  private readonly streams = new Set<SubscribeStream>();
  readonly stats: PubSubStats = { subscribeCalls: 0, refusedCalls: 0, eventsDelivered: 0, keepalives: 0 };

  private constructor(
    readonly deps: PubSubApiDeps,
    readonly options: PubSubApiOptions,
    private readonly server: Server,
    readonly port: number,
    /** The PEM of the server's self-signed certificate, for clients to trust. */
    readonly certificatePem: string,
  ) {}

  static async start(deps: PubSubApiDeps, options: PubSubApiOptions): Promise<PubSubApi> {
    const certificate = createSelfSignedCertificate({ hosts: [options.host] });
    const definition = loadSync(PUBSUB_PROTO, { keepCase: true, enums: String, defaults: true, oneofs: true });
    const grpc = loadPackageDefinition(definition) as unknown as {
      eventbus: { v1: { PubSub: ServiceClientConstructor } };
    };
    const server = new Server();
    const credentials = ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(certificate.privateKeyPem), cert_chain: Buffer.from(certificate.certificatePem) }],
      false,
    );
    const address = options.host.includes(':')
      ? `[${options.host}]:${options.port}`
      : `${options.host}:${options.port}`;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    const api = new PubSubApi(deps, options, server, port, certificate.certificatePem);
    server.addService(grpc.eventbus.v1.PubSub.service, {
      GetTopic: (call: ServerUnaryCall<{ topic_name: string }, unknown>, callback: sendUnaryData<unknown>) =>
        api.getTopic(call, callback),
      GetSchema: (call: ServerUnaryCall<{ schema_id: string }, unknown>, callback: sendUnaryData<unknown>) =>
        api.getSchema(call, callback),
      Subscribe: (call: ServerDuplexStream<FetchRequest, FetchResponse>) => api.subscribe(call),
    });
    return api;
  }

  /** `host:port` as clients dial it (`pubSubEndpoint` of salesforce-pubsub-api-client). */
  get endpoint(): string {
    const host = ['0.0.0.0', '::'].includes(this.options.host) ? '127.0.0.1' : this.options.host;
    return host.includes(':') ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }

  /** Open Subscribe streams. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** The channel names served. */
  topicNames(): string[] {
    return [ALL_CHANGE_EVENTS, ...this.deps.schemas.list().map((s) => s.topic)];
  }

  topic(name: string): Topic | undefined {
    if (name === ALL_CHANGE_EVENTS) return { name, matches: () => true };
    const schema = this.deps.schemas.forTopic(name);
    return schema ? { name, schema, matches: (e) => e.schema === schema } : undefined;
  }

  /** Why the call's metadata does not authenticate it, if it does not. */
  authenticate(metadata: Metadata): PubSubFailure | undefined {
    const header = (key: string) => {
      const value = metadata.get(key)[0];
      return typeof value === 'string' ? value.trim() : '';
    };
    for (const key of ['accesstoken', 'instanceurl', 'tenantid']) {
      if (header(key) === '') return PubSubErrors.authHeadersInvalid(key);
    }
    const orgId = this.deps.identity.orgId;
    const tenant = header('tenantid');
    if (tenant !== orgId && tenant !== orgId.slice(0, 15)) return PubSubErrors.authError();
    return this.deps.tokens.isValid(header('accesstoken')) ? undefined : PubSubErrors.authError();
  }

  /** Ends open streams (of one topic, or all) with `failure`; returns how many. */
  closeStreams(failure: PubSubFailure, topic?: string): number {
    let closed = 0;
    for (const stream of [...this.streams]) {
      if (topic !== undefined && stream.topicName !== topic) continue;
      stream.fail(failure);
      closed++;
    }
    return closed;
  }

  async close(): Promise<void> {
    for (const stream of [...this.streams]) stream.dispose();
    this.server.forceShutdown();
  }

  /** @internal */
  register(stream: SubscribeStream, open: boolean): void {
    if (open) this.streams.add(stream);
    else this.streams.delete(stream);
  }

  private getTopic(call: ServerUnaryCall<{ topic_name: string }, unknown>, callback: sendUnaryData<unknown>): void {
    const failure = this.authenticate(call.metadata);
    if (failure) return callback(toServiceError(failure));
    const name = call.request.topic_name;
    if (!name) return callback(toServiceError(PubSubErrors.topicEmpty()));
    const topic = this.topic(name);
    if (!topic) return callback(toServiceError(PubSubErrors.topicNotFound(name)));
    callback(null, {
      topic_name: topic.name,
      tenant_guid: this.deps.identity.orgId,
      can_publish: false,
      can_subscribe: true,
      // A multi-object channel has no single schema: its events name theirs.
      schema_id: topic.schema?.schemaId ?? '',
      rpc_id: randomUUID(),
    });
  }

  private getSchema(call: ServerUnaryCall<{ schema_id: string }, unknown>, callback: sendUnaryData<unknown>): void {
    const failure = this.authenticate(call.metadata);
    if (failure) return callback(toServiceError(failure));
    const id = call.request.schema_id;
    if (!id) return callback(toServiceError(PubSubErrors.schemaEmpty()));
    const schema = this.deps.schemas.forSchemaId(id);
    if (!schema) return callback(toServiceError(PubSubErrors.schemaNotFound(id)));
    callback(null, { schema_json: schema.schemaJson, schema_id: schema.schemaId, rpc_id: randomUUID() });
  }

  private subscribe(call: ServerDuplexStream<FetchRequest, FetchResponse>): void {
    this.stats.subscribeCalls++;
    const stream = new SubscribeStream(this, call);
    const failure = this.authenticate(call.metadata) ?? this.deps.faults.refuseSubscribe();
    if (failure) {
      this.stats.refusedCalls++;
      stream.fail(failure);
    }
  }
}

/** One Subscribe call: its position in the bus, its pending count and its timers. */
class SubscribeStream {
  private topic?: Topic;
  /** Replay id of the last event looked at; events after it are still to consider. */
  private cursor = 0;
  private pending = 0;
  private closed = false;
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  private timerKind?: 'keepalive' | 'idle';
  private unsubscribe?: () => void;
  private readonly rpcId = randomUUID();
  /** Events delivered since the stream faults last changed, and which setting that was. */
  private deliveredUnderFaults = 0;
  private faultGeneration: number;

  constructor(
    private readonly api: PubSubApi,
    private readonly call: ServerDuplexStream<FetchRequest, FetchResponse>,
  ) {
    this.faultGeneration = api.deps.faults.generation;
    api.register(this, true);
    call.on('data', (request: FetchRequest) => this.onRequest(request));
    call.on('cancelled', () => this.dispose());
    // A client that half-closes gets what it asked for; the idle timeout ends the stream after that.
    call.on('end', () => undefined);
    // A call that never sends its first FetchRequest ends like one that asks for nothing more.
    this.arm('idle');
  }

  get topicName(): string | undefined {
    return this.topic?.name;
  }

  fail(failure: PubSubFailure): void {
    if (this.closed) return;
    this.dispose();
    this.call.emit('error', toServiceError(failure));
  }

  dispose(): void {
    this.closed = true;
    this.disarm();
    this.unsubscribe?.();
    this.api.register(this, false);
  }

  private get bus(): EventBus {
    return this.api.deps.bus;
  }

  private onRequest(request: FetchRequest): void {
    if (this.closed) return;
    if (!this.topic) {
      if (!this.open(request)) return;
    } else if (request.topic_name && request.topic_name !== this.topic.name) {
      return this.fail(PubSubErrors.topicMismatch());
    }
    if (!(request.num_requested > 0)) return this.fail(PubSubErrors.requestedEventsInvalid());
    this.pending = Math.min(MAX_PENDING, this.pending + request.num_requested);
    if (this.timerKind === 'idle') this.disarm();
    this.schedule();
  }

  /** The first FetchRequest: topic and starting point. */
  private open(request: FetchRequest): boolean {
    if (!request.topic_name) {
      this.fail(PubSubErrors.topicEmpty());
      return false;
    }
    const topic = this.api.topic(request.topic_name);
    if (!topic) {
      this.fail(PubSubErrors.topicNotFound(request.topic_name));
      return false;
    }
    if (request.replay_preset === 'CUSTOM') {
      if (!request.replay_id || request.replay_id.length === 0) {
        this.fail(PubSubErrors.replayIdMissing());
        return false;
      }
      const replayId = decodeReplayId(request.replay_id);
      if (replayId === undefined || !this.bus.canResumeAfter(replayId)) {
        this.fail(PubSubErrors.replayIdCorrupted());
        return false;
      }
      this.cursor = replayId;
    } else {
      this.cursor = request.replay_preset === 'EARLIEST' ? this.bus.purgedThroughReplayId : this.bus.latestReplayId;
    }
    this.topic = topic;
    this.unsubscribe = this.bus.onAppend(() => this.schedule());
    return true;
  }

  /** Delivers on the next turn of the event loop, so that a burst of commits goes out in one response. */
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    if (this.closed || !this.topic) return;
    // Events this subscription had not read yet were purged (retention, or the admin API): it cannot go on.
    if (!this.bus.canResumeAfter(this.cursor)) return this.fail(PubSubErrors.replayIdCorrupted());
    if (this.pending === 0) return;
    const { events, scannedTo } = this.bus.after(this.cursor, this.topic.matches, this.pending);
    this.cursor = scannedTo;
    if (events.length) return this.send(events);
    if (this.timerKind !== 'keepalive') this.arm('keepalive');
  }

  private send(events: BusEvent[]): void {
    const faults = this.api.deps.faults;
    if (faults.generation !== this.faultGeneration) {
      this.faultGeneration = faults.generation;
      this.deliveredUnderFaults = 0;
    }
    this.pending -= events.length;
    this.write(events.map((e) => this.consumerEvent(e)));
    this.api.stats.eventsDelivered += events.length;
    this.deliveredUnderFaults += events.length;
    const limit = faults.config.closeAfterEvents;
    if (limit !== null && this.deliveredUnderFaults >= limit) return this.fail(faults.config.failure);
    this.arm(this.pending > 0 ? 'keepalive' : 'idle');
  }

  /** A FetchResponse: events (none for a keepalive), the latest replay id and what is still pending. */
  private write(events: ConsumerEvent[]): void {
    this.call.write({
      events,
      latest_replay_id: encodeReplayId(this.cursor),
      rpc_id: this.rpcId,
      pending_num_requested: this.pending,
    });
  }

  private consumerEvent(e: BusEvent): ConsumerEvent {
    return {
      event: { id: e.eventUuid, schema_id: e.schema.schemaId, payload: e.payload, headers: [] },
      replay_id: encodeReplayId(e.replayId),
    };
  }

  /**
   * With events pending, a keepalive after `keepaliveMs` without a response; with none pending, the end of the stream
   * after `idleTimeoutMs` without a FetchRequest.
   */
  private arm(kind: 'keepalive' | 'idle'): void {
    clearTimeout(this.timer);
    this.timerKind = kind;
    const { keepaliveMs, idleTimeoutMs } = this.api.options;
    this.timer =
      kind === 'keepalive'
        ? setTimeout(() => this.keepalive(), keepaliveMs)
        : setTimeout(() => this.end(), idleTimeoutMs);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timerKind = undefined;
  }

  private keepalive(): void {
    this.timerKind = undefined;
    if (this.closed || !this.topic || this.pending === 0) return;
    if (!this.bus.canResumeAfter(this.cursor)) return this.fail(PubSubErrors.replayIdCorrupted());
    const { events, scannedTo } = this.bus.after(this.cursor, this.topic.matches, this.pending);
    this.cursor = scannedTo;
    if (events.length) return this.send(events);
    this.write([]);
    this.api.stats.keepalives++;
    this.arm('keepalive');
  }

  private end(): void {
    if (this.closed) return;
    this.dispose();
    this.call.end();
  }
}
