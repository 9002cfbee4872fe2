import pino from 'pino';
import { BatchWindowScheduler, GatedLane, LaneOffset, WindowClosed } from './batch-window.scheduler';
import { BatchWindow, parseBatchWindow } from './batch-windows';

/** A lane over one topic of two partitions: records arrive at the end, the lane commits while released. */
class FakeLane implements GatedLane {
  held = false;
  holds = 0;
  releases = 0;
  readonly parts: LaneOffset[] = [0, 1].map((partition) => ({ topic: 't', partition, committed: 0, end: 0 }));
  hold() {
    this.held = true;
    this.holds++;
  }
  release() {
    this.held = false;
    this.releases++;
  }
  offsets() {
    return Promise.resolve(this.parts.map((p) => ({ ...p })));
  }
  arrive(partition: number, n: number) {
    this.parts[partition].end += n;
  }
  /** What a released lane does: applies and commits up to the end. */
  applyAll() {
    if (this.held) throw new Error('a held lane applies nothing');
    for (const p of this.parts) p.committed = p.end;
  }
}

const window = (text: string): BatchWindow => {
  const w = parseBatchWindow(text);
  if (typeof w === 'string') throw new Error(w);
  return w;
};

function setUp(text: string, start: string) {
  const clock = { now: Date.parse(start) };
  const lane = new FakeLane();
  const closed: WindowClosed[] = [];
  const scheduler = new BatchWindowScheduler([{ entity: 'Product', window: window(text), lane }], {
    timeZone: 'UTC',
    tickMs: 3_600_000,
    onClosed: (c) => {
      closed.push(c);
      return Promise.resolve();
    },
    log: pino({ level: 'silent' }),
    now: () => clock.now,
  });
  const at = async (iso: string) => {
    clock.now = Date.parse(iso);
    await scheduler.tick();
  };
  return { lane, closed, scheduler, at, clock };
}

describe('BatchWindowScheduler', () => {
  it('holds a daily lane outside its window, releases it inside, holds it at the end and says if it caught up', async () => {
    const { lane, closed, scheduler, at, clock } = setUp('01:00-05:00', '2026-03-10T00:00:00Z');
    scheduler.start();
    await scheduler.tick();
    expect(lane.held).toBe(true);
    lane.arrive(0, 5);
    await at('2026-03-10T00:59:59Z');
    expect([lane.held, scheduler.states()[0].open]).toEqual([true, false]);
    expect(scheduler.states()[0].nextOpenAt).toBe(Date.parse('2026-03-10T01:00:00Z'));

    // The window's time has come, its tick not yet: it is due now, not at tomorrow's start.
    clock.now = Date.parse('2026-03-10T01:00:00Z');
    expect(scheduler.states()[0]).toMatchObject({ open: false, nextOpenAt: clock.now });
    await scheduler.tick();
    expect([lane.held, scheduler.states()[0]]).toEqual([
      false,
      {
        entity: 'Product',
        window: '01:00-05:00',
        open: true,
        reason: 'window',
        nextOpenAt: Date.parse('2026-03-11T01:00:00Z'),
        opens: { window: 1, interval: 0, parent: 0 },
      },
    ]);
    lane.applyAll();
    lane.arrive(1, 2); // arrives in the window, applied in it
    await at('2026-03-10T03:00:00Z');
    expect(lane.held).toBe(false);
    lane.applyAll();
    await at('2026-03-10T05:00:00Z');
    expect(lane.held).toBe(true);
    await scheduler.stop();
    expect(closed).toEqual([
      {
        entity: 'Product',
        reason: 'window',
        openedAt: Date.parse('2026-03-10T01:00:00Z'),
        closedAt: Date.parse('2026-03-10T05:00:00Z'),
        caughtUp: true,
      },
    ]);
  });

  it('closes a window on time with records still waiting, and says so', async () => {
    const { lane, closed, scheduler, at } = setUp('every 1m for 10s', '2026-03-10T00:00:30Z');
    scheduler.start();
    await scheduler.tick();
    lane.arrive(0, 100);
    await at('2026-03-10T00:01:00Z');
    expect(lane.held).toBe(false);
    await at('2026-03-10T00:01:10Z');
    expect(lane.held).toBe(true);
    expect(closed).toEqual([expect.objectContaining({ reason: 'window', caughtUp: false })]);
    await scheduler.stop();
  });

  it('drains `every` intervals: opens at each interval with records waiting, until it applied what was there then', async () => {
    const { lane, closed, scheduler, at } = setUp('every 15m', '2026-03-10T10:05:00Z');
    scheduler.start();
    await scheduler.tick();
    lane.arrive(0, 3);
    await at('2026-03-10T10:14:59Z');
    expect(lane.held).toBe(true);

    await at('2026-03-10T10:15:00Z');
    expect([lane.held, scheduler.states()[0].reason]).toEqual([false, 'interval']);
    await at('2026-03-10T10:15:01Z');
    expect(lane.held).toBe(false); // not caught up yet
    lane.applyAll();
    lane.arrive(1, 4); // after the interval started: the next interval's
    await at('2026-03-10T10:15:02Z');
    expect(lane.held).toBe(true);
    expect(closed).toEqual([
      {
        entity: 'Product',
        reason: 'interval',
        openedAt: Date.parse('2026-03-10T10:15:00Z'),
        closedAt: Date.parse('2026-03-10T10:15:02Z'),
        caughtUp: false,
      },
    ]);

    await at('2026-03-10T10:30:00Z');
    expect(lane.held).toBe(false);
    lane.applyAll();
    await at('2026-03-10T10:30:01Z');
    expect(lane.held).toBe(true);
    expect(closed[1]).toMatchObject({ reason: 'interval', caughtUp: true });

    // Nothing waiting at the next interval: the lane is not opened at all.
    await at('2026-03-10T10:45:00Z');
    expect([lane.held, lane.releases]).toEqual([true, 2]);
    expect(scheduler.states()[0].opens).toEqual({ window: 0, interval: 2, parent: 0 });
    await scheduler.stop();
  });

  it('opens early for a real-time record waiting for a parent, until what was there is applied', async () => {
    const { lane, closed, scheduler, at } = setUp('01:00-05:00', '2026-03-10T12:00:00Z');
    scheduler.start();
    await scheduler.tick();
    lane.arrive(0, 1);
    scheduler.requestParent('Product');
    scheduler.requestParent('Customer'); // not batched here: nothing
    await at('2026-03-10T12:00:01Z');
    expect([lane.held, scheduler.states()[0].reason]).toEqual([false, 'parent']);
    lane.applyAll();
    await at('2026-03-10T12:00:02Z');
    expect(lane.held).toBe(true);
    expect(closed).toEqual([expect.objectContaining({ reason: 'parent', caughtUp: true })]);
    expect(scheduler.states()[0].opens).toEqual({ window: 0, interval: 0, parent: 1 });
    await scheduler.stop();
  });

  it('lets a window take over a drain under way, and keeps it open to the window end', async () => {
    const { lane, closed, scheduler, at } = setUp('01:00-05:00', '2026-03-10T00:59:00Z');
    scheduler.start();
    await scheduler.tick();
    lane.arrive(0, 10);
    scheduler.requestParent('Product');
    await at('2026-03-10T00:59:30Z');
    expect(scheduler.states()[0].reason).toBe('parent');
    await at('2026-03-10T01:00:00Z');
    expect([lane.held, scheduler.states()[0].reason]).toEqual([false, 'window']);
    lane.applyAll();
    await at('2026-03-10T01:00:05Z');
    expect(lane.held).toBe(false); // caught up, but the window is open until 05:00
    expect(closed).toEqual([]);
    await scheduler.stop();
  });

  it('does not open a lane asked for a parent when nothing waits on its topic', async () => {
    const { lane, scheduler, at } = setUp('01:00-05:00', '2026-03-10T12:00:00Z');
    scheduler.start();
    await scheduler.tick();
    scheduler.requestParent('Product');
    await at('2026-03-10T12:00:01Z');
    expect([lane.held, lane.releases]).toEqual([true, 0]);
    await scheduler.stop();
  });

  it('leaves the state as it was when offsets cannot be read, and looks again at the next tick', async () => {
    const { lane, scheduler, at } = setUp('every 15m', '2026-03-10T10:14:00Z');
    scheduler.start();
    await scheduler.tick();
    lane.arrive(0, 1);
    const read = lane.offsets.bind(lane);
    lane.offsets = () => Promise.reject(new Error('broker away'));
    await at('2026-03-10T10:15:00Z');
    expect(lane.held).toBe(true);
    lane.offsets = read;
    await at('2026-03-10T10:15:01Z');
    expect([lane.held, scheduler.states()[0].reason]).toEqual([false, 'interval']);
    await scheduler.stop();
  });
});
