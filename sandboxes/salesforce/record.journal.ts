/**
 * The org on disk: an append-only journal of committed rows, one JSON line per commit, replayed at start and
 * compacted into a snapshot (the same format: the live rows, a few thousand per line) when it has grown.
 *
 * Why a hand-written journal: the sandbox runs on Node 20, which has no `node:sqlite`, and a native SQLite module
 * would be a new dependency for a test double. The format is newline-delimited JSON, so an operator can read it.
 *
 * Durability: every line is written with a synchronous `write(2)` before the commit is applied in memory, so before
 * the HTTP answer is sent; a write a client saw acknowledged survives the process being killed (SIGKILL included),
 * as the kernel holds the bytes. With `fsync` the line is also flushed to the disk (`fdatasync`), which survives a
 * power loss too, at about a millisecond per commit.
 *
 * A crash can cut the last line short: replay ignores a last line without its newline (that commit was never
 * acknowledged) and the next compaction drops it. A bad line anywhere else means the file was damaged, and opening
 * fails with its line number rather than starting from half an org.
 */
import {
  closeSync,
  existsSync,
  readFileSync,
  unlinkSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

import type { RecordIdSpace, StoredRecord } from './record.store';

/** The file name inside the data directory. */
export const JOURNAL_FILE = 'salesforce-org.jsonl';
/** Holds the pid of the sandbox using the directory: two writers would interleave their lines. */
export const LOCK_FILE = 'salesforce-org.lock';
const FORMAT_VERSION = 1;

/** One line of the journal. Fields absent from a line leave that part of the state as it was. */
export interface JournalEntry {
  /** The org was emptied (admin reset) before this line's rows. */
  clear?: true;
  /** Rows as committed, whole (a delete is a row with `IsDeleted: true`, as Salesforce soft-deletes). */
  records?: readonly StoredRecord[];
  /** The last Id serial handed out per key prefix, when it moved (Ids of rolled-back writes are consumed too). */
  serials?: Readonly<Record<string, number>>;
  /** The API requests counted so far (`Sforce-Limit-Info` api-usage). */
  apiUsage?: number;
}

/** What a journal holds after replay. */
export interface JournalState {
  /** Absent in a new journal: the caller picks the org's Id space and the journal keeps it from then on. */
  idSpace?: RecordIdSpace;
  /** Every row by Id, in the order each was first created. */
  records: Map<string, StoredRecord>;
  serials: Record<string, number>;
  apiUsage: number;
  /** Lines replayed, and whether a cut-short last line was dropped. */
  lines: number;
  tornTail: boolean;
}

export interface JournalOptions {
  /** Flush every line to the disk (survives a power loss, not only a crash of the process). Default false. */
  fsync?: boolean;
  /** Compact when this many bytes were appended since the last snapshot and they outweigh it (default 64 MiB). */
  compactAfterBytes?: number;
}

type Line = JournalEntry & { v?: number; idSpace?: RecordIdSpace; records?: StoredRecord[] };

const READ_CHUNK = 1 << 20;
/** Rows per snapshot line: long enough to keep per-line overhead low, short enough to stay well under V8's string limit. */
const SNAPSHOT_ROWS_PER_LINE = 2000;

/** Calls `onLine` for every complete line; returns whether bytes after the last newline were left over. */
function readLines(path: string, onLine: (line: string, lineNo: number) => void): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(READ_CHUNK);
    let pending: Buffer[] = [];
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_CHUNK, null);
      if (n === 0) break;
      let start = 0;
      const chunk = buffer.subarray(0, n);
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, nl));
        onLine(Buffer.concat(pending).toString('utf8'), ++lineNo);
        pending = [];
        start = nl + 1;
      }
      // Copied: the read buffer is reused for the next chunk.
      if (start < n) pending.push(Buffer.from(chunk.subarray(start)));
    }
    return pending.some((b) => b.length > 0);
  } finally {
    closeSync(fd);
  }
}

function applyLine(state: JournalState, line: Line): void {
  if (line.idSpace) state.idSpace = line.idSpace;
  if (line.clear) {
    state.records.clear();
    state.serials = {};
  }
  for (const r of line.records ?? []) state.records.set(r.values['Id'] as string, r);
  if (line.serials) Object.assign(state.serials, line.serials);
  if (line.apiUsage !== undefined) state.apiUsage = line.apiUsage;
}

/** The journal of one org: open it with {@link RecordJournal.open}, append while the org runs, close at the end. */
export class RecordJournal {
  private fd: number;
  private appended = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly lock: string,
    private snapshotBytes: number,
    private readonly options: Required<JournalOptions>,
  ) {
    this.fd = openSync(path, 'a');
  }

  /**
   * Replays `<dir>/salesforce-org.jsonl` (creating the directory when needed), then rewrites it as a snapshot of
   * what it held, so a torn tail and superseded rows are gone before the first append. `idSpace` is used only when
   * the journal is new. Throws naming the file and line when the journal is damaged.
   */
  static open(
    dir: string,
    idSpace: RecordIdSpace,
    options: JournalOptions = {},
  ): { journal: RecordJournal; state: JournalState & { idSpace: RecordIdSpace } } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, JOURNAL_FILE);
    const lock = takeLock(join(dir, LOCK_FILE));
    try {
      return RecordJournal.replay(path, lock, idSpace, options);
    } catch (e) {
      unlinkSync(lock);
      throw e;
    }
  }

  private static replay(
    path: string,
    lock: string,
    idSpace: RecordIdSpace,
    options: JournalOptions,
  ): { journal: RecordJournal; state: JournalState & { idSpace: RecordIdSpace } } {
    const state: JournalState = { records: new Map(), serials: {}, apiUsage: 0, lines: 0, tornTail: false };
    if (existsSync(path)) {
      state.tornTail = readLines(path, (text, lineNo) => {
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch (e) {
          throw new Error(`Salesforce sandbox journal ${path} is damaged at line ${lineNo}: ${(e as Error).message}`);
        }
        if (line.v !== undefined && line.v !== FORMAT_VERSION) {
          throw new Error(
            `Salesforce sandbox journal ${path} has format ${line.v}; this sandbox reads ${FORMAT_VERSION}`,
          );
        }
        applyLine(state, line);
        state.lines = lineNo;
      });
    }
    const full = { ...state, idSpace: state.idSpace ?? idSpace };
    const resolved: Required<JournalOptions> = {
      fsync: options.fsync ?? false,
      compactAfterBytes: options.compactAfterBytes ?? 64 * 1024 * 1024,
    };
    const snapshotBytes = writeSnapshot(path, full);
    return { journal: new RecordJournal(path, lock, snapshotBytes, resolved), state: full };
  }

  /**
   * Appends one line and returns once the kernel has it (and the disk, with `fsync`). Throws on an I/O error: the
   * caller must then not apply the commit.
   */
  append(entry: JournalEntry): void {
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    if (this.options.fsync) fdatasyncSync(this.fd);
    this.appended += bytes.length;
  }

  /** Whether enough was appended since the last snapshot that rewriting it pays (see `compactAfterBytes`). */
  get wantsCompaction(): boolean {
    return this.appended >= this.options.compactAfterBytes && this.appended >= this.snapshotBytes;
  }

  /**
   * Replaces the journal with a snapshot of `state` (written beside it, flushed, then renamed over it); a no-op once
   * closed. On an I/O error the old journal stays in place and in use.
   */
  compact(state: Omit<JournalState, 'lines' | 'tornTail'> & { idSpace: RecordIdSpace }): void {
    if (this.closed) return;
    this.snapshotBytes = writeSnapshot(this.path, state);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.appended = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.options.fsync) fsyncSync(this.fd);
    closeSync(this.fd);
    unlinkSync(this.lock);
  }
}

/** Creates the lock file, taking over one left by a process that is gone (killed); throws when it is alive. */
function takeLock(lock: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new Error(`Salesforce sandbox data directory is in use by process ${holder} (${lock})`);
    }
    unlinkSync(lock);
  }
  throw new Error(`Salesforce sandbox data directory: could not take ${lock}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `state` to `<path>.tmp`, flushes it and renames it over `path`: a crash leaves the old or the new file. */
function writeSnapshot(
  path: string,
  state: Omit<JournalState, 'lines' | 'tornTail'> & { idSpace: RecordIdSpace },
): number {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let size = 0;
  try {
    const write = (line: Line) => {
      const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    };
    write({ v: FORMAT_VERSION, idSpace: state.idSpace, serials: state.serials, apiUsage: state.apiUsage });
    let chunk: StoredRecord[] = [];
    for (const record of state.records.values()) {
      chunk.push(record);
      if (chunk.length === SNAPSHOT_ROWS_PER_LINE) {
        write({ records: chunk });
        chunk = [];
      }
    }
    if (chunk.length) write({ records: chunk });
    fsyncSync(fd);
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // The rename itself is durable only once the directory is flushed.
  const dirFd = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return size;
}
