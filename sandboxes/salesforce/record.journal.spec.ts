import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { JOURNAL_FILE, LOCK_FILE, RecordJournal } from './record.journal';
import { RecordStore, type StoredRecord } from './record.store';

const SPACE = { pod: 'Jr', firstSerial: 1 };

const account = (id: string, name: string, extra: Record<string, unknown> = {}): StoredRecord => ({
  type: 'Account',
  values: { Id: id, Name: name, IsDeleted: false, ...extra } as StoredRecord['values'],
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sf-journal-'));
}

describe('RecordJournal', () => {
  it('starts empty in a new directory, with the Id space it is given', () => {
    const { journal, state } = RecordJournal.open(join(tempDir(), 'nested', 'org'), SPACE);
    journal.close();
    expect(state.records.size).toBe(0);
    expect(state.idSpace).toEqual(SPACE);
    expect(state.apiUsage).toBe(0);
  });

  it('replays rows in creation order, later versions replacing earlier ones, with serials and API usage', () => {
    const dir = tempDir();
    const first = RecordJournal.open(dir, SPACE).journal;
    first.append({ records: [account('a1', 'One'), account('a2', 'Two')], serials: { '001': 2 }, apiUsage: 3 });
    first.append({ records: [account('a1', 'One, renamed')], apiUsage: 4 });
    first.append({ records: [account('a2', 'Two', { IsDeleted: true })], serials: { '001': 5, '003': 9 } });
    first.close();

    // Another Id space asked for: the journal keeps its own, or Ids would collide with the rows it holds.
    const { journal, state } = RecordJournal.open(dir, { pod: 'Zz', firstSerial: 77 });
    journal.close();
    expect(state.idSpace).toEqual(SPACE);
    expect([...state.records.keys()]).toEqual(['a1', 'a2']);
    expect(state.records.get('a1')?.values['Name']).toBe('One, renamed');
    expect(state.records.get('a2')?.values['IsDeleted']).toBe(true);
    expect(state.serials).toEqual({ '001': 5, '003': 9 });
    expect(state.apiUsage).toBe(4);
  });

  it('forgets what came before a clear (an admin reset)', () => {
    const dir = tempDir();
    const first = RecordJournal.open(dir, SPACE).journal;
    first.append({ records: [account('a1', 'Gone')], serials: { '001': 1 } });
    first.append({ clear: true });
    first.append({ records: [account('a9', 'After')] });
    first.close();
    const { journal, state } = RecordJournal.open(dir, SPACE);
    journal.close();
    expect([...state.records.keys()]).toEqual(['a9']);
    expect(state.serials).toEqual({});
  });

  it('ignores a last line cut short by a crash, and drops it from the file', () => {
    const dir = tempDir();
    const first = RecordJournal.open(dir, SPACE).journal;
    first.append({ records: [account('a1', 'Kept')] });
    first.close();
    const path = join(dir, JOURNAL_FILE);
    appendFileSync(path, '{"records":[{"type":"Account","values":{"Id":"a2","Na');

    const second = RecordJournal.open(dir, SPACE);
    expect(second.state.tornTail).toBe(true);
    expect([...second.state.records.keys()]).toEqual(['a1']);
    // Appends after the torn line start on a line of their own.
    second.journal.append({ records: [account('a3', 'Later')] });
    second.journal.close();
    expect(readFileSync(path, 'utf8')).not.toContain('"Na\n');

    const { journal, state } = RecordJournal.open(dir, SPACE);
    journal.close();
    expect(state.tornTail).toBe(false);
    expect([...state.records.keys()]).toEqual(['a1', 'a3']);
  });

  it('refuses a journal damaged before its last line, naming the line', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, JOURNAL_FILE),
      `${JSON.stringify({ v: 1, idSpace: SPACE })}\nnot json\n${JSON.stringify({ records: [account('a1', 'x')] })}\n`,
    );
    expect(() => RecordJournal.open(dir, SPACE)).toThrow(/damaged at line 2/);
    // The failed open let go of the directory.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a journal of another format version', () => {
    const dir = tempDir();
    writeFileSync(join(dir, JOURNAL_FILE), `${JSON.stringify({ v: 2, idSpace: SPACE })}\n`);
    expect(() => RecordJournal.open(dir, SPACE)).toThrow(/format 2/);
  });

  it('compacts into a snapshot of the live state, smaller than the journal it replaces', () => {
    const dir = tempDir();
    const path = join(dir, JOURNAL_FILE);
    const { journal } = RecordJournal.open(dir, SPACE, { compactAfterBytes: 10_000 });
    for (let i = 0; i < 200; i++) journal.append({ records: [account('a1', `Version ${i}`)], apiUsage: i });
    expect(journal.wantsCompaction).toBe(true);
    const before = statSync(path).size;
    const records = new Map([['a1', account('a1', 'Version 199')]]);
    journal.compact({ idSpace: SPACE, records, serials: { '001': 1 }, apiUsage: 199 });
    expect(journal.wantsCompaction).toBe(false);
    expect(statSync(path).size).toBeLessThan(before / 10);
    journal.append({ records: [account('a2', 'After compaction')] });
    journal.close();

    const { journal: again, state } = RecordJournal.open(dir, SPACE);
    again.close();
    expect(state.records.get('a1')?.values['Name']).toBe('Version 199');
    expect([...state.records.keys()]).toEqual(['a1', 'a2']);
    expect(state.apiUsage).toBe(199);
  });

  it('reads back a journal longer than one read chunk, with rows split across chunks', () => {
    const dir = tempDir();
    const { journal } = RecordJournal.open(dir, SPACE);
    const long = 'x'.repeat(5000);
    for (let i = 0; i < 600; i++) journal.append({ records: [account(`a${i}`, `${i} ${long}`)] });
    journal.close();
    const { journal: again, state } = RecordJournal.open(dir, SPACE);
    again.close();
    expect(state.records.size).toBe(600);
    expect(state.records.get('a599')?.values['Name']).toBe(`599 ${long}`);
  });

  it('refuses a directory another live process holds, and takes over one a killed process left', () => {
    const dir = tempDir();
    const { journal } = RecordJournal.open(dir, SPACE);
    expect(() => RecordJournal.open(dir, SPACE)).toThrow(/in use by process \d+/);
    journal.close();
    // A pid that cannot be alive: the lock of a process killed before it could remove it.
    writeFileSync(join(dir, LOCK_FILE), '2147483646');
    const again = RecordJournal.open(dir, SPACE);
    again.journal.close();
  });
});

describe('RecordStore with a journal', () => {
  it('journals each commit before applying it, with the Id serials it consumed, and applies nothing on failure', () => {
    const entries: unknown[] = [];
    const store = new RecordStore(SPACE);
    store.persistTo((entry) => entries.push(entry));
    const tx = store.begin(null);
    const id = tx.nextId('001');
    tx.put(account(id, 'Acme'));
    tx.commit();
    expect(entries).toEqual([{ records: [account(id, 'Acme')], serials: { '001': 1 } }]);

    store.persistTo(() => {
      throw new Error('disk full');
    });
    const failing = store.begin(null);
    const second = failing.nextId('001');
    failing.put(account(second, 'Lost'));
    expect(() => failing.commit()).toThrow('disk full');
    expect(store.get(second)).toBeUndefined();
  });

  it('loads what a journal replayed, and counts Ids on from the serials it kept', () => {
    const store = new RecordStore(SPACE);
    store.load([account('001Jr0000000001IAA', 'Acme')], { '001': 7 });
    expect(store.list('Account')).toHaveLength(1);
    expect(store.findBy('Account', 'Name', 'acme', false)).toHaveLength(1);
    expect(store.nextId('001')).toBe('001Jr0000000008IAA');
    expect(() => store.load([], {})).toThrow(/not empty/);
  });
});
