import PubSubApiClient from 'salesforce-pubsub-api-client';
import type { Logger } from 'pino';
import {
  ChangeStream,
  StreamEnd,
  StreamHandlers,
  StreamItem,
  StreamStart,
  StreamSubscription,
} from './change-stream.port';
import { readChangePayload, UndecodableChangeError } from './salesforce-change';

/** What the Pub/Sub API needs to authenticate a subscription: the OAuth session of the REST API. */
export interface PubSubSession {
  accessToken: string;
  instanceUrl: string;
  organizationId: string;
}

export interface PubSubAdapterOptions {
  /** `host:port` of the Pub/Sub API (Salesforce: api.pubsub.salesforce.com:7443). */
  endpoint: string;
  /** Events asked for at a time (the API caps a subscription's outstanding request at 100). */
  batchSize: number;
  /** A current session; called again after the API refused the last one. */
  session: () => Promise<PubSubSession>;
  /** Off only for a local sandbox with a self-signed certificate. */
  verifyTls: boolean;
  log: Logger;
}

interface ParsedEvent {
  replayId: number;
  payload: unknown;
}

interface GrpcFailure {
  code?: number;
  details?: string;
  metadata?: { get(key: string): unknown[] };
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNAUTHENTICATED = 16;

/**
 * The only file that speaks the Pub/Sub API, through salesforce-pubsub-api-client (gRPC, the published proto, Avro
 * payloads decoded with the schemas the API serves, change bitmaps turned into field names). Flow control: it asks
 * for `batchSize` events and asks for more only after the handler has made the previous ones durable, so a slow
 * Kafka holds the stream back instead of buffering it.
 */
export class PubSubChangeStream extends ChangeStream {
  private readonly clients = new Set<PubSubApiClient>();

  constructor(private readonly options: PubSubAdapterOptions) {
    super();
  }

  async subscribe(channel: string, start: StreamStart, handlers: StreamHandlers): Promise<StreamSubscription> {
    const session = await this.options.session();
    const client = new PubSubApiClient(
      {
        authType: 'user-supplied',
        accessToken: session.accessToken,
        // The client accepts only an https instance URL; the Pub/Sub API reads it as metadata, not as an address.
        instanceUrl: session.instanceUrl.replace(/^http:/, 'https:'),
        organizationId: session.organizationId,
        pubSubEndpoint: this.options.endpoint,
        rejectUnauthorizedSsl: this.options.verifyTls,
      },
      quietLogger(this.options.log),
    );
    await client.connect();
    this.clients.add(client);

    const batch = this.options.batchSize;
    let buffer: StreamItem[] = [];
    let chain: Promise<void> = Promise.resolve();
    let ended = false;
    let flushScheduled = false;
    const end = (why: StreamEnd) => {
      if (ended) return;
      ended = true;
      // Whatever was received is handled (or failed) before the caller hears of the end (and resubscribes).
      void chain
        .catch(() => undefined)
        .then(() => {
          this.clients.delete(client);
          client.close();
          handlers.onEnd(why);
        });
    };
    const flush = () => {
      flushScheduled = false;
      const items = buffer;
      buffer = [];
      if (items.length === 0) return chain;
      chain = chain.then(() => handlers.onItems(items));
      chain.catch((error: unknown) => end({ reason: 'failed', message: (error as Error).message }));
      return chain;
    };
    const push = (item: StreamItem) => {
      buffer.push(item);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    };

    const callback = (_info: unknown, type: string, data?: unknown) => {
      if (ended) return;
      switch (type) {
        case 'event': {
          const event = data as ParsedEvent;
          const replayId = String(event.replayId);
          try {
            push({ kind: 'change', change: readChangePayload(channel, replayId, event.payload) });
          } catch (error) {
            if (!(error instanceof UndecodableChangeError)) throw error;
            push({ kind: 'undecodable', channel, replayId, reason: error.message, raw: rawPayload(event) });
          }
          return;
        }
        case 'lastEvent':
          // Everything asked for arrived: ask for more once it is durable.
          void flush().then(
            () => !ended && client.requestAdditionalEvents(channel, batch),
            () => undefined,
          );
          return;
        case 'grpcKeepalive': {
          const latest = (data as { latestReplayId?: number } | undefined)?.latestReplayId;
          if (latest !== undefined) handlers.onKeepalive?.(String(latest));
          return;
        }
        case 'error': {
          const error = data as (Error & { replayId?: number; event?: unknown }) | GrpcFailure;
          if (error instanceof Error && error.name === 'EventParseError') {
            const parse = error as Error & { replayId?: number; event?: unknown };
            push({
              kind: 'undecodable',
              channel,
              replayId: String(parse.replayId ?? 'unknown'),
              reason: `${parse.message}: ${(parse.cause as Error | undefined)?.message ?? ''}`.trim(),
              raw: rawPayload(parse.event),
            });
            return;
          }
          end(classify(error as GrpcFailure));
          return;
        }
        case 'end':
          end({ reason: 'closed', message: 'the server closed the stream' });
          return;
        default:
          return;
      }
    };

    if (start === 'earliest') client.subscribeFromEarliestEvent(channel, callback, batch);
    else if (start === 'latest') client.subscribe(channel, callback, batch);
    else client.subscribeFromReplayId(channel, callback, batch, Number(start.afterReplayId));
    return {
      close: () => {
        ended = true;
        this.clients.delete(client);
        client.close();
      },
    };
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    this.clients.clear();
    return Promise.resolve();
  }
}

function classify(error: GrpcFailure): StreamEnd {
  const errorCode = String(error.metadata?.get('error-code')?.[0] ?? '');
  const message = `${error.details ?? String(error)}${errorCode ? ` (${errorCode})` : ''}`;
  if (error.code === GRPC_INVALID_ARGUMENT && (/replayid/i.test(errorCode) || /replay id/i.test(error.details ?? ''))) {
    return { reason: 'replayIdRefused', message };
  }
  if (error.code === GRPC_UNAUTHENTICATED) return { reason: 'failed', message: `session refused: ${message}` };
  return { reason: 'failed', message };
}

function rawPayload(event: unknown): Buffer | null {
  const payload = (event as { event?: { payload?: unknown } } | undefined)?.event?.payload;
  return Buffer.isBuffer(payload) ? payload : null;
}

/** The client logs every batch at info; the hub logs what matters itself. */
function quietLogger(log: Logger) {
  const child = log.child({ component: 'pubsub-client' });
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...args: unknown[]) => child.warn(args.map(String).join(' ')),
    error: (...args: unknown[]) => child.debug(args.map(String).join(' ')),
  };
}
