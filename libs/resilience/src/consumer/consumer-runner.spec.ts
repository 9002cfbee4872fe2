import type { Consumer, EachBatchPayload, KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
import pino from 'pino';
import type { ConsumerLagReader } from '@hub/runtime';
import { DeadLetterPublisher, DLQ_HEADERS } from '../dead-letter/dead-letter.publisher';
import {
  CarriedOverError,
  DeferredError,
  PermanentError,
  PermanentErrorCode,
  TransientError,
} from '../errors/hub-errors';
import { PARK_HEADERS, Parking } from './parking';
import { ConsumerFlowMetrics } from '../metrics/consumer-metrics';
import { ConsumerRunner, ConsumerRunnerOptions } from './consumer-runner';
import type { DecodedEvent, EventHandlerFn, MessageDecoder } from './record-processor';

const log = pino({ level: 'silent' });

class FakeConsumer {
  eachBatch?: (p: EachBatchPayload) => Promise<void>;
  readonly events = {
    CRASH: 'consumer.crash',
    GROUP_JOIN: 'consumer.group_join',
    COMMIT_OFFSETS: 'consumer.commit_offsets',
  };
  readonly listeners = new Map<string, ((event: { timestamp: number; payload: unknown }) => void)[]>();
  on(name: string, listener: (event: { timestamp: number; payload: unknown }) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return () => undefined;
  }
  emit(name: string, payload: unknown) {
    for (const l of this.listeners.get(name) ?? []) l({ timestamp: Date.now(), payload });
  }
  pausedList: { topic: string; partitions: number[] }[] = [];
  async connect() {}
  async subscribe() {}
  async disconnect() {}
  async run(config: { eachBatch: (p: EachBatchPayload) => Promise<void> }) {
    this.eachBatch = config.eachBatch;
  }
  /** Topic-level pauses and resumes, in order (a held lane's). */
  topicCalls: string[] = [];
  pause(list: { topic: string; partitions?: number[] }[]) {
    for (const tp of list) if (!tp.partitions) this.topicCalls.push(`pause ${tp.topic}`);
  }
  paused() {
    return this.pausedList;
  }
  resume(list: { topic: string; partitions?: number[] }[] = []) {
    for (const tp of list) if (!tp.partitions) this.topicCalls.push(`resume ${tp.topic}`);
    this.pausedList = [];
  }
}

class FakeProducer {
  sent: ProducerRecord[] = [];
  failWith?: Error;
  async send(record: ProducerRecord) {
    if (this.failWith) throw this.failWith;
    this.sent.push(record);
    return [];
  }
}

const msg = (offset: number, value: string): KafkaMessage =>
  ({
    offset: String(offset),
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(value),
    headers: {},
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

const jsonDecoder: MessageDecoder = {
  async decode(message) {
    let parsed: { type: string };
    try {
      parsed = JSON.parse(message.value!.toString());
    } catch {
      throw new PermanentError(PermanentErrorCode.UNDECODABLE, 'not JSON');
    }
    return { eventType: parsed.type, value: parsed };
  },
};

async function drive(consumer: FakeConsumer, messages: KafkaMessage[], topic = 't', heartbeat = async () => {}) {
  const resolved: string[] = [];
  let paused = false;
  await consumer.eachBatch!({
    batch: { topic, partition: 0, messages } as unknown as EachBatchPayload['batch'],
    resolveOffset: (o: string) => void resolved.push(o),
    heartbeat,
    isRunning: () => true,
    isStale: () => false,
    pause: () => {
      paused = true;
      consumer.pausedList = [{ topic, partitions: [0] }];
      return () => undefined;
    },
    commitOffsetsIfNecessary: async () => {},
    uncommittedOffsets: () => ({ topics: [] }),
  } as unknown as EachBatchPayload);
  return { resolved, paused };
}

function setup(
  handler: EventHandlerFn,
  retry = { inlineAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 5 },
  pipeline?: ConsumerRunnerOptions['pipeline'],
  parkWith?: (producer: Producer) => Parking,
  heartbeatEveryMs?: number,
) {
  const consumer = new FakeConsumer();
  const producer = new FakeProducer();
  const parking = parkWith?.(producer as unknown as Producer);
  const runner = new ConsumerRunner(consumer as unknown as Consumer, {
    groupId: 'g',
    topics: ['t'],
    decoder: jsonDecoder,
    handlers: new Map([['thing.happened', handler]]),
    ignoredEventTypes: ['thing.ignored'],
    deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
    retry,
    pipeline,
    parking,
    log,
    heartbeatEveryMs,
  });
  return { consumer, producer, runner, parking };
}

describe('ConsumerRunner', () => {
  it('handles records in order and resolves each after its handler returned', async () => {
    const seen: unknown[] = [];
    const { consumer, runner } = setup(async (e: DecodedEvent) => void seen.push((e.value as { n: number }).n));
    await runner.start();
    const { resolved } = await drive(consumer, [
      msg(0, '{"type":"thing.happened","n":1}'),
      msg(1, '{"type":"thing.ignored"}'),
      msg(2, '{"type":"thing.happened","n":2}'),
    ]);
    expect(seen).toEqual([1, 2]);
    expect(resolved).toEqual(['0', '1', '2']);
    expect(runner.metrics).toMatchObject({ processed: 2, ignored: 1, deadLettered: 0 });
  });

  it('keeps telling the group it is alive while one record takes long, so the group does not hand it to another', async () => {
    const { consumer, runner } = setup(
      () => new Promise((r) => setTimeout(r, 200)),
      undefined,
      undefined,
      undefined,
      20,
    );
    await runner.start();
    let beats = 0;
    await drive(consumer, [msg(0, '{"type":"thing.happened","n":1}')], 't', async () => void beats++);
    // Every 20 ms during the 200 ms record, and once after it; none once the batch is done.
    expect(beats).toBeGreaterThanOrEqual(5);
    const after = beats;
    await new Promise((r) => setTimeout(r, 60));
    expect(beats).toBe(after);
  });

  it('dead-letters a poison record with its reason and keeps the partition moving', async () => {
    const { consumer, producer, runner } = setup(async (e) => {
      if ((e.value as { bad?: boolean }).bad) {
        throw new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'Name is required', {
          vendorCode: 'REQUIRED_FIELD_MISSING',
          detail: [{ errorCode: 'REQUIRED_FIELD_MISSING' }],
        });
      }
    });
    await runner.start();
    const { resolved } = await drive(consumer, [
      msg(0, 'not json at all'),
      msg(1, '{"type":"thing.happened","bad":true}'),
      msg(2, '{"type":"unknown.type"}'),
      msg(3, '{"type":"thing.happened"}'),
    ]);
    expect(resolved).toEqual(['0', '1', '2', '3']);
    expect(producer.sent).toHaveLength(3);
    const headers = producer.sent.map((r) => r.messages[0].headers!);
    expect(headers.map((h) => h[DLQ_HEADERS.reason])).toEqual([
      'UNDECODABLE',
      'REJECTED_BY_TARGET',
      'UNHANDLED_EVENT_TYPE',
    ]);
    expect(headers[1][DLQ_HEADERS.vendorCode]).toBe('REQUIRED_FIELD_MISSING');
    expect(headers[1][DLQ_HEADERS.sourceOffset]).toBe('1');
    expect(producer.sent[0].messages[0].value!.toString()).toBe('not json at all');
    expect(producer.sent[0].acks).toBe(-1);
  });

  it('retries a transient failure in place, then pauses without resolving the record', async () => {
    let calls = 0;
    const { consumer, runner } = setup(async () => {
      calls++;
      throw new TransientError('HTTP_503', 'unavailable');
    });
    await runner.start();
    const first = await drive(consumer, [msg(0, '{"type":"thing.happened"}'), msg(1, '{"type":"thing.happened"}')]);
    expect(calls).toBe(2);
    expect(first.resolved).toEqual([]);
    expect(first.paused).toBe(true);
    expect(runner.metrics.pauses).toBe(1);
    await runner.stop();
  });

  it('succeeds on a later delivery of the same record once the target recovers', async () => {
    let healthy = false;
    const { consumer, runner } = setup(async () => {
      if (!healthy) throw new TransientError('HTTP_503', 'unavailable');
    });
    await runner.start();
    expect((await drive(consumer, [msg(5, '{"type":"thing.happened"}')])).resolved).toEqual([]);
    healthy = true;
    expect((await drive(consumer, [msg(5, '{"type":"thing.happened"}')])).resolved).toEqual(['5']);
    await runner.stop();
  });

  it('dead-letters a record whose transient failures exceed the retry budget', async () => {
    const { consumer, producer, runner } = setup(
      async () => {
        throw new TransientError('UNABLE_TO_LOCK_ROW', 'locked');
      },
      { inlineAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 4 },
    );
    await runner.start();
    await drive(consumer, [msg(0, '{"type":"thing.happened"}')]);
    const second = await drive(consumer, [msg(0, '{"type":"thing.happened"}')]);
    expect(second.resolved).toEqual(['0']);
    expect(producer.sent[0].messages[0].headers![DLQ_HEADERS.reason]).toBe('RETRIES_EXHAUSTED');
    expect(producer.sent[0].messages[0].headers![DLQ_HEADERS.attempts]).toBe('4');
    await runner.stop();
  });

  it('does not resolve a poison record when the dead-letter topic refuses it', async () => {
    const { consumer, producer, runner } = setup(async () => {
      throw new PermanentError(PermanentErrorCode.INVALID_RECORD, 'bad');
    });
    producer.failWith = new Error('broker down');
    await runner.start();
    await expect(drive(consumer, [msg(0, '{"type":"thing.happened"}')])).rejects.toThrow('broker down');
  });

  describe('pipelined', () => {
    const keyed = (offset: number, key: string, value: string): KafkaMessage => ({
      ...msg(offset, value),
      key: Buffer.from(key),
    });
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('handles the records of a batch concurrently and resolves them all', async () => {
      let inFlight = 0;
      let peak = 0;
      const { consumer, runner } = setup(
        async () => {
          peak = Math.max(peak, ++inFlight);
          await wait(5);
          inFlight--;
        },
        undefined,
        { maxInFlight: 100, coalesceByKey: false },
      );
      await runner.start();
      const { resolved } = await drive(
        consumer,
        [0, 1, 2, 3].map((n) => msg(n, '{"type":"thing.happened"}')),
      );
      expect(peak).toBe(4);
      expect(resolved.at(-1)).toBe('3');
    });

    it('applies records of one key one after another, in offset order', async () => {
      const order: number[] = [];
      let inFlight = 0;
      let peak = 0;
      const { consumer, runner } = setup(
        async (e) => {
          peak = Math.max(peak, ++inFlight);
          await wait(3);
          order.push((e.value as { n: number }).n);
          inFlight--;
        },
        undefined,
        { maxInFlight: 100, coalesceByKey: false },
      );
      await runner.start();
      await drive(
        consumer,
        [1, 2, 3].map((n) => keyed(n, 'same', `{"type":"thing.happened","n":${n}}`)),
      );
      expect(order).toEqual([1, 2, 3]);
      expect(peak).toBe(1);
    });

    it('with coalescing, applies only the last record of each key and commits the superseded ones with it', async () => {
      const seen: number[] = [];
      const { consumer, runner } = setup(async (e) => void seen.push((e.value as { n: number }).n), undefined, {
        maxInFlight: 100,
        coalesceByKey: true,
      });
      await runner.start();
      const { resolved } = await drive(consumer, [
        keyed(0, 'a', '{"type":"thing.happened","n":0}'),
        keyed(1, 'b', '{"type":"thing.happened","n":1}'),
        keyed(2, 'a', '{"type":"thing.happened","n":2}'),
      ]);
      expect(seen.sort()).toEqual([1, 2]);
      expect(resolved.at(-1)).toBe('2');
      expect(runner.metrics.superseded).toBe(1);
    });

    it('with coalescing, still applies a deletion followed by its tombstone', async () => {
      const seen: string[] = [];
      const { consumer, runner } = setup(async (e) => void seen.push(e.eventType), undefined, {
        maxInFlight: 100,
        coalesceByKey: true,
      });
      await runner.start();
      const tombstone = { ...keyed(1, 'a', ''), value: null } as KafkaMessage;
      const decoder = jsonDecoder.decode.bind(jsonDecoder);
      jsonDecoder.decode = (m, t) => (m.value === null ? Promise.resolve(null) : decoder(m, t));
      try {
        const { resolved } = await drive(consumer, [keyed(0, 'a', '{"type":"thing.happened"}'), tombstone]);
        expect(seen).toEqual(['thing.happened']);
        expect(resolved.at(-1)).toBe('1');
        expect(runner.metrics.ignored).toBe(1);
      } finally {
        jsonDecoder.decode = decoder;
      }
    });

    it('commits up to a failing record, skips the records done after it on the next fetch, and retries only it', async () => {
      const calls = new Map<number, number>();
      let healthy = false;
      const { consumer, runner } = setup(
        async (e) => {
          const n = (e.value as { n: number }).n;
          calls.set(n, (calls.get(n) ?? 0) + 1);
          if (n === 1 && !healthy) throw new TransientError('UNABLE_TO_LOCK_ROW', 'locked');
        },
        undefined,
        { maxInFlight: 100, coalesceByKey: true },
      );
      await runner.start();
      const batch = [0, 1, 2].map((n) => msg(n, `{"type":"thing.happened","n":${n}}`));
      const first = await drive(consumer, batch);
      expect(first.resolved).toEqual(['0']);
      expect(first.paused).toBe(true);
      healthy = true;
      const second = await drive(consumer, batch.slice(1));
      expect(second.resolved).toEqual(['1', '2']);
      expect(Object.fromEntries(calls)).toEqual({ 0: 1, 1: 3, 2: 1 });
      await runner.stop();
    });

    it('leaves a carried-over record unresolved for the next fetch at once: no retry in place, no attempt, never dead-lettered', async () => {
      const calls = new Map<number, number>();
      const { consumer, producer, runner } = setup(
        async (e) => {
          const n = (e.value as { n: number }).n;
          calls.set(n, (calls.get(n) ?? 0) + 1);
          if (n === 1) throw new CarriedOverError('short call');
        },
        { inlineAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
        { maxInFlight: 10, coalesceByKey: true },
      );
      await runner.start();
      const batch = [0, 1, 2].map((n) => msg(n, `{"type":"thing.happened","n":${n}}`));
      // More fetches than the retry budget allows attempts: a carry-over is not an attempt.
      for (let i = 0; i < 4; i++) {
        const fetched = await drive(consumer, i === 0 ? batch : batch.slice(1));
        expect(fetched.resolved).toEqual(i === 0 ? ['0'] : []);
      }
      expect(Object.fromEntries(calls)).toEqual({ 0: 1, 1: 4, 2: 1 });
      expect(producer.sent).toHaveLength(0);
      expect(runner.metrics).toMatchObject({ carriedOver: 4, retried: 0, deadLettered: 0 });
      await runner.stop();
    });

    it('never counts a wait the target asked for (breaker open, budget) toward the retry budget', async () => {
      const { consumer, producer, runner } = setup(
        async () => {
          throw new TransientError('API_BUDGET_RESERVED', 'reserve reached', {
            targetUnavailable: true,
            retryAfterMs: 1,
          });
        },
        { inlineAttempts: 1, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
        { maxInFlight: 10, coalesceByKey: true },
      );
      await runner.start();
      for (let i = 0; i < 5; i++) await drive(consumer, [msg(0, '{"type":"thing.happened"}')]);
      expect(producer.sent).toHaveLength(0);
      await runner.stop();
    });
  });

  describe('parking', () => {
    const keyed = (offset: number, key: string, value: string): KafkaMessage => ({
      ...msg(offset, value),
      key: Buffer.from(key),
    });

    it('parks a deferred record and the later records of its key, while other keys go on and the offset moves', async () => {
      const seen: string[] = [];
      const { consumer, producer, runner, parking } = setup(
        async (e, ctx) => {
          const { n, waits } = e.value as { n: string; waits?: boolean };
          if (waits && ctx.parkedAt === undefined) throw new DeferredError('PARENT_NOT_WRITTEN_YET', 'parent missing');
          seen.push(ctx.parkedAt === undefined ? n : `${n} (parked)`);
        },
        undefined,
        { maxInFlight: 10, coalesceByKey: false },
        (p) => new Parking(p, 'g.parked'),
      );
      await runner.start();
      const { resolved, paused } = await drive(consumer, [
        keyed(0, 'child', '{"type":"thing.happened","n":"c1","waits":true}'),
        keyed(1, 'other', '{"type":"thing.happened","n":"o1"}'),
        keyed(2, 'child', '{"type":"thing.happened","n":"c2"}'),
      ]);
      expect(resolved).toEqual(['0', '1', '2']);
      expect(paused).toBe(false);
      expect(seen).toEqual(['o1']);
      expect(producer.sent.map((r) => r.topic)).toEqual(['g.parked', 'g.parked']);
      const parked = producer.sent.map((r) => r.messages[0]);
      expect(parked.map((m) => m.headers?.[PARK_HEADERS.reason])).toEqual([
        'PARENT_NOT_WRITTEN_YET',
        'BEHIND_PARKED_KEY',
      ]);
      expect(runner.metrics.parked).toBe(2);

      // The park lane reads them back in order; the handler is told since when they wait.
      const back = parked.map(
        (m, i) => ({ ...msg(i, m.value!.toString()), key: m.key as Buffer, headers: m.headers }) as KafkaMessage,
      );
      await drive(consumer, back, 'g.parked');
      expect(seen).toEqual(['o1', 'c1 (parked)', 'c2 (parked)']);
      expect(parking!.size).toBe(0);

      // Its key released, the next record of the key is applied in place again.
      await drive(consumer, [keyed(3, 'child', '{"type":"thing.happened","n":"c3"}')]);
      expect(seen).toEqual(['o1', 'c1 (parked)', 'c2 (parked)', 'c3']);
      expect(producer.sent).toHaveLength(2);
      await runner.stop();
    });

    it('releases a key whose parked records were coalesced into the last one', async () => {
      const seen: string[] = [];
      const { consumer, runner, parking } = setup(
        async (e, ctx) => {
          const { n, waits } = e.value as { n: string; waits?: boolean };
          if (waits && ctx.parkedAt === undefined) throw new DeferredError('PARENT_NOT_WRITTEN_YET', 'parent missing');
          seen.push(n);
        },
        undefined,
        { maxInFlight: 10, coalesceByKey: true },
        (p) => new Parking(p, 'g.parked'),
      );
      await runner.start();
      await drive(consumer, [keyed(0, 'child', '{"type":"thing.happened","n":"c1","waits":true}')]);
      await drive(consumer, [keyed(1, 'child', '{"type":"thing.happened","n":"c2"}')]);
      expect(parking!.size).toBe(1);
      const headers = { [PARK_HEADERS.parkedAt]: '1', [PARK_HEADERS.sourceTopic]: 't' };
      await drive(
        consumer,
        [
          { ...keyed(0, 'child', '{"type":"thing.happened","n":"c1","waits":true}'), headers } as KafkaMessage,
          { ...keyed(1, 'child', '{"type":"thing.happened","n":"c2"}'), headers } as KafkaMessage,
        ],
        'g.parked',
      );
      expect(seen).toEqual(['c2']);
      expect(parking!.size).toBe(0);
      await runner.stop();
    });

    it('never parks a record read from the park topic again: it waits there as a transient failure', async () => {
      const { consumer, producer, runner } = setup(
        async () => {
          throw new DeferredError('PARENT_NOT_WRITTEN_YET', 'still missing', { retryAfterMs: 1 });
        },
        undefined,
        { maxInFlight: 10, coalesceByKey: false },
        (p) => new Parking(p, 'g.parked'),
      );
      await runner.start();
      const parkedRecord = {
        ...keyed(0, 'child', '{"type":"thing.happened"}'),
        headers: { [PARK_HEADERS.parkedAt]: '1', [PARK_HEADERS.sourceTopic]: 't' },
      } as KafkaMessage;
      const { resolved, paused } = await drive(consumer, [parkedRecord], 'g.parked');
      expect(resolved).toEqual([]);
      expect(paused).toBe(true);
      expect(producer.sent).toHaveLength(0);
      await runner.stop();
    });
  });

  describe('with deferred effects', () => {
    /** Effects a handler leaves pending: flushed (made durable) or dropped, as the runner decides. */
    class HeldEffects {
      held: number[] = [];
      durable: number[] = [];
      flushes = 0;
      failNext = false;
      get size() {
        return this.held.length;
      }
      async flush() {
        this.flushes++;
        if (this.failNext) {
          this.failNext = false;
          throw new Error('broker unavailable');
        }
        this.durable.push(...this.held);
        this.held = [];
      }
      discard() {
        this.held = [];
      }
    }

    function deferredSetup(flushAt: number, handler?: (n: number) => Promise<void>) {
      const effects = new HeldEffects();
      const consumer = new FakeConsumer();
      const producer = new FakeProducer();
      const runner = new ConsumerRunner(consumer as unknown as Consumer, {
        groupId: 'g',
        topics: ['t'],
        decoder: jsonDecoder,
        handlers: new Map([
          [
            'thing.happened',
            async (e: DecodedEvent) => {
              const n = (e.value as { n: number }).n;
              await handler?.(n);
              effects.held.push(n);
            },
          ],
        ]),
        deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
        retry: { inlineAttempts: 1, baseDelayMs: 7, maxDelayMs: 7, maxAttempts: 5 },
        partitionsConsumedConcurrently: 1,
        deferredEffects: { effects, flushAt },
        log,
      });
      return { effects, consumer, runner };
    }
    const things = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => msg(from + i, `{"type":"thing.happened","n":${from + i}}`));

    it('resolves offsets only after the effects of the records before them were flushed, once per fetch', async () => {
      const { effects, consumer, runner } = deferredSetup(100);
      await runner.start();
      const { resolved } = await drive(consumer, things(0, 5));
      expect(effects.flushes).toBe(1);
      expect(effects.durable).toEqual([0, 1, 2, 3, 4]);
      expect(resolved).toEqual(['4']);
    });

    it('flushes within a fetch once flushAt effects are held', async () => {
      const { effects, consumer, runner } = deferredSetup(2);
      await runner.start();
      const { resolved } = await drive(consumer, things(0, 5));
      expect(effects.flushes).toBe(3);
      expect(resolved).toEqual(['1', '3', '4']);
      expect(effects.durable).toEqual([0, 1, 2, 3, 4]);
    });

    it('resolves nothing of a stretch whose flush failed: it is dropped and the partition paused to read it again', async () => {
      const { effects, consumer, runner } = deferredSetup(100);
      await runner.start();
      effects.failNext = true;
      const { resolved, paused } = await drive(consumer, things(0, 3));
      expect(resolved).toEqual([]);
      expect(paused).toBe(true);
      expect(effects.durable).toEqual([]);
      expect(effects.size).toBe(0);
      const again = await drive(consumer, things(0, 3));
      expect(again.resolved).toEqual(['2']);
      expect(effects.durable).toEqual([0, 1, 2]);
    });

    it('flushes what was handled before a record that must wait, and resolves up to it', async () => {
      const { effects, consumer, runner } = deferredSetup(100, async (n) => {
        if (n === 2) throw new TransientError('TARGET_UNAVAILABLE', 'not yet');
      });
      await runner.start();
      const { resolved, paused } = await drive(consumer, things(0, 4));
      expect(paused).toBe(true);
      expect(effects.durable).toEqual([0, 1]);
      expect(resolved).toEqual(['1']);
    });

    it('refuses to run deferred effects with concurrent partitions', () => {
      const consumer = new FakeConsumer();
      const producer = new FakeProducer();
      expect(
        () =>
          new ConsumerRunner(consumer as unknown as Consumer, {
            groupId: 'g',
            topics: ['t'],
            decoder: jsonDecoder,
            handlers: new Map(),
            deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
            deferredEffects: { effects: new HeldEffects(), flushAt: 10 },
            log,
          }),
      ).toThrow('g: deferred effects need one partition at a time and no pipeline');
    });
  });
});

describe('ConsumerRunner health and per-record metrics', () => {
  function flowSetup(handler: EventHandlerFn, decoder: MessageDecoder = jsonDecoder) {
    const consumer = new FakeConsumer();
    const producer = new FakeProducer();
    const flow = new ConsumerFlowMetrics();
    const runner = new ConsumerRunner(consumer as unknown as Consumer, {
      groupId: 'g',
      topics: ['t'],
      decoder,
      handlers: new Map([['thing.happened', handler]]),
      deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
      retry: { inlineAttempts: 1, baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 5 },
      flow,
      log,
    });
    return { consumer, runner, flow };
  }

  it('is down from a kafkajs crash until the consumer rejoins its group, and counts the crashes', async () => {
    const { consumer, runner } = flowSetup(async () => undefined);
    expect(runner.health().up).toBe(false);
    await runner.start();
    expect(runner.health()).toMatchObject({ up: true, crashes: 0 });
    consumer.emit(consumer.events.CRASH, {
      error: new Error('This server does not host this topic-partition'),
      restart: true,
    });
    expect(runner.health()).toMatchObject({
      up: false,
      crashes: 1,
      crashed: { error: 'Error: This server does not host this topic-partition', restarting: true },
    });
    consumer.emit(consumer.events.CRASH, { error: new TypeError('boom'), restart: false });
    expect(runner.health()).toMatchObject({ up: false, crashes: 2, crashed: { restarting: false } });
    consumer.emit(consumer.events.GROUP_JOIN, {});
    expect(runner.health()).toMatchObject({ up: true, crashes: 2 });
    expect(runner.health().crashed).toBeUndefined();
  });

  it('counts records in per topic, their processing time by outcome, dead letters by reason, and freshness', async () => {
    const committedAt = new Date(Date.now() - 2_000).toISOString();
    const decoder: MessageDecoder = {
      async decode(message, topic) {
        const event = await jsonDecoder.decode(message, topic);
        return (
          event && { ...event, traceAttributes: { 'hub.source_commit_time': committedAt, 'hub.source_system': 'ODOO' } }
        );
      },
    };
    const { consumer, runner, flow } = flowSetup(async (e) => {
      if ((e.value as { bad?: boolean }).bad) throw new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'no');
    }, decoder);
    await runner.start();
    await drive(consumer, [
      msg(0, '{"type":"thing.happened"}'),
      msg(1, '{"type":"thing.happened","bad":true}'),
      msg(2, 'not json'),
      msg(3, '{"type":"thing.happened"}'),
    ]);
    const value = async (m: { get(): Promise<{ values: { labels: object; value: number; metricName?: string }[] }> }) =>
      (await m.get()).values;
    expect(await value(flow.consumedTotal)).toEqual([{ labels: { group: 'g', topic: 't' }, value: 4 }]);
    expect(await value(flow.deadLettersTotal)).toEqual(
      expect.arrayContaining([
        { labels: { topic: 't', reason: 'REJECTED_BY_TARGET' }, value: 1 },
        { labels: { topic: 't', reason: 'UNDECODABLE' }, value: 1 },
      ]),
    );
    const counts = (await value(flow.processingSeconds)).filter((v) => v.metricName?.endsWith('_count'));
    expect(counts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { topic: 't', outcome: 'applied' }, value: 2 }),
        expect.objectContaining({ labels: { topic: 't', outcome: 'dead_lettered' }, value: 2 }),
      ]),
    );
    const freshness = await value(flow.freshnessSeconds);
    const count = freshness.find((v) => v.metricName?.endsWith('_count'));
    const sum = freshness.find((v) => v.metricName?.endsWith('_sum'));
    // Only applied records are fresh or stale; a dead letter never arrived.
    expect(count).toMatchObject({ labels: { topic: 't', source_system: 'ODOO' }, value: 2 });
    expect(sum!.value / 2).toBeGreaterThanOrEqual(2);
  });
});

describe('ConsumerRunner stall watch', () => {
  afterEach(() => jest.useRealTimers());

  it('reports the lane stalled once a backlog saw no commit for stallAfterMs, logs it once, and recovers at a commit', async () => {
    jest.useFakeTimers();
    const lines: { level: number; msg: string }[] = [];
    const captured = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const consumer = new FakeConsumer();
    const producer = new FakeProducer();
    const runner = new ConsumerRunner(consumer as unknown as Consumer, {
      groupId: 'g',
      topics: ['t'],
      decoder: jsonDecoder,
      handlers: new Map(),
      deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
      watch: {
        lag: { read: async () => [{ topic: 't', partition: 0, lag: 5 }] } as unknown as ConsumerLagReader,
        stallAfterMs: 4_000,
      },
      log: captured,
    });
    await runner.start();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(runner.health().stall.stalled).toBe(false);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(runner.health().stall).toMatchObject({ stalled: true, lag: 5 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(lines.filter((l) => l.msg === 'consumer stalled: a backlog and no commit')).toHaveLength(1);

    consumer.emit(consumer.events.COMMIT_OFFSETS, {});
    expect(runner.health().stall.stalled).toBe(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(lines.filter((l) => l.msg === 'consumer moving again')).toHaveLength(1);
    await runner.stop();
  });
});

describe('ConsumerRunner held (a batched entity outside its window)', () => {
  const handled: number[] = [];
  let failing = false;
  const handler: EventHandlerFn = async (e: DecodedEvent) => {
    if (failing) throw new TransientError('DOWN', 'target down', { retryAfterMs: 5 });
    handled.push((e.value as { n: number }).n);
  };
  const make = (held: boolean) => {
    const consumer = new FakeConsumer();
    const producer = new FakeProducer();
    const runner = new ConsumerRunner(consumer as unknown as Consumer, {
      groupId: 'g',
      topics: ['t'],
      decoder: jsonDecoder,
      handlers: new Map([['thing.happened', handler]]),
      deadLetter: new DeadLetterPublisher(producer as unknown as Producer, 'dlq', 'g'),
      retry: { inlineAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 5 },
      held,
      log,
    });
    return { consumer, runner };
  };
  beforeEach(() => {
    handled.length = 0;
    failing = false;
  });

  it('starts paused, handles nothing of a batch fetched while held, and reads again once released', async () => {
    const { consumer, runner } = make(true);
    await runner.start();
    expect([consumer.topicCalls, runner.isHeld]).toEqual([['pause t'], true]);
    const held = await drive(consumer, [msg(0, '{"type":"thing.happened","n":1}')]);
    expect([handled, held.resolved]).toEqual([[], []]);

    runner.release();
    expect(consumer.topicCalls).toEqual(['pause t', 'resume t']);
    const released = await drive(consumer, [msg(0, '{"type":"thing.happened","n":1}')]);
    expect([handled, released.resolved]).toEqual([[1], ['0']]);

    runner.hold();
    expect([consumer.topicCalls.at(-1), runner.isHeld]).toEqual(['pause t', true]);
    await runner.stop();
  });

  it.each([
    [false, 1],
    [true, 0],
  ])('resumes a partition paused for a retry at its time unless the lane is held (held: %s)', async (hold, resumes) => {
    const { consumer, runner } = make(false);
    await runner.start();
    let resumed = 0;
    failing = true;
    await consumer.eachBatch!({
      batch: { topic: 't', partition: 0, messages: [msg(0, '{"type":"thing.happened","n":1}')] },
      resolveOffset: () => undefined,
      heartbeat: async () => {},
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => void resumed++,
      commitOffsetsIfNecessary: async () => {},
    } as unknown as EachBatchPayload);
    expect(runner.metrics.pauses).toBe(1);
    if (hold) runner.hold();
    await new Promise((r) => setTimeout(r, 50));
    expect(resumed).toBe(resumes);
    await runner.stop();
  });
});
