/**
 * The sandbox's event bus: every change event in commit order, each with its replay id, kept for a retention window
 * (72 hours by default, as Salesforce) and up to a maximum count, whichever is smaller. Memory stays bounded: events
 * past either limit are purged, and a subscription asking to resume from a purged position is refused.
 *
 * Replay ids are one sequence across all channels (a channel sees a subset, so its ids are not contiguous, as
 * Salesforce warns they may not be). The sequence starts from the clock (milliseconds × 1000), so ids keep growing
 * across restarts of the sandbox: an id kept from an earlier run refers to a purged event and is refused, as an
 * expired one is.
 */
import type { ChangeEventHeader, ChangeEventSchema } from './change-event.schema';

/**
 * An event on the bus, kept Avro-encoded as it goes on the wire (a few hundred bytes, where the decoded record takes
 * kilobytes): a full bus of 100,000 events stays in tens of megabytes.
 */
export interface BusEvent {
  readonly replayId: number;
  /** `ProducerEvent.id`: a UUID per event. */
  readonly eventUuid: string;
  readonly schema: ChangeEventSchema;
  /** The Avro binary datum (`ProducerEvent.payload`). */
  readonly payload: Buffer;
  /** When it entered the bus (epoch ms), for retention. */
  readonly storedAt: number;
}

export type NewBusEvent = Omit<BusEvent, 'replayId' | 'storedAt'>;

/** The decoded payload: `ChangeEventHeader` (bitmaps as sent) and the record fields. */
export function decodePayload(event: BusEvent): Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader } {
  return event.schema.type.fromBuffer(event.payload) as Record<string, unknown> & {
    ChangeEventHeader: ChangeEventHeader;
  };
}

export interface RetentionSettings {
  /** How long an event stays replayable; Salesforce keeps change events 72 hours. */
  retentionMs: number;
  /** The most events kept, oldest purged first. */
  maxEvents: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionSettings> = Object.freeze({
  retentionMs: 72 * 60 * 60 * 1000,
  maxEvents: 100_000,
});

/** 8-byte big-endian unsigned integer, the form Salesforce's clients read (`readBigUInt64BE`). */
export function encodeReplayId(replayId: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(replayId));
  return buf;
}

/** The replay id in `bytes`, or undefined when they are not an 8-byte id. */
export function decodeReplayId(bytes: Buffer | Uint8Array | undefined): number | undefined {
  if (!bytes || bytes.length !== 8) return undefined;
  const n = Buffer.from(bytes).readBigUInt64BE();
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

export class EventBus {
  private readonly events: BusEvent[] = [];
  /** Index in `events` of the oldest retained event (purged ones are dropped in chunks). */
  private head = 0;
  private lastId: number;
  private purged: number;
  private readonly listeners = new Set<() => void>();
  settings: RetentionSettings;
  /** The retention the bus was made with, which `reset` restores. */
  private readonly initial: RetentionSettings;
  published = 0;

  constructor(
    private readonly clock: () => Date,
    settings: Partial<RetentionSettings> = {},
  ) {
    this.initial = { ...DEFAULT_RETENTION, ...settings };
    this.settings = { ...this.initial };
    this.lastId = clock().getTime() * 1000;
    this.purged = this.lastId;
  }

  /** The newest replay id the bus has handed out (the tip), whether or not that event is still retained. */
  get latestReplayId(): number {
    return this.lastId;
  }

  /** Every event up to this id is gone: resuming after an id below it would miss events. */
  get purgedThroughReplayId(): number {
    this.purge();
    return this.purged;
  }

  get size(): number {
    this.purge();
    return this.events.length - this.head;
  }

  /** Appends events in order, gives them their replay ids, then wakes the subscriptions. */
  append(events: readonly NewBusEvent[]): BusEvent[] {
    const storedAt = this.clock().getTime();
    const added = events.map((e) => ({ ...e, replayId: ++this.lastId, storedAt }));
    this.events.push(...added);
    this.published += added.length;
    this.purge();
    for (const listener of this.listeners) listener();
    return added;
  }

  /** Called after every append; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether a subscription may resume after `replayId`: it is the tip or older, and nothing after it was purged. */
  canResumeAfter(replayId: number): boolean {
    return replayId >= this.purgedThroughReplayId && replayId <= this.lastId;
  }

  /**
   * Up to `limit` events after `replayId` that `matches` accepts, and how far the scan went (`scannedTo`: the id of
   * the last event looked at, or `replayId` when none): a cursor can move there even past events it skipped.
   */
  after(replayId: number, matches: (e: BusEvent) => boolean, limit: number): { events: BusEvent[]; scannedTo: number } {
    this.purge();
    const out: BusEvent[] = [];
    const first = this.events[this.head]?.replayId ?? this.lastId + 1;
    let scannedTo = replayId;
    for (let i = this.head + Math.max(0, replayId + 1 - first); i < this.events.length && out.length < limit; i++) {
      const event = this.events[i] as BusEvent;
      scannedTo = event.replayId;
      if (matches(event)) out.push(event);
    }
    if (out.length < limit) scannedTo = Math.max(scannedTo, this.lastId);
    return { events: out, scannedTo };
  }

  /** Retained events, oldest first (for the admin API). */
  retained(): BusEvent[] {
    this.purge();
    return this.events.slice(this.head);
  }

  setRetention(settings: Partial<RetentionSettings>): RetentionSettings {
    this.settings = { ...this.settings, ...settings };
    this.purge();
    return this.settings;
  }

  /** Purges every event, as if the retention window had passed; replay ids go on from where they were. */
  clear(): void {
    this.purged = this.lastId;
    this.events.length = 0;
    this.head = 0;
  }

  /** Purges every event and restores the retention the bus was made with. */
  reset(): void {
    this.clear();
    this.settings = { ...this.initial };
    this.published = 0;
  }

  private purge(): void {
    const oldest = this.clock().getTime() - this.settings.retentionMs;
    let head = this.head;
    while (head < this.events.length) {
      const event = this.events[head] as BusEvent;
      if (event.storedAt >= oldest && this.events.length - head <= this.settings.maxEvents) break;
      this.purged = event.replayId;
      head++;
    }
    this.head = head;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
  }
}
