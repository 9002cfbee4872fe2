#!/usr/bin/env node
// Salesforce sandbox footprint: the heap an org of ROWS accounts takes, written through the DML as the REST and Bulk
// APIs write (upserts by Odoo_Id__c, so with that index), and again once replayed from its journal on disk, as a
// sandbox with a data directory restarts. Each phase runs in a process of its own, so one's garbage does not count in
// the other's figures. Needs no stack.
// Usage: node -r ts-node/register/transpile-only bench/salesforce-footprint.ts [rows=1000000]
// Prints the figures and writes bench/results/salesforce-footprint.json. The budget: 1,000,000 rows < 1 GB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ORDER_MANAGEMENT_RULES } from '../sandboxes/salesforce/order-management.rules';
import { JOURNAL_FILE, RecordJournal } from '../sandboxes/salesforce/record.journal';
import { RecordStore } from '../sandboxes/salesforce/record.store';
import { SObjectDml } from '../sandboxes/salesforce/sobject-dml.service';
import { DEFAULT_SOBJECTS, SObjectCatalogue, type FieldDef } from '../sandboxes/salesforce/sobject.catalogue';
import { writeResults } from './support/bench-stack';

export interface PhaseFigures {
  rows: number;
  ms: number;
  heapBytes: number;
  bytesPerRow: number;
  rssBytes: number;
}

export interface FootprintFigures {
  written: PhaseFigures;
  replayed: PhaseFigures;
  journalBytes: number;
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
};

const heapUsed = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

function figures(rows: number, started: number, before: number): PhaseFigures {
  const heapBytes = heapUsed() - before;
  return {
    rows,
    ms: Date.now() - started,
    heapBytes,
    bytesPerRow: heapBytes / rows,
    rssBytes: process.memoryUsage().rss,
  };
}

/** Phase 1: `rows` accounts upserted through the DML, then saved as a journal snapshot in `dir`. */
function write(rows: number, dir: string): PhaseFigures {
  const catalogue = new SObjectCatalogue(DEFAULT_SOBJECTS);
  const account = catalogue.get('Account')!;
  const odooId = account.fields.find((f) => f.name === 'Odoo_Id__c') as FieldDef;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const dml = new SObjectDml(catalogue, () => new Date(clock++), ORDER_MANAGEMENT_RULES);
  const store = new RecordStore();
  const before = heapUsed();
  const started = Date.now();
  for (let i = 0; i < rows; i++) {
    const tx = store.begin({ userId: '005000000000001AAA', changeOrigin: '' });
    const body = { Name: `Account ${i}`, BillingCity: `City ${i % 7}`, Phone: '+33 1 23 45 67 89' };
    const outcome = dml.upsert(tx, account, odooId, `acc-${i}`, dml.parse(account, body));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    tx.commit();
  }
  const result = figures(rows, started, before);
  const { journal } = RecordJournal.open(dir, store.idSpace);
  journal.compact({ ...store.snapshot(), idSpace: store.idSpace, apiUsage: 0 });
  journal.close();
  return result;
}

/** Phase 2: the journal in `dir` loaded as a restarting sandbox loads it, the Odoo_Id__c index built. */
function replay(dir: string): PhaseFigures {
  const before = heapUsed();
  const started = Date.now();
  const { journal, state } = RecordJournal.open(dir, { pod: 'xx', firstSerial: 1 });
  const store = new RecordStore(state.idSpace);
  store.load(state.records.values(), state.serials);
  state.records.clear();
  journal.close();
  if (store.findBy('Account', 'Odoo_Id__c', 'acc-0', false).length !== 1) throw new Error('acc-0 not found');
  const result = figures(store.size, started, before);
  (globalThis as { keep?: unknown }).keep = store;
  return result;
}

/** Runs both phases, each in a child process, on `rows` accounts. */
export function measureFootprint(rows: number): FootprintFigures {
  const dir = mkdtempSync(join(tmpdir(), 'sf-footprint-'));
  const run = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, ...args], {
        cwd: join(__dirname, '..'),
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as PhaseFigures;
  try {
    const written = run('--write', String(rows), dir);
    const journalBytes = statSync(join(dir, JOURNAL_FILE)).size;
    const replayed = run('--replay', dir);
    return { written, replayed, journalBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === '--write') {
    process.stdout.write(JSON.stringify(write(Number(a), b as string)));
  } else if (mode === '--replay') {
    process.stdout.write(JSON.stringify(replay(a as string)));
  } else {
    const rows = Number(mode ?? 1_000_000);
    const result = measureFootprint(rows);
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    process.stdout.write(
      `salesforce sandbox footprint, ${rows} accounts:\n` +
        `  written through the DML: ${mb(result.written.heapBytes)} of heap, ` +
        `${result.written.bytesPerRow.toFixed(0)} bytes per row, in ${result.written.ms} ms\n` +
        `  replayed from the journal (${mb(result.journalBytes)} on disk): ${mb(result.replayed.heapBytes)} of heap, ` +
        `${result.replayed.bytesPerRow.toFixed(0)} bytes per row, in ${result.replayed.ms} ms ` +
        `(snapshot rewrite included), process RSS ${mb(result.replayed.rssBytes)}\n`,
    );
    writeResults('salesforce-footprint', result);
  }
}
