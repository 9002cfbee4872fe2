import { buildId } from './record-id';

export type FieldValue = string | number | boolean | null;

/** A stored row: the object's name and its field values keyed by the catalogue's field names. */
export interface StoredRecord {
  readonly type: string;
  readonly values: Readonly<Record<string, FieldValue>>;
}

export interface RecordReader {
  /** By 18-character Id, deleted rows included. */
  get(id: string): StoredRecord | undefined;
  /** All rows of one object in creation order, deleted rows included. */
  list(type: string): StoredRecord[];
}

/**
 * The sandbox's in-memory database. Writes go through a {@link Transaction} so that an
 * all-or-none collection can be discarded whole; nothing is visible to readers before commit.
 */
export class RecordStore implements RecordReader {
  private readonly rows = new Map<string, StoredRecord>();
  private readonly serials = new Map<string, number>();

  get(id: string): StoredRecord | undefined {
    return this.rows.get(id);
  }

  list(type: string): StoredRecord[] {
    return [...this.rows.values()].filter((r) => r.type === type);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Ids are consumed even when the transaction that asked for one is rolled back, as in Salesforce. */
  nextId(keyPrefix: string): string {
    const serial = (this.serials.get(keyPrefix) ?? 0) + 1;
    this.serials.set(keyPrefix, serial);
    return buildId(keyPrefix, serial);
  }

  begin(): Transaction {
    return new Transaction(this);
  }

  clear(): void {
    this.rows.clear();
    this.serials.clear();
  }

  /** @internal used by Transaction.commit */
  apply(staged: ReadonlyMap<string, StoredRecord>): void {
    for (const [id, record] of staged) this.rows.set(id, record);
  }
}

export class Transaction implements RecordReader {
  private readonly staged = new Map<string, StoredRecord>();
  private done = false;

  constructor(private readonly store: RecordStore) {}

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

  nextId(keyPrefix: string): string {
    return this.store.nextId(keyPrefix);
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
    this.store.apply(this.staged);
  }

  rollback(): void {
    this.done = true;
    this.staged.clear();
  }
}
