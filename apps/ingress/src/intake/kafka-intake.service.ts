import type { Logger } from 'pino';
import { CanonicalPublisher, OutgoingRecord, SystemOfRecord } from '@hub/canonical';
import { HubDatabase, HubDatabaseError } from '@hub/runtime';
import { KafkaJSError } from 'kafkajs';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { Intake, IntakeChange, IntakeResult } from './intake.port';

export interface KafkaIntakeOptions {
  /** Longest wait for Kafka's acknowledgement before the sender is told to retry (503). */
  ackTimeoutMs: number;
  log: Logger;
}

/** Counters exposed on /metrics, per source. */
export interface IntakeMetrics {
  published: Record<string, number>;
  duplicates: Record<string, number>;
  unavailable: number;
}

/**
 * The front doors' way into Kafka. A change is published once: the ledger (`ingress_seen`, hub database) keeps the
 * vendor's id of every change Kafka acknowledged, so a vendor's retry, also after a restart, publishes nothing
 * again; concurrent deliveries of one id inside this process wait for each other. Publishing uses the idempotent
 * producer with acks=all; a change is written to the ledger only after Kafka acknowledged it. A crash between the
 * two is the one case where a retry publishes again, with the same event id (derived from the vendor's id), which
 * consumers drop.
 */
export class KafkaIntake extends Intake {
  readonly metrics: IntakeMetrics = { published: {}, duplicates: {}, unavailable: 0 };
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    /** One publisher per source system, each keeping only the fields its system owns. */
    private readonly publishers: Readonly<Partial<Record<SystemOfRecord, Pick<CanonicalPublisher, 'publish'>>>>,
    private readonly db: HubDatabase,
    private readonly options: KafkaIntakeOptions,
  ) {
    super();
  }

  async accept(changes: IntakeChange[]): Promise<IntakeResult> {
    const unique = [...new Map(changes.map((c) => [ledgerKey(c), c])).values()];
    const keys = unique.map(ledgerKey);
    // Deliveries of the same ids already under way finish first (their outcome decides what is new). This one is
    // registered before anything is awaited, so a delivery arriving meanwhile waits for it in turn.
    const earlier = keys.map((k) => this.inFlight.get(k)?.catch(() => undefined));
    const work = Promise.all(earlier).then(() => this.publishNew(unique));
    for (const k of keys) this.inFlight.set(k, work);
    try {
      return await work;
    } finally {
      for (const k of keys) if (this.inFlight.get(k) === work) this.inFlight.delete(k);
    }
  }

  private async publishNew(changes: IntakeChange[]): Promise<IntakeResult> {
    try {
      return await this.publishNewOrFail(changes);
    } catch (error) {
      // Only the ledger being unreachable is worth the sender's retry; anything else is a defect to surface.
      if (!(error instanceof HubDatabaseError)) throw error;
      if (error.isDataException) {
        // PostgreSQL refused the vendor's id itself (e.g. a NUL byte): the request is at fault, a retry never helps.
        throw new PermanentError(
          PermanentErrorCode.INVALID_RECORD,
          `the event id cannot be recorded: ${error.message}`,
        );
      }
      this.metrics.unavailable++;
      throw new TransientError('HUB_DATABASE_UNAVAILABLE', (error as Error).message, {
        retryAfterMs: 5_000,
        cause: error,
      });
    }
  }

  private async publishNewOrFail(changes: IntakeChange[]): Promise<IntakeResult> {
    if (changes.length === 0) return { published: 0, duplicates: 0 };
    const seen = await this.seen(changes);
    const fresh = changes.filter((c) => !seen.has(ledgerKey(c)));
    for (const c of changes) if (seen.has(ledgerKey(c))) this.count(this.metrics.duplicates, c.source);
    if (fresh.length > 0) {
      const bySystem = new Map<SystemOfRecord, OutgoingRecord[]>();
      for (const c of fresh) {
        const system = c.value.envelope.sourceSystem.toLowerCase() as SystemOfRecord;
        const list = bySystem.get(system) ?? [];
        list.push({ topic: c.topic, key: c.value.envelope.aggregateId, value: c.value });
        bySystem.set(system, list);
      }
      await this.withinAckTimeout(
        Promise.all(
          [...bySystem].map(([system, records]) => {
            const publisher = this.publishers[system];
            if (!publisher) throw new Error(`ingress has no publisher for changes from ${system}`);
            return publisher.publish(records);
          }),
        ).then(() => undefined),
      );
      await this.db.query(
        `INSERT INTO ingress_seen (source, source_event_id, event_id)
         SELECT s.source, s.id, s.event_id::uuid FROM jsonb_to_recordset($1::jsonb) AS s(source text, id text, event_id text)
         ON CONFLICT DO NOTHING`,
        [
          JSON.stringify(
            fresh.map((c) => ({ source: c.source, id: c.sourceEventId, event_id: c.value.envelope.eventId })),
          ),
        ],
      );
      for (const c of fresh) this.count(this.metrics.published, c.source);
    }
    return { published: fresh.length, duplicates: changes.length - fresh.length };
  }

  private async seen(changes: IntakeChange[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ source: string; source_event_id: string }>(
      `SELECT source, source_event_id FROM ingress_seen
        WHERE (source, source_event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [changes.map((c) => c.source), changes.map((c) => c.sourceEventId)],
    );
    return new Set(rows.map((r) => `${r.source}\u0000${r.source_event_id}`));
  }

  /** Kafka unreachable or slow: the sender is told to come back, nothing is acknowledged. */
  private async withinAckTimeout(publish: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        publish,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TransientError(
                  'KAFKA_UNAVAILABLE',
                  `Kafka did not acknowledge within ${this.options.ackTimeoutMs} ms`,
                  {
                    retryAfterMs: 5_000,
                  },
                ),
              ),
            this.options.ackTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      this.metrics.unavailable++;
      // A publish that times out may still complete later; the ledger does not know it, so a retry publishes again
      // with the same event id.
      publish.catch(() => undefined);
      if (error instanceof TransientError) throw error;
      // A refusal by Kafka (kafkajs's errors) is an outage to wait out; anything else (a topic this app may not
      // produce, a record the schema refuses) is a defect that no retry fixes.
      if (!(error instanceof KafkaJSError)) throw error;
      this.options.log.warn({ err: error }, 'publishing to Kafka failed');
      throw new TransientError('KAFKA_UNAVAILABLE', `Kafka refused the events: ${(error as Error).message}`, {
        retryAfterMs: 5_000,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private count(counter: Record<string, number>, key: string) {
    counter[key] = (counter[key] ?? 0) + 1;
  }
}

const ledgerKey = (c: IntakeChange) => `${c.source}\u0000${c.sourceEventId}`;
