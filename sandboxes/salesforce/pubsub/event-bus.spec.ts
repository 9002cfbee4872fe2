import { ChangeEventSchemas } from './change-event.schema';
import { decodeReplayId, encodeReplayId, EventBus, type NewBusEvent } from './event-bus';
import { DEFAULT_SOBJECTS, SObjectCatalogue } from '../sobject.catalogue';

const schemas = new ChangeEventSchemas(new SObjectCatalogue(DEFAULT_SOBJECTS));

function event(object: string): NewBusEvent {
  return { eventUuid: 'u', schema: schemas.forObject(object)!, payload: Buffer.alloc(0) };
}

describe('event bus', () => {
  let now: number;
  const clock = () => new Date(now);

  beforeEach(() => {
    now = Date.UTC(2025, 0, 1);
  });

  it('numbers events from the clock (ms × 1000), one sequence across objects', () => {
    const bus = new EventBus(clock);
    expect(bus.latestReplayId).toBe(now * 1000);
    const [a, b] = bus.append([event('Account'), event('Contact')]);
    expect([a?.replayId, b?.replayId]).toEqual([now * 1000 + 1, now * 1000 + 2]);
    // A bus made later (a restarted sandbox) starts above every id the earlier one gave out.
    now += 1;
    expect(new EventBus(clock).latestReplayId).toBeGreaterThan(b?.replayId ?? 0);
  });

  it('reads events after a replay id, filtered, and moves the cursor past what it skipped', () => {
    const bus = new EventBus(clock);
    const base = bus.latestReplayId;
    bus.append([event('Contact'), event('Account'), event('Contact'), event('Account')]);
    const accounts = (e: { schema: { object: { name: string } } }) => e.schema.object.name === 'Account';
    expect(bus.after(base, accounts, 1)).toEqual({
      events: [expect.objectContaining({ replayId: base + 2 })],
      scannedTo: base + 2,
    });
    expect(bus.after(base + 2, accounts, 10)).toEqual({
      events: [expect.objectContaining({ replayId: base + 4 })],
      scannedTo: base + 4,
    });
    expect(bus.after(base + 4, accounts, 10)).toEqual({ events: [], scannedTo: base + 4 });
  });

  it('purges events older than the retention window and refuses to resume before them', () => {
    const bus = new EventBus(clock, { retentionMs: 60_000 });
    const [first] = bus.append([event('Account')]);
    now += 30_000;
    const [second] = bus.append([event('Account')]);
    expect(bus.canResumeAfter((first?.replayId ?? 0) - 1)).toBe(true);

    now += 31_000; // the first is 61 s old, the second 31 s
    expect(bus.size).toBe(1);
    expect(bus.purgedThroughReplayId).toBe(first?.replayId);
    expect(bus.canResumeAfter((first?.replayId ?? 0) - 1)).toBe(false);
    expect(bus.canResumeAfter(first?.replayId ?? 0)).toBe(true);
    expect(bus.canResumeAfter(second?.replayId ?? 0)).toBe(true);
    expect(bus.canResumeAfter((second?.replayId ?? 0) + 1)).toBe(false);

    now += 60_000;
    expect(bus.size).toBe(0);
    expect(bus.canResumeAfter(second?.replayId ?? 0)).toBe(true);
  });

  it('keeps at most maxEvents, whatever is written', () => {
    const bus = new EventBus(clock, { maxEvents: 50 });
    for (let i = 0; i < 5_000; i++) bus.append([event('Product2')]);
    expect(bus.size).toBe(50);
    expect(bus.retained()).toHaveLength(50);
    expect(bus.retained()[0]?.replayId).toBe(bus.latestReplayId - 49);
    expect(bus.setRetention({ maxEvents: 10 })).toMatchObject({ maxEvents: 10 });
    expect(bus.size).toBe(10);
  });

  it('clears every event without reusing replay ids; reset also restores the retention it was made with', () => {
    const bus = new EventBus(clock, { maxEvents: 7 });
    bus.append([event('Account'), event('Account')]);
    const tip = bus.latestReplayId;
    bus.setRetention({ maxEvents: 1 });
    bus.reset();
    expect(bus.size).toBe(0);
    expect(bus.settings.maxEvents).toBe(7);
    expect(bus.canResumeAfter(tip)).toBe(true);
    expect(bus.canResumeAfter(tip - 1)).toBe(false);
    expect(bus.append([event('Account')])[0]?.replayId).toBe(tip + 1);
  });

  it('wakes its listeners after every append', () => {
    const bus = new EventBus(clock);
    const woken: number[] = [];
    const stop = bus.onAppend(() => woken.push(bus.latestReplayId));
    bus.append([event('Account')]);
    stop();
    bus.append([event('Account')]);
    expect(woken).toEqual([bus.latestReplayId - 1]);
  });
});

describe('replay ids on the wire', () => {
  it('are 8-byte big-endian unsigned integers', () => {
    const bytes = encodeReplayId(1_735_689_600_000_123);
    expect(bytes).toHaveLength(8);
    expect(bytes.readBigUInt64BE()).toBe(1_735_689_600_000_123n);
    expect(decodeReplayId(bytes)).toBe(1_735_689_600_000_123);
    expect(decodeReplayId(Buffer.from('12345'))).toBeUndefined();
    expect(decodeReplayId(Buffer.alloc(0))).toBeUndefined();
    expect(decodeReplayId(Buffer.from('ffffffffffffffff', 'hex'))).toBeUndefined();
  });
});
