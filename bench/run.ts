#!/usr/bin/env node
// npm run bench: every benchmark scenario on the local stack, one after another, each measured against its reference
// in the same run on the same machine; then one table, also written to bench/results/bench.json.
//   npm run bench                      capture, snapshot, projection, projection-scale, freshness
//   npm run bench -- --only capture    some of them (comma-separated)
//   npm run bench -- --large           the snapshot of 1,000,000 partners and the projection of 1,000,000 as well
//   npm run bench -- --all             also the ingress and Odoo-orders benches of the other flows
//   npm run bench -- --projection-records 50000   projection-scale's large size (default 100,000), for a slow machine
// The stack must be up (scripts/stack up); the apps must be built (npm run build).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrainFigures as DrainRun, RunFigures as ProjectionRun } from './projection-scale';
import { readStack } from './support/bench-stack';

const ROOT = join(__dirname, '..');
const TS = ['-r', 'ts-node/register/transpile-only'];

interface Rate {
  changes: number;
  seconds: number;
  perSecond: number;
}
interface CaptureFigures {
  debezium: { partners: Rate; orders: Rate };
  odooCdc: { partners: Rate; orders: Rate };
  odooCdcFlushPerChange: { partners: Rate; orders: Rate };
  odooCdc1MiBFetches: { partners: Rate; orders: Rate };
  ratios: Record<
    | 'partnersOdooCdcToDebezium'
    | 'ordersOdooCdcToDebezium'
    | 'partnersPerFetchToPerChange'
    | 'ordersPerFetchToPerChange'
    | 'partnersDefaultTo1MiBFetches'
    | 'ordersDefaultTo1MiBFetches',
    number
  >;
}
interface SnapshotFigures {
  partners: number;
  seconds: number;
  recordsPerSecond: number;
  odooCdcPeakRssMiB: number;
  /** odoo-cdc's node flags in the run above: the Helm chart's. */
  heapFlags: string;
  /** The same snapshot with node's default heap limit, side by side. */
  defaultHeap: { seconds: number; recordsPerSecond: number; odooCdcPeakRssMiB: number };
}
interface CallFigures {
  seconds: number;
  recordsPerSecond: number;
  apiCallsPer1000Records: number;
}
interface ProjectionFigures {
  snapshot: CallFigures;
  projectorDrain: CallFigures;
  projectorDrainSpansNotExported: CallFigures;
  projectorDrainTracingOff: CallFigures;
  priorityLanes: { orderSeconds: number; productsLoadedWhenOrderLanded: number; products: number };
}

interface ScaleRatios {
  microsecondsPerRecord: number;
  odooCdcPeakRss: number;
  projectorPeakRss: number;
  sandboxPeakRss: number;
}
interface ProjectionScaleFigures {
  flatUpTo: number;
  runs: { base: ProjectionRun; main: ProjectionRun; scaleOut: ProjectionRun; large?: ProjectionRun };
  drains: { one: DrainRun; scaleOut: DrainRun };
  ratios: {
    scaleOutToOneInstance: number;
    drainScaleOutToOneInstance: number;
    mainToBase: ScaleRatios;
    largeToBase?: ScaleRatios;
  };
}

interface LatencyFigures {
  probes: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}
interface FreshnessFigures {
  achievedChangesPerSecond: number;
  quiet: LatencyFigures;
  underLoad: LatencyFigures;
}

interface Scenario<F = unknown> {
  name: string;
  what: string;
  command: string[];
  /** The JSON file the scenario writes, under bench/results. */
  result: string;
  /** Rows for the final table, from the scenario's figures. */
  rows(figures: F): string[][];
}

const snapshot = (partners: number): Scenario<SnapshotFigures> => ({
  name: partners > 100_000 ? 'snapshot-large' : 'snapshot',
  what: `initial snapshot of ${partners.toLocaleString('en')} partners through Debezium and odoo-cdc`,
  command: ['bench/initial-snapshot.mjs', String(partners)],
  result: 'initial-snapshot.json',
  rows: (f) => [
    [
      `snapshot ${f.partners.toLocaleString('en')} partners`,
      `${f.seconds} s, ${f.recordsPerSecond}/s`,
      `peak RSS ${f.odooCdcPeakRssMiB} MiB (chart's ${f.heapFlags}); node's default heap: ${f.defaultHeap.seconds} s, ${f.defaultHeap.odooCdcPeakRssMiB} MiB`,
      'target < 30 s, < 256 MiB',
    ],
  ],
});

const ARGS = process.argv.slice(2);
/** A flag's value: `--name value` or `--name=value`. */
const flag = (name: string): string | undefined =>
  ARGS.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ??
  (ARGS.includes(name) ? ARGS[ARGS.indexOf(name) + 1] : undefined);
const LARGE = ARGS.includes('--large');
const PROJECTION_RECORDS = Number(flag('--projection-records') ?? 100_000);

const count = (n: number) => n.toLocaleString('en');
/** A ratio of a larger run's figure to the 10,000 run's, and whether it stays flat (within the bench's margin). */
const flatness = (ratio: number, flatUpTo: number) => `×${ratio}, ${ratio <= flatUpTo ? 'flat' : 'grows'}`;

/** The rows comparing one larger run with the 10,000 run: time per record and each process's peak memory. */
function scalingRows(base: ProjectionRun, run: ProjectionRun, ratios: ScaleRatios, flatUpTo: number): string[][] {
  const sizes = `${count(base.records)} → ${count(run.records)}`;
  return [
    [
      `scaling ${sizes}: time per record`,
      `${base.microsecondsPerRecord} → ${run.microsecondsPerRecord} µs`,
      flatness(ratios.microsecondsPerRecord, flatUpTo),
      'flat',
    ],
    [
      `scaling ${sizes}: odoo-cdc peak RSS`,
      `${base.odooCdcPeakRssMiB} → ${run.odooCdcPeakRssMiB} MiB`,
      flatness(ratios.odooCdcPeakRss, flatUpTo),
      'flat',
    ],
    [
      `scaling ${sizes}: projector peak RSS`,
      `${base.projectorPeakRssMiB} → ${run.projectorPeakRssMiB} MiB`,
      flatness(ratios.projectorPeakRss, flatUpTo),
      'flat',
    ],
    [
      `scaling ${sizes}: sandbox peak RSS`,
      `${base.sandboxPeakRssMiB} → ${run.sandboxPeakRssMiB} MiB`,
      `${flatness(ratios.sandboxPeakRss, flatUpTo)} (the org holds every record)`,
      '',
    ],
  ];
}

const projectionScale: Scenario<ProjectionScaleFigures> = {
  name: 'projection-scale',
  what:
    `partners end to end into the Salesforce sandbox: 10,000 and ${count(PROJECTION_RECORDS)} with one projector, ` +
    `${count(PROJECTION_RECORDS)} with three, the projectors alone draining it${LARGE ? ', 1,000,000 with one' : ''}`,
  command: [...TS, 'bench/projection-scale.ts', String(PROJECTION_RECORDS), ...(LARGE ? ['--large'] : [])],
  result: 'projection-scale.json',
  rows: ({ runs, drains, ratios, flatUpTo }) => {
    const { base, main, scaleOut, large } = runs;
    const calls = (r: ProjectionRun | DrainRun) =>
      `${r.apiCalls} calls (Bulk API ${r.bulkApiCalls} in ${r.bulkJobs} jobs, collections ${r.collectionsCalls}), ${r.apiCallsPer1000Records} / 1,000`;
    // When odoo-cdc had published every partner: the rest of the run is the projectors catching up.
    const captured = (r: ProjectionRun) =>
      r.capturedSeconds === null ? '' : ` (all published by odoo-cdc at ${r.capturedSeconds} s)`;
    const partitionsOf = (r: ProjectionRun) =>
      Object.entries(r.partitions)
        .map(([topic, n]) => `${topic} ${n}`)
        .join(', ');
    const percent = (share: number | null) => (share === null ? '?' : `${Math.round(share * 100)} %`);
    const share = (r: ProjectionRun | DrainRun) =>
      `${count(r.records)}${r.instances > 1 ? ` × ${r.instances}` : ''} ${percent(r.sandboxShareOfRun)} ` +
      `(CPU ${percent(r.sandboxCpuShareOfRun)})`;
    return [
      [
        `projection: ${count(main.records)} end to end`,
        `${main.seconds} s, ${main.recordsPerSecond}/s${captured(main)}`,
        calls(main),
        'target ≥ 3,000/s, ≤ 5.5 calls / 1,000',
      ],
      [
        `projection: ${count(scaleOut.records)}, ${scaleOut.instances} projectors`,
        `${scaleOut.seconds} s, ${scaleOut.recordsPerSecond}/s${captured(scaleOut)}`,
        `ratio to one instance ${ratios.scaleOutToOneInstance} (partitions: ${partitionsOf(scaleOut)}); ` +
          calls(scaleOut),
        '',
      ],
      [
        `projection: ${count(drains.one.records)}, projectors alone`,
        `one ${drains.one.seconds} s, ${drains.one.recordsPerSecond}/s; ` +
          `${drains.scaleOut.instances} ${drains.scaleOut.seconds} s, ${drains.scaleOut.recordsPerSecond}/s`,
        `ratio ${drains.scaleOut.instances} to one ${ratios.drainScaleOutToOneInstance}; one: ${calls(drains.one)}; ` +
          `${drains.scaleOut.instances}: ${calls(drains.scaleOut)}`,
        '',
      ],
      ...(large
        ? [
            [
              `projection: ${count(large.records)} end to end`,
              `${large.seconds} s, ${large.recordsPerSecond}/s${captured(large)}`,
              calls(large),
              '',
            ],
          ]
        : []),
      ...scalingRows(base, main, ratios.mainToBase, flatUpTo),
      ...(large && ratios.largeToBase ? scalingRows(base, large, ratios.largeToBase, flatUpTo) : []),
      [
        'projection: sandbox share of the run',
        [
          ...[base, main, scaleOut, ...(large ? [large] : [])].map(share),
          ...[drains.one, drains.scaleOut].map((d) => `${share(d)} alone`),
        ].join(', '),
        "time answering API calls and processing bulk jobs / wall time (the process's CPU time / wall time)",
        '',
      ],
    ];
  },
};

const SCENARIOS = [
  {
    name: 'capture',
    what: 'Debezium alone vs odoo-cdc on the same stream (20,000 partners, 1,000 orders of 10 lines)',
    command: [...TS, 'bench/capture.ts'],
    result: 'capture.json',
    rows: (f: CaptureFigures) => [
      [
        'capture: partners',
        `Debezium ${f.debezium.partners.perSecond}/s, odoo-cdc ${f.odooCdc.partners.perSecond}/s`,
        `ratio ${f.ratios.partnersOdooCdcToDebezium}`,
        'target ≥ 0.8, ≥ 5,000/s',
      ],
      [
        'capture: orders (changes)',
        `Debezium ${f.debezium.orders.perSecond}/s, odoo-cdc ${f.odooCdc.orders.perSecond}/s`,
        `ratio ${f.ratios.ordersOdooCdcToDebezium}`,
        'target ≥ 0.8',
      ],
      [
        'capture: flush per fetch vs per change',
        `partners ${f.odooCdcFlushPerChange.partners.perSecond} → ${f.odooCdc.partners.perSecond}/s`,
        `×${f.ratios.partnersPerFetchToPerChange} partners, ×${f.ratios.ordersPerFetchToPerChange} orders`,
        '',
      ],
      [
        'capture: 4 MiB fetches (default) vs 1 MiB',
        `partners ${f.odooCdc1MiBFetches.partners.perSecond} → ${f.odooCdc.partners.perSecond}/s, orders ${f.odooCdc1MiBFetches.orders.perSecond} → ${f.odooCdc.orders.perSecond}/s`,
        `×${f.ratios.partnersDefaultTo1MiBFetches} partners, ×${f.ratios.ordersDefaultTo1MiBFetches} orders`,
        '',
      ],
    ],
  },
  snapshot(100_000),
  {
    name: 'projection',
    what: '10,000 partners end to end into the Salesforce sandbox, the projector draining alone, an order during a load',
    command: ['bench/salesforce-bulk.mjs'],
    result: 'salesforce-bulk.json',
    rows: (f: ProjectionFigures) => [
      [
        'projection: 10,000 end to end',
        `${f.snapshot.seconds} s, ${f.snapshot.recordsPerSecond}/s`,
        `${f.snapshot.apiCallsPer1000Records} calls / 1,000`,
        'target ≥ 3,000/s, ≤ 5.5 calls / 1,000',
      ],
      [
        'projection: projector alone',
        `${f.projectorDrain.seconds} s, ${f.projectorDrain.recordsPerSecond}/s`,
        `ratio to end to end ${(f.projectorDrain.recordsPerSecond / f.snapshot.recordsPerSecond).toFixed(2)}`,
        '',
      ],
      [
        'projection: projector alone, tracing',
        `spans exported ${f.projectorDrain.recordsPerSecond}/s, not exported ${f.projectorDrainSpansNotExported.recordsPerSecond}/s, off ${f.projectorDrainTracingOff.recordsPerSecond}/s`,
        `exported / off ${(f.projectorDrain.recordsPerSecond / f.projectorDrainTracingOff.recordsPerSecond).toFixed(2)}`,
        '',
      ],
      [
        'projection: order during a load',
        `${f.priorityLanes.orderSeconds} s`,
        `${f.priorityLanes.productsLoadedWhenOrderLanded} of ${f.priorityLanes.products} products loaded`,
        '',
      ],
    ],
  },
  projectionScale,
  {
    name: 'freshness',
    what: 'Odoo commit to Salesforce write of single changes, quiet and under 1,000 changes/s for 60 s',
    command: [...TS, 'bench/freshness.ts'],
    result: 'freshness.json',
    rows: (f: FreshnessFigures) => [
      [
        'freshness: no load',
        `p50 ${f.quiet.p50Ms} ms, p95 ${f.quiet.p95Ms} ms, p99 ${f.quiet.p99Ms} ms`,
        `${f.quiet.probes} probes`,
        '',
      ],
      [
        `freshness: ${f.achievedChangesPerSecond} changes/s`,
        `p50 ${f.underLoad.p50Ms} ms, p95 ${f.underLoad.p95Ms} ms, p99 ${f.underLoad.p99Ms} ms`,
        `p50 ×${(f.underLoad.p50Ms / Math.max(1, f.quiet.p50Ms)).toFixed(1)} of no load`,
        'target p50 < 300 ms, p99 < 1 s',
      ],
    ],
  },
] as Scenario<never>[];

const EXTRA: Scenario<never>[] = [
  {
    name: 'ingress',
    what: 'Salesforce CDC and webhooks into canonical events',
    command: [...TS, 'bench/ingress.ts'],
    result: 'ingress.json',
    rows: (f: unknown) => [['ingress', JSON.stringify(f).slice(0, 60), '', '']],
  },
  {
    name: 'support',
    what: 'organizations onto the Zendesk and Freshdesk sandboxes, with and without a 429 storm',
    command: [...TS, '-r', 'tsconfig-paths/register', 'bench/support-desks.ts'],
    result: 'support-desks.json',
    rows: (f: unknown) =>
      (
        f as {
          runs: Array<{
            platform: string;
            storm: boolean;
            recordsPerSecond: number;
            answeredCallsPer1000: number;
            requestsPer1000: number;
          }>;
        }
      ).runs.map((r) => [
        `support ${r.platform}${r.storm ? ' (429 storm)' : ''}`,
        `${r.recordsPerSecond} records/s`,
        `${r.answeredCallsPer1000} calls / 1,000 (${r.requestsPer1000} with 429s)`,
        '',
      ]),
  },
  {
    name: 'odoo-orders',
    what: 'Salesforce orders into Odoo, quiet and during a product import',
    command: [...TS, 'bench/odoo-orders.ts'],
    result: 'odoo-orders.json',
    rows: (f: unknown) => [['odoo orders', JSON.stringify(f).slice(0, 60), '', '']],
  },
];

function parseArgs(argv: string[]): Scenario<never>[] {
  const only = flag('--only');
  if (!Number.isInteger(PROJECTION_RECORDS) || PROJECTION_RECORDS < 20_000) {
    throw new Error(
      `--projection-records takes a whole number of at least 20000; got: ${flag('--projection-records')}`,
    );
  }
  let chosen = [...SCENARIOS];
  if (LARGE) chosen.push(snapshot(1_000_000) as Scenario<never>);
  if (argv.includes('--all')) chosen.push(...EXTRA);
  if (argv.some((a) => a.startsWith('--only'))) {
    const names = (only ?? '').split(',').filter(Boolean);
    const known = [...SCENARIOS, ...EXTRA, snapshot(1_000_000) as Scenario<never>];
    const unknown = names.filter((n) => !known.some((s) => s.name === n));
    if (names.length === 0 || unknown.length) {
      throw new Error(
        `--only takes scenario names (${known.map((s) => s.name).join(', ')}); got: ${only ?? 'nothing'}`,
      );
    }
    chosen = known.filter((s) => names.includes(s.name));
  }
  return chosen;
}

/** Runs one scenario as a child process, showing its elapsed time; its output goes to bench/results/<name>.log. */
function runScenario(s: Scenario<never>, index: number, total: number): Promise<{ ok: boolean; seconds: number }> {
  const started = Date.now();
  const log: Buffer[] = [];
  const child = spawn('node', s.command, { cwd: ROOT, env: process.env });
  child.stdout.on('data', (d: Buffer) => log.push(d));
  child.stderr.on('data', (d: Buffer) => log.push(d));
  const label = `[${index}/${total}] ${s.name}: ${s.what}`;
  const tick = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    if (process.stdout.isTTY) process.stdout.write(`\r${label} … ${seconds} s`);
  };
  if (!process.stdout.isTTY) process.stdout.write(`${label} …\n`);
  const timer = setInterval(tick, 1000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Math.round((Date.now() - started) / 1000);
      writeFileSync(join(ROOT, `bench/results/${s.name}.log`), Buffer.concat(log));
      const verdict = code === 0 ? 'done' : `FAILED (exit ${code}; see bench/results/${s.name}.log)`;
      process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}${label} … ${verdict} in ${seconds} s\n`);
      if (code !== 0) process.stdout.write(Buffer.concat(log).toString().split('\n').slice(-15).join('\n') + '\n');
      resolve({ ok: code === 0, seconds });
    });
  });
}

function table(rows: string[][]): string {
  const header = ['scenario', 'measured', 'side by side', 'target'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const scenarios = parseArgs(process.argv.slice(2));
  await readStack(['postgres', 'kafka', 'registry', 'connect']);
  if (!existsSync(join(ROOT, 'dist/apps/odoo-cdc'))) throw new Error('the apps are not built: run npm run build');
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const rows: string[][] = [];
  const summary: Record<string, unknown> = { at: new Date().toISOString(), scenarios: {} };
  let failed = 0;
  for (const [i, s] of scenarios.entries()) {
    const { ok, seconds } = await runScenario(s, i + 1, scenarios.length);
    if (!ok) {
      failed++;
      rows.push([s.name, 'FAILED', `see bench/results/${s.name}.log`, '']);
      continue;
    }
    const figures = JSON.parse(readFileSync(join(ROOT, 'bench/results', s.result), 'utf8')) as never;
    (summary.scenarios as Record<string, unknown>)[s.name] = { seconds, figures };
    rows.push(...s.rows(figures));
  }
  const text = table(rows);
  process.stdout.write(`\n${text}\n`);
  writeFileSync(join(ROOT, 'bench/results/bench.json'), JSON.stringify({ ...summary, table: text }, null, 2) + '\n');
  if (failed) process.exit(1);
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(1);
});
