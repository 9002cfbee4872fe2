import type { Provider } from '@nestjs/common';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { extractTraceContext, KafkaClient, traceProducedRecord } from '@hub/runtime';
import { PartitionOffsets, PartitionRange, readPartitions, TopicRecord, topicOffsets } from '@hub/runtime';
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

/** What to replay: exactly one of the named records (`partition:offset`), every record of a reason, or all. */
export type ReplaySelection = { offsets: string[] } | { reason: string } | { all: true };

/** A page of a dead-letter topic: at most `limit` entries after the cursor `after`, of one reason if given. */
export interface DeadLetterPageQuery {
  reason?: string;
  limit: number;
  /** `partition:offset` of the last entry of the previous page (its `next`). */
  after?: string;
}

export interface DeadLetterPage {
  /** Records the topic holds, from its partitions' offsets (a transactional topic's commit markers count too). */
  held: number;
  entries: DeadLetterEntry[];
  /** The cursor of the next page (pass it as `after`), or null when nothing is left to read. */
  next: string | null;
}

/** A page filtered by reason reads at most this many records per requested entry, then answers what it found. */
export const DEAD_LETTER_SCAN_FACTOR = 10;

/** `partition:offset`, how the API names one record of a topic. */
export const RECORD_POSITION = /^(\d{1,6}):(\d{1,19})$/;

/** Thrown for a selection or cursor that names no record of the topic: the caller's mistake, a 400 at the API. */
export class DeadLetterSelectionError extends Error {
  override readonly name = 'DeadLetterSelectionError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** How the store reads its topic: Kafka's offsets and ranges of records (an in-memory one in unit specs). */
export interface TopicReader {
  offsets(topic: string): Promise<PartitionOffsets[]>;
  /** The records of the ranges, by partition then offset. */
  read(topic: string, ranges: readonly PartitionRange[]): Promise<TopicRecord[]>;
}

export const kafkaTopicReader = (kafka: Kafka): TopicReader => ({
  offsets: (topic) => topicOffsets(kafka, topic),
  read: (topic, ranges) => readPartitions(kafka, topic, ranges),
});

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
    kafka: Kafka,
    private readonly producer: Pick<Producer, 'send'>,
    readonly topic: string,
    private readonly reader: TopicReader = kafkaTopicReader(kafka),
  ) {}

  /**
   * One page of the topic, by partition then offset, from after the cursor: reads only the records of the page (at
   * most `limit` of each partition, {@link DEAD_LETTER_SCAN_FACTOR} times that with a reason), not the whole topic.
   */
  async list(query: DeadLetterPageQuery): Promise<DeadLetterPage> {
    const partitions = await this.reader.offsets(this.topic);
    const held = partitions.reduce((n, p) => n + Number(p.high - p.low), 0);
    const cursor = query.after === undefined ? undefined : positionOf(query.after, 'after');
    const perPartition = query.reason === undefined ? query.limit : query.limit * DEAD_LETTER_SCAN_FACTOR;
    const ranges = partitions
      .filter((p) => !cursor || p.partition >= cursor.partition)
      .map((p) => {
        const from = cursor?.partition === p.partition ? cursor.offset + 1n : p.low;
        return { partition: p.partition, from: from > p.low ? from : p.low, to: p.high, max: perPartition };
      });
    const records = await this.read(ranges);
    const entries: DeadLetterEntry[] = [];
    let last: { partition: number; offset: bigint } | undefined;
    for (const range of ranges) {
      const ofPartition = records.filter((r) => r.entry.partition === range.partition);
      for (const r of ofPartition) {
        last = { partition: range.partition, offset: BigInt(r.entry.offset) };
        if (query.reason === undefined || r.entry.reason === query.reason) entries.push(r.entry);
        if (entries.length >= query.limit) break;
      }
      // A full page, or a partition read only in part (its scan budget spent): the next page goes on from here.
      if (entries.length >= query.limit || ofPartition.length >= perPartition) break;
    }
    const more =
      last !== undefined &&
      partitions.some(
        (p) =>
          (p.partition === last!.partition && p.high > last!.offset + 1n) ||
          (p.partition > last!.partition && p.high > p.low),
      );
    return { held, entries, next: more ? `${last!.partition}:${last!.offset}` : null };
  }

  /**
   * Re-sends the selection to the group's replay topic. Named records are read by their positions (all must exist,
   * else a {@link DeadLetterSelectionError} and nothing is sent); a reason or all reads the topic to its end.
   */
  async replay(selection: ReplaySelection): Promise<DeadLetterEntry[]> {
    const chosen =
      'offsets' in selection
        ? await this.readPositions(selection.offsets)
        : (await this.read(await this.wholeTopic())).filter(
            ({ entry }) => 'all' in selection || entry.reason === selection.reason,
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

  private async readPositions(offsets: readonly string[]) {
    const wanted = offsets.map((o, i) => positionOf(o, `offsets.${i}`));
    const byPartition = new Map<number, bigint[]>();
    for (const w of wanted) byPartition.set(w.partition, [...(byPartition.get(w.partition) ?? []), w.offset]);
    const partitions = new Map((await this.reader.offsets(this.topic)).map((p) => [p.partition, p]));
    const outside = wanted.filter((w) => {
      const p = partitions.get(w.partition);
      return !p || w.offset < p.low || w.offset >= p.high;
    });
    if (outside.length) {
      const held = [...partitions.values()].map((p) => `${p.partition}:${p.low}-${p.high - 1n}`).join(', ');
      throw new DeadLetterSelectionError(
        'offsets',
        `no dead letter at ${outside.map((w) => `${w.partition}:${w.offset}`).join(', ')} (${this.topic} holds ${held || 'nothing'})`,
      );
    }
    const ranges = [...byPartition].map(([partition, list]) => {
      const from = list.reduce((a, b) => (a < b ? a : b));
      const to = list.reduce((a, b) => (a > b ? a : b)) + 1n;
      return { partition, from, to };
    });
    const keys = new Set(wanted.map((w) => `${w.partition}:${w.offset}`));
    const found = (await this.read(ranges)).filter((r) => keys.has(`${r.entry.partition}:${r.entry.offset}`));
    const missing = [...keys].filter((k) => !found.some((r) => `${r.entry.partition}:${r.entry.offset}` === k));
    // An offset inside the partition that holds no record: a transaction's commit marker, or an aborted record.
    if (missing.length) throw new DeadLetterSelectionError('offsets', `no dead letter at ${missing.join(', ')}`);
    return found;
  }

  private async wholeTopic(): Promise<PartitionRange[]> {
    return (await this.reader.offsets(this.topic)).map((p) => ({
      partition: p.partition,
      from: p.low,
      to: p.high,
    }));
  }

  private async read(
    ranges: readonly PartitionRange[],
  ): Promise<{ entry: DeadLetterEntry; key: Buffer | null; value: Buffer | null; headers: IHeaders }[]> {
    return (await this.reader.read(this.topic, ranges)).map(({ partition, message }) => {
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

/** `partition:offset` read into numbers, or a {@link DeadLetterSelectionError} naming the field. */
function positionOf(text: string, field: string): { partition: number; offset: bigint } {
  const m = RECORD_POSITION.exec(text);
  if (!m)
    throw new DeadLetterSelectionError(
      field,
      `expected partition:offset (e.g. 0:42), got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return { partition: Number(m[1]), offset: BigInt(m[2]) };
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
