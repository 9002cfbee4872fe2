/**
 * Every committed call that changed data, in commit order, for tests that count who wrote what and when (e.g. that
 * the hub writes nothing more once a flow settled). Kept in memory, the newest 10,000.
 */
import type { WriteNote } from '../orm/env';

export interface WriteLogEntry {
  seq: number;
  /** ISO time of the commit. */
  at: string;
  db: string;
  uid: number;
  login: string;
  protocol: 'jsonrpc' | 'json2';
  model: string;
  method: string;
  /** The records the call was made on (empty for @api.model methods). */
  ids: number[];
  /** What the ORM created, wrote and deleted, model by model. */
  changes: WriteNote[];
}

export interface WriteLogFilter {
  after?: number;
  login?: string;
  db?: string;
}

const MAX_ENTRIES = 10_000;

export class WriteLog {
  private entries: WriteLogEntry[] = [];
  private seq = 0;

  add(entry: Omit<WriteLogEntry, 'seq' | 'at'>): void {
    this.entries.push({ ...entry, seq: ++this.seq, at: new Date().toISOString() });
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  list(filter: WriteLogFilter = {}): WriteLogEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.after === undefined || e.seq > filter.after) &&
        (filter.login === undefined || e.login === filter.login) &&
        (filter.db === undefined || e.db === filter.db),
    );
  }

  get last(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
