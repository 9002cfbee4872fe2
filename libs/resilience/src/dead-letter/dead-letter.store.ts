import type { Provider } from '@nestjs/common';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { extractTraceContext, KafkaClient, traceProducedRecord } from '@hub/runtime';
import { readTopicToEnd } from '@hub/runtime';
import { DLQ_HEADERS } from './dead-letter.publisher';

/** One record of a dead-letter topic, with the reason it was parked and where it came from. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  vendorCode?: string;
  message: string;
  detail?: unknown;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  attempts: number;
  consumer: string;
  failedAt: string;
  /** Set when this entry is itself a replayed record that failed again. */
  replayOf?: string;
}

export interface ReplaySelection {
  offsets?: string[];
  reason?: string;
  all?: boolean;
}

const REPLAY_HEADER = 'hub-replay-of';

/** The topic a consumer group reads replayed records from: only that group sees them, not every subscriber of the source. */
export function replayTopicOf(deadLetterTopic: string): string {
  return `${deadLetterTopic}.replay`;
}

/**
 * Lists a dead-letter topic and replays chosen records after a fix. A replay re-sends the original key, bytes and
 * headers (without the dead-letter headers) to the group's replay topic, which its consumer also reads; the handlers
 * are idempotent (upserts by external id, stale positions skipped), so replaying a record twice changes nothing more.
 */
export class DeadLetterStore {
  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  async list(filter: { reason?: string; limit?: number } = {}): Promise<DeadLetterEntry[]> {
    const records = await this.readAll();
    const entries = records.map((r) => r.entry).filter((e) => !filter.reason || e.reason === filter.reason);
    return filter.limit ? entries.slice(-filter.limit) : entries;
  }

  async replay(selection: ReplaySelection): Promise<DeadLetterEntry[]> {
    if (!selection.all && !selection.reason && !selection.offsets?.length) {
      throw new RangeError('say what to replay: offsets, a reason, or all');
    }
    const chosen = (await this.readAll()).filter(
      ({ entry }) =>
        selection.all ||
        (selection.reason !== undefined && entry.reason === selection.reason) ||
        (selection.offsets ?? []).includes(entry.offset),
    );
    if (chosen.length === 0) return [];
    await this.producer.send({
      topic: replayTopicOf(this.topic),
      acks: -1,
      messages: chosen.map(({ entry, key, value, headers }) => ({
        key,
        value,
        headers: {
          ...withoutDeadLetterHeaders(headers),
          [REPLAY_HEADER]: `${this.topic}/${entry.partition}/${entry.offset}`,
          // The replay is a hop of the record's own trace, after the span that dead-lettered it.
          ...traceProducedRecord(
            replayTopicOf(this.topic),
            entry.key ?? undefined,
            { 'hub.replay_of': `${this.topic}/${entry.partition}/${entry.offset}`, 'hub.dlq_reason': entry.reason },
            extractTraceContext(headers),
          ),
        },
      })),
    });
    return chosen.map((c) => c.entry);
  }

  private async readAll(): Promise<
    { entry: DeadLetterEntry; key: Buffer | null; value: Buffer | null; headers: IHeaders }[]
  > {
    return (await readTopicToEnd(this.kafka, this.topic)).map(({ partition, message }) => {
      const h = message.headers ?? {};
      const text = (name: string) => {
        const v = h[name];
        const first = Array.isArray(v) ? v[0] : v;
        return first === undefined ? undefined : first.toString();
      };
      const detail = text(DLQ_HEADERS.detail);
      return {
        key: message.key,
        value: message.value,
        headers: h,
        entry: {
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          reason: text(DLQ_HEADERS.reason) ?? 'UNKNOWN',
          vendorCode: text(DLQ_HEADERS.vendorCode),
          message: text(DLQ_HEADERS.message) ?? '',
          detail: detail ? safeJson(detail) : undefined,
          sourceTopic: text(DLQ_HEADERS.sourceTopic) ?? '',
          sourcePartition: Number(text(DLQ_HEADERS.sourcePartition) ?? -1),
          sourceOffset: text(DLQ_HEADERS.sourceOffset) ?? '',
          attempts: Number(text(DLQ_HEADERS.attempts) ?? 0),
          consumer: text(DLQ_HEADERS.consumer) ?? '',
          failedAt: text(DLQ_HEADERS.failedAt) ?? '',
          replayOf: text(REPLAY_HEADER),
        },
      };
    });
  }
}

function withoutDeadLetterHeaders(headers: IHeaders): IHeaders {
  const dlq = new Set<string>([...Object.values(DLQ_HEADERS), REPLAY_HEADER]);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !dlq.has(k)));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The app's {@link DeadLetterStore} provider, for its dead-letter topic. */
export function deadLetterStoreProvider(deadLetterTopic: string): Provider {
  return {
    provide: DeadLetterStore,
    inject: [KafkaClient],
    useFactory: (kafka: KafkaClient) => new DeadLetterStore(kafka.kafka, kafka.producer, deadLetterTopic),
  };
}
