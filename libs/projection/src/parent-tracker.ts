import type { AppliedPositions } from './applied-positions.repository';
import type { RecordRef } from './target.port';

/** The part of a write the tracker reads. */
interface Dependent {
  parents: RecordRef[];
  parkedAt?: number;
}

/**
 * Parents first: which writes must wait because a parent they reference (a Contact's Account) has not been written
 * by the hub. A child sent before its parent fails and costs a second call; in an initial snapshot, where Debezium
 * reads rows in physical order, that would be most contacts.
 *
 * A waiting write is deferred: read from its topic, its event is parked by the runner, so only its key waits and its
 * partition goes on; read back from the park, the park lane tries it again shortly, while the records behind it of
 * other keys go on. Once `parentWaitMs` has passed since it was parked it is sent anyway (a parent the hub never
 * writes, one created in the target directly, costs each child one wait).
 */
export class ParentTracker {
  /** Records the hub has written (`<object>\0<key>`), so a parent is looked up in the database once. */
  private readonly known = new Set<string>();
  /** When the hub last wrote a record of each object: parents of that kind are landing. */
  private readonly lastWrittenAt = new Map<string, number>();

  constructor(
    private readonly positions: AppliedPositions,
    /** Whether the hub writes `object` keyed by `keyField` in this target: only such parents are waited for. */
    private readonly tracks: (object: string, keyField: string) => boolean,
    private readonly parentWaitMs: number,
    private readonly now: () => number = Date.now,
    /**
     * Told the objects of the parents writes wait for, each time some wait: a parent written in batch windows is
     * fetched early (BatchWindowScheduler.requestParent), so its child does not wait for the window.
     */
    private readonly awaited?: (objects: ReadonlySet<string>) => void,
  ) {}

  /** The indexes in `writes` of those that must wait for a parent. */
  async waiting(writes: readonly Dependent[]): Promise<Set<number>> {
    const now = this.now();
    const unknown = (w: Dependent) =>
      w.parents.filter((p) => this.tracks(p.object, p.keyField) && !this.known.has(refKey(p.object, p.key)));
    const candidates = writes.flatMap((w, index) =>
      (w.parkedAt === undefined || now - w.parkedAt < this.parentWaitMs) && unknown(w).length ? [index] : [],
    );
    const out = new Set<number>();
    if (candidates.length === 0) return out;
    const lookups = candidates.flatMap((i) => unknown(writes[i]).map((p) => ({ object: p.object, key: p.key })));
    for (const key of await this.positions.writtenRecords(lookups)) this.remember(key);
    for (const i of candidates) if (unknown(writes[i]).length > 0) out.add(i);
    if (this.awaited && out.size)
      this.awaited(new Set([...out].flatMap((i) => unknown(writes[i]).map((p) => p.object))));
    return out;
  }

  /** The parents of a write that the hub writes and has not written yet, as far as the last `waiting` call learnt. */
  unknownParents<P extends { object: string; keyField: string; key: string }>(w: { parents: P[] }): P[] {
    return w.parents.filter((p) => this.tracks(p.object, p.keyField) && !this.known.has(refKey(p.object, p.key)));
  }

  /**
   * A write that adds to a record another write creates (a merge) found it missing: its creator is awaited as a
   * parent is (see the constructor's `awaited`).
   */
  creatorAwaited(object: string): void {
    this.awaited?.(new Set([object]));
  }

  /** Whether the write references a parent the hub writes (so it is a child that may have to wait). */
  hasTrackedParent(w: Dependent): boolean {
    return w.parents.some((p) => this.tracks(p.object, p.keyField));
  }

  /** The hub wrote this record: children waiting for it may go. */
  written(object: string, key: string): void {
    this.remember(refKey(object, key));
    this.lastWrittenAt.set(object, this.now());
  }

  /** Whether records of a kind some of these parents are of were written within `windowMs`: they are landing. */
  landing(parents: readonly { object: string }[], windowMs: number): boolean {
    const now = this.now();
    return parents.some((p) => now - (this.lastWrittenAt.get(p.object) ?? -Infinity) < windowMs);
  }

  /** Bounded: a parent forgotten is looked up in the hub database again, nothing worse. */
  private remember(key: string): void {
    this.known.add(key);
    if (this.known.size > MAX_REMEMBERED_PARENTS) this.known.delete(this.known.values().next().value!);
  }
}

const MAX_REMEMBERED_PARENTS = 200_000;
const refKey = (object: string, key: string) => `${object}\u0000${key}`;
