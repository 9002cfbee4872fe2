import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Outcome, RecordProcessor } from './record-processor';

/**
 * How often a consumer tells its group it is alive while records of a batch are handled (under kafkajs's heartbeat
 * interval of 3 s): a batch, or one record, can take minutes, and a member silent for the session timeout (30 s) is
 * dropped from the group, which hands its partitions to another that handles the records again.
 */
export const HEARTBEAT_EVERY_MS = 2_000;

export interface PipelineOptions {
  /** Records of one partition in flight at once. */
  maxInFlight: number;
  /**
   * Only the last record of each key in a fetched batch is handled; the earlier ones are superseded and committed
   * with it. Right only for streams whose every record carries the full state of its key (the canonical topics).
   */
  coalesceByKey: boolean;
}

type PipelineOutcome = Outcome | { kind: 'blocked' };

/** What the pipelined algorithm hands back to the runner: pause the partition for this long, or not. */
export type BatchVerdict = { pause?: { delayMs: number; reason: string } };

/**
 * The pipelined batch: every record of a fetched batch is handled concurrently (up to maxInFlight), records of one
 * key one after another, so a handler can group many records into one call to its target. Then the offset is
 * resolved up to the last record before the first one still failing; records done past it are remembered and
 * skipped on the next fetch (so a record the target accepted is not sent again because its neighbour was refused),
 * and the runner pauses the partition for the failing record's backoff.
 */
export class PipelinedBatch {
  /**
   * Per partition: offsets already handled but not yet committable, because an earlier record of the partition is
   * still being retried.
   */
  private readonly completedAhead = new Map<string, Set<string>>();

  constructor(
    private readonly processor: RecordProcessor,
    private readonly options: PipelineOptions,
    private readonly defaultDelayMs: number,
  ) {}

  async run(payload: EachBatchPayload): Promise<BatchVerdict | 'stopped'> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { maxInFlight, coalesceByKey } = this.options;
    const tp = `${batch.topic}/${batch.partition}`;
    const ahead = this.completedAhead.get(tp) ?? new Set<string>();
    this.completedAhead.set(tp, ahead);
    const messages = batch.messages;

    // Which record stands for which: with coalescing, each key's last record in the batch stands for all of its key.
    // Tombstones (null values) stand only for themselves: a deletion event followed by its tombstone must still be
    // applied, and the tombstone itself is only ignored.
    const coalesced = (m: KafkaMessage) => coalesceByKey && m.value !== null;
    const representative = new Map<string, KafkaMessage>();
    for (const m of messages) if (coalesced(m) && !ahead.has(m.offset)) representative.set(keyOf(m), m);

    const outcomes = new Map<string, PipelineOutcome>();
    const chains = new Map<string, Promise<PipelineOutcome>>();
    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      for (let start = 0; start < messages.length; start += maxInFlight) {
        if (!isRunning() || isStale()) return 'stopped';
        const work: Promise<void>[] = [];
        for (const m of messages.slice(start, start + maxInFlight)) {
          if (ahead.has(m.offset)) continue;
          const key = keyOf(m);
          if (coalesced(m) && representative.get(key) !== m) continue;
          const previous = chains.get(key);
          const outcome = (async (): Promise<PipelineOutcome> => {
            // A record never overtakes an earlier record of its key that is still failing.
            if (previous && (await previous).kind !== 'done') return { kind: 'blocked' };
            return this.processor.process(batch.topic, batch.partition, m);
          })();
          chains.set(key, outcome);
          work.push(outcome.then((o) => void outcomes.set(m.offset, o)));
        }
        await Promise.all(work);
        if ([...outcomes.values()].some((o) => o.kind !== 'done')) break;
      }
    } finally {
      clearInterval(beat);
    }
    if (!isRunning() || isStale()) return 'stopped';

    const isDone = (m: KafkaMessage): boolean => {
      if (ahead.has(m.offset)) return true;
      const stand = coalesced(m) ? representative.get(keyOf(m)) : m;
      return stand !== undefined && outcomes.get(stand.offset)?.kind === 'done';
    };
    let contiguous = true;
    let firstPause: { delayMs: number; reason: string } | undefined;
    for (const m of messages) {
      const done = isDone(m);
      const stand = coalesced(m) ? representative.get(keyOf(m)) : m;
      if (done && stand && stand !== m && !ahead.has(m.offset)) {
        this.processor.traceSuperseded(batch.topic, batch.partition, m, stand);
      }
      if (contiguous && done) {
        resolveOffset(m.offset);
        ahead.delete(m.offset);
        continue;
      }
      contiguous = false;
      if (done) ahead.add(m.offset);
      const outcome = outcomes.get(m.offset);
      if (!firstPause && outcome?.kind === 'pause') firstPause = outcome;
    }
    if (contiguous) return {};
    return { pause: firstPause ?? { delayMs: this.defaultDelayMs, reason: 'blocked' } };
  }
}

const keyOf = (m: KafkaMessage) => (m.key ? m.key.toString('latin1') : `\u0000offset:${m.offset}`);
