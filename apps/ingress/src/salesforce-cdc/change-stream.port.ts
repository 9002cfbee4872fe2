import type { SalesforceChange } from './salesforce-change';

/** Where a subscription starts: after a stored replay id, or at the retained stream's start or tip. */
export type StreamStart = { afterReplayId: string } | 'earliest' | 'latest';

/** One thing a change stream delivers, in replay order. */
export type StreamItem =
  | { kind: 'change'; change: SalesforceChange }
  /** An event the client could not decode: dead-lettered with its replay id and raw bytes. */
  | { kind: 'undecodable'; channel: string; replayId: string; reason: string; raw: Buffer | null };

/** Why a subscription ended. `replayIdRefused`: the stored replay id is unknown or past the retention window. */
export type StreamEnd = { reason: 'replayIdRefused' | 'failed' | 'closed'; message: string };

export interface StreamHandlers {
  /**
   * Called with each batch in order; the stream asks the server for more only once the returned promise resolved,
   * so a slow Kafka slows the subscription down instead of filling memory (Pub/Sub flow control).
   */
  onItems(items: StreamItem[]): Promise<void>;
  /** The latest replay id of the channel, from a keepalive with nothing to deliver (for lag and health). */
  onKeepalive?(latestReplayId: string): void;
  /** The subscription ended; the caller decides whether and where to resubscribe. */
  onEnd(end: StreamEnd): void;
}

export interface StreamSubscription {
  close(): void;
}

/** A change stream of Salesforce (the Pub/Sub API); one adapter file knows the wire. */
export abstract class ChangeStream {
  abstract subscribe(channel: string, start: StreamStart, handlers: StreamHandlers): Promise<StreamSubscription>;
  abstract close(): Promise<void>;
}
