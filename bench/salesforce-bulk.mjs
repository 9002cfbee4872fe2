#!/usr/bin/env node
// Measures the Salesforce projector under bulk loads: a 10,000-partner initial snapshot end to end (Debezium, odoo-cdc,
// projector, sandbox), the projector alone draining the same backlog, and an order's latency during a 50,000-product
// load. Runs the integration test that checks correctness (call budget, links, lanes) and records its figures.
// Usage: node bench/salesforce-bulk.mjs [partners=10000] [products=50000]; the stack must be up (scripts/stack up).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const partners = Number(process.argv[2] ?? 10_000);
const products = Number(process.argv[3] ?? 50_000);
const result = spawnSync(
  'npx',
  [
    'jest',
    '--selectProjects',
    'integration',
    '--runInBand',
    '--runTestsByPath',
    'test/integration/salesforce-bulk.int-spec.ts',
  ],
  {
    cwd: root,
    env: {
      ...process.env,
      HUB_SF_SNAPSHOT_PARTNERS: String(partners),
      HUB_SF_BULK_PRODUCTS: String(products),
      // The drain again with spans not exported and with tracing off: the cost of tracing, side by side.
      HUB_SF_DRAIN_TRACING: '1',
    },
    encoding: 'utf8',
  },
);
const out = result.stdout + result.stderr;
const snapshot =
  /salesforce snapshot: (\d+) partners, (\d+) API calls \(([\d.]+) per 1000 records\), ([\d.]+) s end to end \((\d+)\/s\)/.exec(
    out,
  );
const drainLine = (label) =>
  new RegExp(
    `salesforce backlog drain${label}: (\\d+) partners, (\\d+) API calls \\(([\\d.]+) per 1000 records\\), ([\\d.]+) s including start \\((\\d+)\\/s\\)`,
  );
const drainUnexported = drainLine(' \\(spans not exported\\)').exec(out);
const drainUntraced = drainLine(' \\(tracing off\\)').exec(out);
const drain =
  /salesforce backlog drain: (\d+) partners, (\d+) API calls \(([\d.]+) per 1000 records\), ([\d.]+) s including start \((\d+)\/s\)/.exec(
    out,
  );
const lanes =
  /salesforce priority lanes: order landed after ([\d.]+) s with (\d+) of (\d+) products loaded; the load took ([\d.]+) s/.exec(
    out,
  );
if (result.status !== 0 || !snapshot || !drain || !drainUnexported || !drainUntraced || !lanes) {
  console.error(out.slice(-6000));
  console.error('bench: the bulk test failed; no figures');
  process.exit(1);
}
/** The figures of a snapshot or drain line: partners, calls, calls per 1,000 records, seconds, records/s. */
const callFigures = (m) => ({
  partners: Number(m[1]),
  apiCalls: Number(m[2]),
  apiCallsPer1000Records: Number(m[3]),
  seconds: Number(m[4]),
  recordsPerSecond: Number(m[5]),
});
const figures = {
  bench: 'salesforce-bulk',
  at: new Date().toISOString(),
  cores: 2,
  snapshot: callFigures(snapshot),
  projectorDrain: callFigures(drain),
  // Spans exported to the stack's Jaeger (as the row above, when Jaeger is up), made but not exported, not made.
  projectorDrainSpansNotExported: callFigures(drainUnexported),
  projectorDrainTracingOff: callFigures(drainUntraced),
  priorityLanes: {
    orderSeconds: Number(lanes[1]),
    productsLoadedWhenOrderLanded: Number(lanes[2]),
    products: Number(lanes[3]),
    productLoadSeconds: Number(lanes[4]),
  },
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/salesforce-bulk.json'), JSON.stringify(figures, null, 2) + '\n');
console.log(figures);
