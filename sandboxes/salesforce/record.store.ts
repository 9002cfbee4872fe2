import { randomBytes } from 'node:crypto';
import { buildId } from './record-id';

export type FieldValue = string | number | boolean | null;

/** A stored row: the object's name and its field values keyed by the catalogue's field names. */
export interface StoredRecord {
  readonly type: string;
  readonly values: Readonly<Record<string, FieldValue>>;
}

/**
 * Who committed a transaction and through which API, as Change Data Capture reports it
 * (`ChangeEventHeader.commitUser` and `changeOrigin`). A transaction begun with `null` writes rows
 * the platform keeps itself (the standard price book) and is not captured.
 */
export interface CommitContext {
  /** The user the change is attributed to. */
  readonly userId: string;
  /** `com/salesforce/api/rest/62.0;client=<id>` for an API write, '' for a change made in the org itself. */
  readonly changeOrigin: string;
}

/** One row written by a commit: its committed state before (undefined for a new row) and after. */
export interface CommittedChange {
  readonly before: StoredRecord | undefined;
  readonly after: StoredRecord;
}

/** A committed transaction's rows, in the order the transaction first wrote each. */
export interface Commit {
  readonly context: CommitContext;
  readonly changes: readonly CommittedChange[];
}

export type CommitListener = (commit: Commit) => void;

/**
 * Where committed writes go before they are applied (a journal on disk): called synchronously inside a commit with
 * its rows and the Id serials handed out since the previous call; a throw fails the commit, which is then not applied.
 */
export type PersistSink = (entry: {
  clear?: true;
  records?: readonly StoredRecord[];
  serials?: Readonly<Record<string, number>>;
}) => void;

export interface RecordReader {
  /** By 18-character Id, deleted rows included. */
  get(id: string): StoredRecord | undefined;
  /** All rows of one object in creation order, deleted rows included. */
  list(type: string): StoredRecord[];
  /**
   * Rows of one object whose `field` equals `value`, deleted rows included; text compared case-insensitively unless
   * `caseSensitive`. Indexed, so upserts by external id stay fast in an org of a hundred thousand records.
   */
  findBy(type: string, field: string, value: FieldValue, caseSensitive: boolean): StoredRecord[];
}

const indexKey = (value: FieldValue, caseSensitive: boolean): string | undefined =>
  value === null || value === undefined
    ? undefined
    : typeof value === 'string' && !caseSensitive
      ? `s:${value.toLowerCase()}`
      : `${typeof value}:${String(value)}`;

/**
 * A copy of a row in V8's compact form. Rows are built field by field (`values[name] = …`), and V8 turns an object that
 * gains more than a dozen properties that way into a hash table ("dictionary mode"), about three times the size of the
 * same object made by JSON.parse, which shares one hidden class across every row of an object. The difference
 * decides whether an org of a million rows fits in a gigabyte (see README, "Memory").
 */
function compactRecord(record: StoredRecord): StoredRecord {
  return { type: record.type, values: JSON.parse(JSON.stringify(record.values)) as StoredRecord['values'] };
}

/**
 * Ids by indexed value. Most values (external ids, unique fields) name one row: that row's Id is stored as is, and a
 * Set only where several rows share the value, which saves a Set (about 150 bytes) per row.
 */
type FieldIndex = Map<string, string | Set<string>>;

/** The instance characters of an org's Ids and the serial its first record of each object gets. */
export interface RecordIdSpace {
  pod: string;
  firstSerial: number;
}

/** A random instance and starting serial: 62^2 instances times 2^40 starts, far from any other sandbox's Ids. */
export function randomIdSpace(): RecordIdSpace {
  const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(8);
  return {
    pod: base62.charAt(bytes[0] % 62) + base62.charAt(bytes[1] % 62),
    // Leaves room for 2^40 records of each object below the 10 base-62 digits an Id body holds after prefix and pod.
    firstSerial: bytes.readUIntBE(2, 5) * 1024 + 1,
  };
}

/**
 * The sandbox's in-memory database. Writes go through a {@link Transaction} so that an
 * all-or-none collection can be discarded whole; nothing is visible to readers before commit.
 */
export class RecordStore implements RecordReader {
  private readonly rows = new Map<string, StoredRecord>();
  private readonly byType = new Map<string, Map<string, StoredRecord>>();
  /** Built on first use per (type, field, case rule), then kept up to date on every commit. */
  private readonly indexes = new Map<string, FieldIndex>();
  private readonly serials = new Map<string, number>();
  private readonly listeners: CommitListener[] = [];
  private sink: PersistSink | undefined;
  /** Key prefixes whose serial moved since the sink last saw them. */
  private readonly dirtySerials = new Set<string>();

  /**
   * `idSpace`: where this org's record Ids start. Salesforce Ids are unique across orgs (the instance and a counter
   * the orgs of an instance share), so two sandboxes, like two orgs, must never hand out the same Id: a record the hub
   * linked in one must not be found by an Id of the other.
   */
  constructor(readonly idSpace: RecordIdSpace = randomIdSpace()) {}

  /**
   * Loads rows and Id serials read back from disk, without capture (they were captured when first committed). Only
   * into an empty store, before it serves.
   */
  load(records: Iterable<StoredRecord>, serials: Readonly<Record<string, number>>): void {
    if (this.rows.size) throw new Error('RecordStore.load: the store is not empty');
    for (const record of records) {
      const id = record.values['Id'] as string;
      this.rows.set(id, record);
      const ofType = this.byType.get(record.type) ?? new Map<string, StoredRecord>();
      ofType.set(id, record);
      this.byType.set(record.type, ofType);
    }
    for (const [prefix, serial] of Object.entries(serials)) this.serials.set(prefix, serial);
  }

  /** Every commit (and `clear`) goes to `sink` before it is applied; see {@link PersistSink}. */
  persistTo(sink: PersistSink): void {
    this.sink = sink;
  }

  /** Every row by Id in creation order, and the last serial per key prefix: what a snapshot on disk holds. */
  snapshot(): { records: Map<string, StoredRecord>; serials: Record<string, number> } {
    return { records: this.rows, serials: Object.fromEntries(this.serials) };
  }

  get(id: string): StoredRecord | undefined {
    return this.rows.get(id);
  }

  list(type: string): StoredRecord[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  findBy(type: string, field: string, value: FieldValue, caseSensitive: boolean): StoredRecord[] {
    const key = indexKey(value, caseSensitive);
    if (key === undefined) return [];
    const ids = this.index(type, field, caseSensitive).get(key);
    if (ids === undefined) return [];
    return typeof ids === 'string' ? [this.rows.get(ids)!] : [...ids].map((id) => this.rows.get(id)!);
  }

  private index(type: string, field: string, caseSensitive: boolean): FieldIndex {
    const name = `${type}\u0000${field}\u0000${caseSensitive}`;
    let index = this.indexes.get(name);
    if (!index) {
      index = new Map();
      for (const r of this.list(type)) this.addToIndex(index, r, field, caseSensitive);
      this.indexes.set(name, index);
    }
    return index;
  }

  private addToIndex(index: FieldIndex, r: StoredRecord, field: string, caseSensitive: boolean): void {
    const key = indexKey(r.values[field] ?? null, caseSensitive);
    if (key === undefined) return;
    const id = r.values['Id'] as string;
    const ids = index.get(key);
    if (ids === undefined || ids === id) index.set(key, id);
    else if (typeof ids === 'string') index.set(key, new Set([ids, id]));
    else ids.add(id);
  }

  private removeFromIndex(index: FieldIndex, key: string, id: string): void {
    const ids = index.get(key);
    if (ids === id) index.delete(key);
    else if (typeof ids !== 'string') ids?.delete(id);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Ids are consumed even when the transaction that asked for one is rolled back, as in Salesforce. */
  nextId(keyPrefix: string): string {
    const serial = (this.serials.get(keyPrefix) ?? this.idSpace.firstSerial - 1) + 1;
    this.serials.set(keyPrefix, serial);
    this.dirtySerials.add(keyPrefix);
    return buildId(keyPrefix, serial, this.idSpace.pod);
  }

  /** `context` names who commits (for Change Data Capture); `null` for rows the platform writes itself. */
  begin(context: CommitContext | null): Transaction {
    return new Transaction(this, context);
  }

  /** Called after every captured commit (not for `begin(null)` transactions), synchronously, in commit order. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.sink?.({ clear: true });
    this.dirtySerials.clear();
    this.rows.clear();
    this.byType.clear();
    this.indexes.clear();
    this.serials.clear();
  }

  /** @internal used by Transaction.commit */
  apply(staged: ReadonlyMap<string, StoredRecord>, context: CommitContext | null): void {
    if (this.sink && (staged.size || this.dirtySerials.size)) {
      const serials: Record<string, number> = {};
      for (const prefix of this.dirtySerials) serials[prefix] = this.serials.get(prefix) as number;
      this.sink({ records: [...staged.values()], ...(this.dirtySerials.size ? { serials } : {}) });
      this.dirtySerials.clear();
    }
    const changes: CommittedChange[] = [];
    for (const [id, written] of staged) {
      const record = compactRecord(written);
      const previous = this.rows.get(id);
      changes.push({ before: previous, after: record });
      this.rows.set(id, record);
      const ofType = this.byType.get(record.type) ?? new Map<string, StoredRecord>();
      ofType.set(id, record);
      this.byType.set(record.type, ofType);
      for (const [name, index] of this.indexes) {
        const [type, field, rule] = name.split('\u0000');
        if (type !== record.type) continue;
        const caseSensitive = rule === 'true';
        if (previous) {
          const old = indexKey(previous.values[field] ?? null, caseSensitive);
          if (old !== undefined) this.removeFromIndex(index, old, id);
        }
        this.addToIndex(index, record, field, caseSensitive);
      }
    }
    if (context && changes.length) for (const listener of this.listeners) listener({ context, changes });
  }
}

export class Transaction implements RecordReader {
  private readonly staged = new Map<string, StoredRecord>();
  private done = false;

  constructor(
    private readonly store: RecordStore,
    private readonly context: CommitContext | null,
  ) {}

  get(id: string): StoredRecord | undefined {
    return this.staged.get(id) ?? this.store.get(id);
  }

  list(type: string): StoredRecord[] {
    const base = this.store.list(type).map((r) => this.staged.get(r.values['Id'] as string) ?? r);
    const added = [...this.staged.entries()]
      .filter(([id, r]) => r.type === type && !this.store.get(id))
      .map(([, r]) => r);
    return [...base, ...added];
  }

  findBy(type: string, field: string, value: FieldValue, caseSensitive: boolean): StoredRecord[] {
    const key = indexKey(value, caseSensitive);
    if (key === undefined) return [];
    // Committed matches as this transaction sees them, then rows staged here that match.
    const committed = this.store
      .findBy(type, field, value, caseSensitive)
      .map((r) => this.staged.get(r.values['Id'] as string) ?? r)
      .filter((r) => indexKey(r.values[field] ?? null, caseSensitive) === key);
    const seen = new Set(committed.map((r) => r.values['Id']));
    const staged = [...this.staged.values()].filter(
      (r) => r.type === type && !seen.has(r.values['Id']) && indexKey(r.values[field] ?? null, caseSensitive) === key,
    );
    return [...committed, ...staged];
  }

  nextId(keyPrefix: string): string {
    return this.store.nextId(keyPrefix);
  }

  /** The user this transaction writes as; null for rows the platform writes itself. */
  get userId(): string | null {
    return this.context?.userId ?? null;
  }

  put(record: StoredRecord): void {
    if (this.done) throw new Error('transaction already finished');
    this.staged.set(record.values['Id'] as string, record);
  }

  get changes(): number {
    return this.staged.size;
  }

  commit(): void {
    if (this.done) throw new Error('transaction already finished');
    this.done = true;
    this.store.apply(this.staged, this.context);
  }

  rollback(): void {
    this.done = true;
    this.staged.clear();
  }
}
