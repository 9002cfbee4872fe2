#!/usr/bin/env node
// Projection at scale: Odoo partners end to end (Debezium, odoo-cdc, projector-salesforce, a Salesforce sandbox) at
// 10,000 and at RECORDS (100,000 by default) with one projector, then RECORDS again with three projector instances in
// one consumer group; with --large also 1,000,000. The topics of the first RECORDS run are drained again by the
// projectors alone (a new group, hub database and org), one instance and three: their own pace and scale-out ratio,
// odoo-cdc out of the way. Each run has an Odoo database, a connector, a hub database, topics and a sandbox process
// of its own, removed afterwards. Per run: records/s, µs per record, Salesforce API calls (Bulk API 2.0 and sObject
// Collections apart), the peak RSS of odoo-cdc, of the projectors and of the sandbox, and the time the sandbox spent
// answering requests and processing bulk jobs beside its CPU time; then the ratios, side by side: RECORDS against
// 10,000 (does the cost per record and the memory stay flat?) and three instances against one.
// Usage: node -r ts-node/register/transpile-only bench/projection-scale.ts [records=100000] [--large] [--main-only]
// --main-only: only the RECORDS run with one projector, printed and not written: to try a change of the projector.
// Writes bench/results/projection-scale.json. The stack must be up (scripts/stack up); the apps built (npm run build).
import type { Admin } from 'kafkajs';
import { killStartedAppsNow, startApp, startAppInstances, stopStartedApps } from '../scripts/lib/app-process';
import { projectorSalesforceRunEnv } from '../scripts/lib/app-env';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { insertBuyers, insertCompanies } from '../scripts/lib/isolated-odoo';
import { runLag } from '../scripts/lib/run-lag';
import {
  benchAppEnv,
  connectBenchAdmin,
  cpuSeconds,
  createBenchOdoo,
  peakRssMiB,
  readStack,
  waitFor,
  writeResults,
  type BenchStack,
} from './support/bench-stack';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process';

const args = process.argv.slice(2);
const RECORDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const LARGE = args.includes('--large');
const MAIN_ONLY = args.includes('--main-only');
const BASE = 10_000;
const INSTANCES = 3;
/** A ratio of a larger run to the 10,000 one up to this counts as flat: two shared cores vary more than 10 % a run. */
const FLAT_UP_TO = 1.25;

if (!Number.isInteger(RECORDS) || RECORDS < 2 * BASE) {
  process.stderr.write(`bench projection-scale: records must be an integer of at least ${2 * BASE}\n`);
  process.exit(2);
}

/** What the sandbox reports at `GET /__admin/stats` and this bench reads. */
interface SandboxStats {
  apiCalls: number;
  callsByRoute: Record<string, number>;
  recordsByObject: Record<string, number>;
  apiHandlingMs: number;
  bulkProcessingMs: number;
}

export interface RunFigures {
  /** Odoo partners: half companies (Accounts), half their buyers (Contacts). */
  records: number;
  instances: number;
  /** Partitions of the customer and contact topics: how many instances can share the work. */
  partitions: Record<string, number>;
  seconds: number;
  recordsPerSecond: number;
  microsecondsPerRecord: number;
  /** When odoo-cdc had put every partner on its topics (the rest of the run is the projectors catching up). */
  capturedSeconds: number | null;
  apiCalls: number;
  apiCallsPer1000Records: number;
  /** Calls of the Bulk API 2.0 (`/jobs/ingest…`), and the jobs they made. */
  bulkApiCalls: number;
  bulkJobs: number;
  /** sObject Collections calls (`/composite/sobjects…`). */
  collectionsCalls: number;
  callsByRoute: Record<string, number>;
  odooCdcPeakRssMiB: number | null;
  /** The largest of the instances'. */
  projectorPeakRssMiB: number | null;
  sandboxPeakRssMiB: number | null;
  /** The sandbox process's peak before the run: what an empty org takes. */
  sandboxIdleRssMiB: number | null;
  /** Time the sandbox spent answering API requests and processing Bulk API jobs (its admin statistics). */
  sandboxBusySeconds: number;
  /** sandboxBusySeconds / seconds. */
  sandboxShareOfRun: number;
  /** CPU time of the sandbox process during the run (garbage collection and all): the check on sandboxBusySeconds. */
  sandboxCpuSeconds: number | null;
  /** sandboxCpuSeconds / seconds. */
  sandboxCpuShareOfRun: number | null;
}

/**
 * The projectors alone: a new consumer group, hub database and empty org drain the topics a run's odoo-cdc filled,
 * timed from the projectors' start (included) until every record is in the org. Where the end-to-end run waits on
 * odoo-cdc, this is the projectors' own pace, with one instance and with three.
 */
export interface DrainFigures {
  records: number;
  instances: number;
  seconds: number;
  recordsPerSecond: number;
  apiCalls: number;
  apiCallsPer1000Records: number;
  bulkApiCalls: number;
  bulkJobs: number;
  collectionsCalls: number;
  /** The largest of the instances'. */
  projectorPeakRssMiB: number | null;
  sandboxBusySeconds: number;
  sandboxShareOfRun: number;
  sandboxCpuShareOfRun: number | null;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** The cleanups of the runs and drains under way, oldest first: what an interrupted bench runs before it exits. */
const underWay: (() => Promise<void>)[] = [];

/**
 * What a run leaves behind, undone in the order of `steps` (add with unshift: the last made, the first undone). Its
 * `run` works once, whether the run's `finally` or an interruption ({@link main}) calls it first; the other waits.
 */
function cleanupOf(log: (line: string) => void) {
  const steps: (() => Promise<unknown>)[] = [];
  let done: Promise<void> | undefined;
  const run = () =>
    (done ??= (async () => {
      for (const step of steps) await step().catch((e: Error) => log(`cleanup: ${e.message}`));
      underWay.splice(underWay.indexOf(run), 1);
    })());
  underWay.push(run);
  return { steps, run };
}

/** A run's calls from the sandbox's statistics: all of them, and the Bulk API 2.0's and sObject Collections' apart. */
function callsOf(s: SandboxStats, records: number) {
  const sum = (match: (route: string) => boolean) =>
    Object.entries(s.callsByRoute)
      .filter(([route]) => match(route))
      .reduce((n, [, calls]) => n + calls, 0);
  return {
    apiCalls: s.apiCalls,
    apiCallsPer1000Records: round((s.apiCalls * 1000) / records, 1),
    bulkApiCalls: sum((r) => r.includes('/jobs/ingest')),
    bulkJobs: s.callsByRoute['POST /jobs/ingest'] ?? 0,
    collectionsCalls: sum((r) => r.includes('/composite/sobjects')),
  };
}

/** Waits until the org holds `half` Accounts and `half` Contacts (the partners' companies and buyers), logging. */
async function landing(
  sandbox: SandboxProcess,
  half: number,
  started: number,
  log: (line: string) => void,
  timeoutMs: number,
  onLook: () => Promise<void> = async () => {},
): Promise<void> {
  let lastReport = started;
  let landed = false;
  await waitFor(
    async () => {
      await onLook();
      const s = (await sandbox.client.stats()) as unknown as SandboxStats;
      const { Account = 0, Contact = 0 } = s.recordsByObject;
      if (Date.now() - lastReport >= 15_000) {
        lastReport = Date.now();
        log(`${Math.round((lastReport - started) / 1000)} s: ${Account} accounts, ${Contact} contacts in the sandbox`);
      }
      landed = Account >= half && Contact >= half;
      // The sandbox counts every object's rows for each look: twice a second is enough and costs it little.
      if (!landed) await sleep(400);
      return landed;
    },
    `${half} accounts and ${half} contacts in the sandbox`,
    timeoutMs,
  );
}

/** {@link DrainFigures}: `instances` projectors in a new group drain the run's topics (`records` partners) into a new org. */
async function drain(
  stack: BenchStack,
  admin: Admin,
  run: string,
  common: Record<string, string>,
  records: number,
  instances: number,
  log: (line: string) => void,
): Promise<DrainFigures> {
  const prefix = common.HUB_TOPIC_PREFIX;
  const group = `drain${instances}`;
  const hubDb = await createHubDatabase(stack.postgres.hub, `hub_${run}_${group}`);
  const { steps: cleanup, run: cleanUp } = cleanupOf((line) => log(`drain: ${line}`));
  cleanup.push(() => hubDb.drop());
  try {
    const sandbox = await startSandboxProcess();
    cleanup.unshift(() => sandbox.stop());
    const started = Date.now();
    const cpuAtStart = cpuSeconds(sandbox.process.pid);
    const projectors = await startAppInstances(
      'projector-salesforce',
      instances,
      {
        ...common,
        ...projectorSalesforceRunEnv(prefix, sandbox.url),
        HUB_DATABASE_URL: hubDb.url,
        CONSUMER_GROUP: `${prefix}projector-salesforce-${group}`,
        DEAD_LETTER_TOPIC: `${prefix}dlq.projector-salesforce-${group}`,
      },
      // The first instance to join takes every partition and starts on the backlog; the others are ready once the
      // group has rebalanced, which waits for the work that instance has under way (a Bulk API job of 10,000 and
      // more): a minute is not enough. The time they take is part of the drain's.
      { readyTimeoutMs: 10 * 60_000 },
    );
    cleanup.unshift(() => Promise.all(projectors.map((p) => p.stop())));
    await landing(sandbox, Math.floor(records / 2), started, log, Math.max(10 * 60_000, (records / 50) * 1000));
    const seconds = (Date.now() - started) / 1000;
    const cpuAtEnd = cpuSeconds(sandbox.process.pid);
    const cpu = cpuAtStart === undefined || cpuAtEnd === undefined ? null : cpuAtEnd - cpuAtStart;
    // Every write the records call for has been made once the group has committed them all.
    await waitFor(
      async () => (await runLag(admin, `${prefix}projector-salesforce-${group}`)) === 0,
      'the drain to commit every record',
      5 * 60_000,
    );
    const s = (await sandbox.client.stats()) as unknown as SandboxStats;
    const busySeconds = (s.apiHandlingMs + s.bulkProcessingMs) / 1000;
    const figures: DrainFigures = {
      records,
      instances,
      seconds: round(seconds, 1),
      recordsPerSecond: Math.round(records / seconds),
      ...callsOf(s, records),
      projectorPeakRssMiB: Math.max(...projectors.map((p) => peakRssMiB(p.process.pid) ?? 0)) || null,
      sandboxBusySeconds: round(busySeconds, 1),
      sandboxShareOfRun: round(busySeconds / seconds),
      sandboxCpuShareOfRun: cpu === null ? null : round(cpu / seconds),
    };
    log(
      `projectors alone (${instances}): ${figures.seconds} s (${figures.recordsPerSecond}/s), ${figures.apiCalls} API calls ` +
        `(${figures.bulkApiCalls} Bulk API in ${figures.bulkJobs} jobs, ${figures.collectionsCalls} collections), ` +
        `projector peak RSS ${figures.projectorPeakRssMiB} MiB, the sandbox busy ${figures.sandboxBusySeconds} s`,
    );
    return figures;
  } finally {
    await cleanUp();
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records on the run's customer and contact topics: what odoo-cdc has published. */
async function published(admin: Admin, prefix: string): Promise<number> {
  let n = 0;
  for (const topic of [`${prefix}customer.v1`, `${prefix}contact.v1`]) {
    for (const o of await admin.fetchTopicOffsets(topic).catch(() => [])) n += Number(o.high);
  }
  return n;
}

/**
 * Deletes the topics and consumer groups named with the run's prefix, and the heartbeat topic Debezium made for the
 * run's connector (named after its topic prefix, the run: `__debezium-heartbeat.<run>`).
 */
async function deleteRunTopics(admin: Admin, prefix: string, run: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) || t === `__debezium-heartbeat.${run}`);
  if (topics.length) await admin.deleteTopics({ topics });
  // A group keeps a killed member until its session times out (30 s) and cannot be deleted before: tried for a minute.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { groups } = await admin.listGroups();
    const ids = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (!ids.length) return;
    try {
      await admin.deleteGroups(ids);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(2_000);
    }
  }
}

/**
 * One run end to end: `records` Odoo partners into an empty org through `instances` projectors; then, for each of
 * `drains`, that many projectors alone draining the topics the run filled ({@link drain}).
 */
async function endToEnd(
  stack: BenchStack,
  admin: Admin,
  records: number,
  instances: number,
  drains: number[] = [],
): Promise<RunFigures & { drains?: DrainFigures[] }> {
  const run = `bench_proj_${records}_${instances}_${Date.now().toString(36)}`;
  const prefix = `bench-${run}.`;
  const changes = `${prefix}changes`;
  const half = Math.floor(records / 2);
  const label = `projection ${records.toLocaleString('en')} × ${instances}`;
  const log = (line: string) => process.stdout.write(`${label}: ${line}\n`);
  const { steps: cleanup, run: cleanUp } = cleanupOf(log);
  // The run's topics and groups, last: hundreds of thousands of records, of no use once measured.
  cleanup.push(() => deleteRunTopics(admin, prefix, run));
  try {
    const odoo = await createBenchOdoo(stack, run, changes);
    cleanup.unshift(() => odoo.drop());
    // Idle once the rows are in: a restart of PostgreSQL ends the run through its checks, not through this client.
    odoo.db.on('error', (e) => log(`the isolated Odoo's connection: ${e.message}`));
    // The projection scenario's load: companies and a buyer of each, every partner its own commercial partner.
    await insertCompanies(odoo.db, 'Bulk Co', half);
    await insertBuyers(odoo.db, 'Bulk Co');
    await odoo.db.query('UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL');
    const hubDb = await createHubDatabase(stack.postgres.hub, `hub_${run}`);
    cleanup.unshift(() => hubDb.drop());
    const sandbox = await startSandboxProcess();
    cleanup.unshift(() => sandbox.stop());
    const sandboxIdleRssMiB = peakRssMiB(sandbox.process.pid) ?? null;

    const common = benchAppEnv(stack, prefix, hubDb.url);
    // Stopped, not killed: they leave their groups at once, and the groups can be deleted below.
    cleanup.unshift(() => stopStartedApps());
    const cdc = await startApp('odoo-cdc', {
      ...common,
      CONSUMER_GROUP: `${prefix}odoo-cdc`,
      DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
      CDC_TOPIC: changes,
    });
    // As the scale-out test starts them: one environment, so one consumer group sharing the topics' partitions.
    const projectors = await startAppInstances('projector-salesforce', instances, {
      ...common,
      ...projectorSalesforceRunEnv(prefix, sandbox.url),
    });

    log(`${half} companies and ${half} buyers in Odoo; connecting Debezium`);
    const started = Date.now();
    const sandboxCpuAtStart = cpuSeconds(sandbox.process.pid);
    await odoo.connect();
    let capturedSeconds: number | null = null;
    await landing(sandbox, half, started, log, Math.max(10 * 60_000, (records / 50) * 1000), async () => {
      if (capturedSeconds === null && (await published(admin, prefix)) >= records) {
        capturedSeconds = (Date.now() - started) / 1000;
      }
    });
    const seconds = (Date.now() - started) / 1000;
    const sandboxCpuAtEnd = cpuSeconds(sandbox.process.pid);
    const sandboxCpu =
      sandboxCpuAtStart === undefined || sandboxCpuAtEnd === undefined ? null : sandboxCpuAtEnd - sandboxCpuAtStart;
    // Every group of the run has committed everything: no write its records call for is still to come, so the calls
    // read below are all the run's.
    await waitFor(async () => (await runLag(admin, prefix)) === 0, 'the run to commit every record', 5 * 60_000);
    const peaks = {
      odooCdc: peakRssMiB(cdc.process.pid) ?? null,
      projector: Math.max(...projectors.map((p) => peakRssMiB(p.process.pid) ?? 0)) || null,
      sandbox: peakRssMiB(sandbox.process.pid) ?? null,
    };
    const s = (await sandbox.client.stats()) as unknown as SandboxStats;
    const partitions = Object.fromEntries(
      (await admin.fetchTopicMetadata({ topics: [`${prefix}customer.v1`, `${prefix}contact.v1`] })).topics.map((t) => [
        t.name.slice(prefix.length),
        t.partitions.length,
      ]),
    );
    const landedRecords = (s.recordsByObject.Account ?? 0) + (s.recordsByObject.Contact ?? 0);
    const busySeconds = (s.apiHandlingMs + s.bulkProcessingMs) / 1000;
    const figures: RunFigures = {
      records,
      instances,
      partitions,
      seconds: round(seconds, 1),
      recordsPerSecond: Math.round(records / seconds),
      microsecondsPerRecord: Math.round((seconds * 1e6) / records),
      capturedSeconds: capturedSeconds === null ? null : round(capturedSeconds, 1),
      ...callsOf(s, records),
      callsByRoute: s.callsByRoute,
      odooCdcPeakRssMiB: peaks.odooCdc,
      projectorPeakRssMiB: peaks.projector,
      sandboxPeakRssMiB: peaks.sandbox,
      sandboxIdleRssMiB,
      sandboxBusySeconds: round(busySeconds, 1),
      sandboxShareOfRun: round(busySeconds / seconds),
      sandboxCpuSeconds: sandboxCpu === null ? null : round(sandboxCpu, 1),
      sandboxCpuShareOfRun: sandboxCpu === null ? null : round(sandboxCpu / seconds),
    };
    log(
      `${landedRecords} records in ${figures.seconds} s (${figures.recordsPerSecond}/s, ${figures.microsecondsPerRecord} µs each), ` +
        `${figures.apiCalls} API calls (${figures.bulkApiCalls} Bulk API in ${figures.bulkJobs} jobs, ${figures.collectionsCalls} collections), ` +
        `peak RSS odoo-cdc ${peaks.odooCdc} MiB, projector ${peaks.projector} MiB, sandbox ${peaks.sandbox} MiB; ` +
        `the sandbox busy ${figures.sandboxBusySeconds} s (${Math.round(figures.sandboxShareOfRun * 100)} % of the run), ` +
        `its CPU ${figures.sandboxCpuSeconds} s`,
    );
    if (!drains.length) return figures;
    const drained: DrainFigures[] = [];
    for (const n of drains) drained.push(await drain(stack, admin, run, common, records, n, log));
    return { ...figures, drains: drained };
  } finally {
    await cleanUp();
  }
}

async function main(): Promise<void> {
  // However the bench ends, no app it started outlives it.
  process.on('exit', killStartedAppsNow);
  // Interrupted (Ctrl-C, a CI job cancelled): the Odoo databases, connectors (and their replication slots, which hold
  // PostgreSQL's WAL), hub databases, topics and processes of the runs under way are removed before it exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench projection-scale: ${signal}; removing what the runs under way made\n`);
      void (async () => {
        for (const cleanUp of [...underWay].reverse()) await cleanUp();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      })();
    });
  }
  const stack = await readStack(['postgres', 'kafka', 'registry', 'connect']);
  const admin = await connectBenchAdmin(stack, 'bench-projection');
  try {
    if (MAIN_ONLY) {
      process.stdout.write(`${JSON.stringify(await endToEnd(stack, admin, RECORDS, 1), null, 2)}\n`);
      return;
    }
    const base = await endToEnd(stack, admin, BASE, 1);
    // The same topics drained again by the projectors alone, one and three: their own pace, odoo-cdc out of the way.
    const { drains = [], ...main } = await endToEnd(stack, admin, RECORDS, 1, [1, INSTANCES]);
    const scaleOut = await endToEnd(stack, admin, RECORDS, INSTANCES);
    const large = LARGE ? await endToEnd(stack, admin, 1_000_000, 1) : undefined;
    const against = (run: RunFigures) => ({
      microsecondsPerRecord: round(run.microsecondsPerRecord / base.microsecondsPerRecord),
      odooCdcPeakRss: round((run.odooCdcPeakRssMiB ?? NaN) / (base.odooCdcPeakRssMiB ?? NaN)),
      projectorPeakRss: round((run.projectorPeakRssMiB ?? NaN) / (base.projectorPeakRssMiB ?? NaN)),
      sandboxPeakRss: round((run.sandboxPeakRssMiB ?? NaN) / (base.sandboxPeakRssMiB ?? NaN)),
    });
    writeResults('projection-scale', {
      bench: 'projection-scale',
      at: new Date().toISOString(),
      cores: 2,
      flatUpTo: FLAT_UP_TO,
      runs: { base, main, scaleOut, ...(large ? { large } : {}) },
      drains: { one: drains[0], scaleOut: drains[1] },
      ratios: {
        scaleOutToOneInstance: round(scaleOut.recordsPerSecond / main.recordsPerSecond),
        drainScaleOutToOneInstance: round(drains[1].recordsPerSecond / drains[0].recordsPerSecond),
        mainToBase: against(main),
        ...(large ? { largeToBase: against(large) } : {}),
      },
    });
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench projection-scale failed: ${error.message}\n`);
  process.exit(1);
});
