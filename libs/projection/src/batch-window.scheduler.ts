import type { Logger } from 'pino';
import { BatchWindow, windowPhase } from './batch-windows';

/** One partition of a gated lane: the group's committed offset (the next record to read) and the partition's end. */
export interface LaneOffset {
  topic: string;
  partition: number;
  committed: number;
  end: number;
}

/**
 * The consumer lane of a batched entity, as the scheduler drives it. `hold` stops fetching (records stay on Kafka,
 * nothing is read, so nothing can be lost); `release` fetches again from the committed offsets.
 */
export interface GatedLane {
  hold(): void;
  release(): void;
  /** Read from Kafka (no cache): the lane's partitions of its entity's topic. */
  offsets(): Promise<LaneOffset[]>;
}

/** Why a batched entity's lane is open. */
export type OpenReason = 'window' | 'interval' | 'parent';

/** A batch window that closed: what it applied, for the reconciler's pass after it. */
export interface WindowClosed {
  entity: string;
  reason: OpenReason;
  openedAt: number;
  closedAt: number;
  /** Every record that was on the topic when it closed had been applied. */
  caughtUp: boolean;
}

/** One batched entity's state, as metrics and logs show it. */
export interface BatchWindowState {
  entity: string;
  window: string;
  open: boolean;
  reason?: OpenReason;
  /** The next time the lane opens by its window or interval (epoch ms). */
  nextOpenAt: number;
  /** Times opened since start, by reason. */
  opens: Record<OpenReason, number>;
}

interface Entry {
  entity: string;
  window: BatchWindow;
  lane: GatedLane;
  open: boolean;
  reason?: OpenReason;
  openedAt?: number;
  /** While draining: the end offsets to reach (`topic/partition` → offset) before closing. */
  target?: Map<string, number>;
  interval?: number;
  parentRequested: boolean;
  opens: Record<OpenReason, number>;
}

export interface BatchWindowSchedulerOptions {
  /** The time zone of daily windows (IANA name). */
  timeZone: string;
  /** How often windows and drains are looked at. */
  tickMs?: number;
  /** After a lane closed (held again): e.g. a reconcile pass of the entity. Failures are logged. */
  onClosed?: (closed: WindowClosed) => Promise<void>;
  log: Logger;
  /** For unit specs; the app runs on the system clock. */
  now?: () => number;
}

const offsetKey = (o: { topic: string; partition: number }) => `${o.topic}/${o.partition}`;

/**
 * Governs the lanes of batched entities (SF_BATCH_WINDOWS): each lane starts held, and is released while its window
 * is open (daily, `every … for …`), or from each interval's start until it has applied what its topic held at that
 * start (`every …`), or early, the same way, when a record of a real-time entity waits for a parent this entity
 * writes ({@link requestParent}): correctness before the window. Records wait on Kafka meanwhile; offsets are committed
 * as the lane applies them, as for any lane, so a restart loses nothing and a window that closes before its backlog is
 * applied leaves the rest for the next one.
 */
export class BatchWindowScheduler {
  private readonly entries: Entry[];
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  /** What runs after windows that closed (onClosed), awaited by {@link stop}. */
  private readonly after = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(
    lanes: { entity: string; window: BatchWindow; lane: GatedLane }[],
    private readonly options: BatchWindowSchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.entries = lanes.map((l) => ({
      ...l,
      open: false,
      parentRequested: false,
      opens: { window: 0, interval: 0, parent: 0 },
    }));
  }

  /** Holds every gated lane, looks at the windows now, then every tick. */
  start(): void {
    for (const e of this.entries) {
      e.lane.hold();
      e.interval = windowPhase(e.window, this.now(), this.options.timeZone).interval;
    }
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.after]);
  }

  /**
   * A record of a real-time entity waits for a record `entity` writes (an Order line for its product's price book
   * entry): the lane opens at the next tick until it applied what its topic holds then, unless it is open already.
   */
  requestParent(entity: string): void {
    const e = this.entries.find((x) => x.entity === entity);
    if (e && !e.open) e.parentRequested = true;
  }

  states(): BatchWindowState[] {
    const now = this.now();
    return this.entries.map((e) => {
      const phase = windowPhase(e.window, now, this.options.timeZone);
      return {
        entity: e.entity,
        window: e.window.text,
        open: e.open,
        ...(e.reason ? { reason: e.reason } : {}),
        // A window whose time has come opens at the next tick: it is due now, not at the start after it.
        nextOpenAt: phase.open && e.reason !== 'window' ? now : phase.nextOpenAt,
        opens: { ...e.opens },
      };
    });
  }

  /** One look at every window; a look still running is not overlapped. */
  tick(): Promise<void> {
    this.ticking ??= this.look().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async look(): Promise<void> {
    for (const e of this.entries) {
      try {
        await this.lookAt(e);
      } catch (error) {
        // Offsets not read (Kafka away): the state stays as it is and the next tick looks again.
        this.options.log.warn({ err: error, entity: e.entity }, 'batch window not evaluated');
      }
    }
  }

  private async lookAt(e: Entry): Promise<void> {
    const now = this.now();
    const phase = windowPhase(e.window, now, this.options.timeZone);
    const timed = e.window.kind === 'daily' || e.window.forMs !== undefined;
    if (timed && phase.open) {
      if (e.reason !== 'window') {
        // A drain under way becomes the window: the window applies whatever arrives until it closes.
        e.target = undefined;
        this.open(e, 'window', now, phase.closesAt);
      }
      e.parentRequested = false;
      return;
    }
    if (e.reason === 'window') {
      const offsets = await e.lane.offsets().catch(() => undefined);
      this.close(e, now, offsets !== undefined && offsets.every((o) => o.committed >= o.end));
    }
    const newInterval = e.window.kind === 'every' && !timed && phase.interval !== e.interval;
    if (newInterval || e.parentRequested) {
      const reason: OpenReason = newInterval ? 'interval' : 'parent';
      // Read first: if Kafka does not answer, the interval (or the parent's request) is still due at the next tick.
      const offsets = await e.lane.offsets();
      e.interval = phase.interval;
      e.parentRequested = false;
      // A later interval while a drain runs moves its end to what the topic holds now.
      e.target = new Map(offsets.map((o) => [offsetKey(o), o.end]));
      if (!e.open) {
        if (offsets.every((o) => o.committed >= o.end)) {
          this.options.log.debug({ entity: e.entity, reason }, 'batch lane has nothing waiting: not opened');
          e.target = undefined;
          return;
        }
        this.open(e, reason, now);
      }
      return;
    }
    if (e.open && e.target) {
      const target = e.target;
      const offsets = await e.lane.offsets();
      const caughtUp = offsets.every((o) => o.committed >= (target.get(offsetKey(o)) ?? 0));
      if (caughtUp)
        this.close(
          e,
          now,
          offsets.every((o) => o.committed >= o.end),
        );
    }
  }

  private open(e: Entry, reason: OpenReason, now: number, closesAt?: number): void {
    e.open = true;
    e.reason = reason;
    e.openedAt = now;
    e.opens[reason]++;
    e.lane.release();
    this.options.log.info(
      {
        entity: e.entity,
        window: e.window.text,
        reason,
        ...(closesAt !== undefined ? { closesAt: new Date(closesAt).toISOString() } : {}),
      },
      'batch window opened: the entity is applied',
    );
  }

  private close(e: Entry, now: number, caughtUp: boolean): void {
    e.lane.hold();
    const closed: WindowClosed = {
      entity: e.entity,
      reason: e.reason!,
      openedAt: e.openedAt!,
      closedAt: now,
      caughtUp,
    };
    e.open = false;
    e.reason = undefined;
    e.target = undefined;
    const next = windowPhase(e.window, now, this.options.timeZone).nextOpenAt;
    this.options.log[caughtUp ? 'info' : 'warn'](
      { entity: e.entity, reason: closed.reason, caughtUp, nextOpenAt: new Date(next).toISOString() },
      caughtUp
        ? 'batch window closed: the entity waits on Kafka until the next one'
        : 'batch window closed before its backlog was applied: the rest waits for the next one',
    );
    const after = this.options.onClosed;
    if (!after) return;
    // Not awaited: a reconcile pass may take minutes, and the other entities' windows must go on meanwhile.
    const done: Promise<void> = after(closed)
      .catch((error: unknown) =>
        this.options.log.error({ err: error, entity: e.entity }, 'after the batch window: failed'),
      )
      .finally(() => this.after.delete(done));
    this.after.add(done);
  }
}
