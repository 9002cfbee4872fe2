#!/usr/bin/env node
// Projection at scale: Odoo partners end to end (Debezium, odoo-cdc, projector-salesforce, a Salesforce sandbox) at
// 10,000 and at RECORDS (100,000 by default) with one projector, then RECORDS again with three projector instances in
// one consumer group; with --large also 1,000,000. Each run has an Odoo database, a connector, a hub database, topics
// and a sandbox process of its own, removed afterwards. Per run: records/s, µs per record, Salesforce API calls (Bulk
// API 2.0 and sObject Collections apart), the peak RSS of odoo-cdc, of the projectors and of the sandbox, and the time
// the sandbox spent answering requests and processing bulk jobs; then the ratios, side by side: RECORDS against
// 10,000 (does the cost per record and the memory stay flat?) and three instances against one.
// Usage: node -r ts-node/register/transpile-only bench/projection-scale.ts [records=100000] [--large]
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
import { startSandboxProcess } from './support/sandbox-process';

const args = process.argv.slice(2);
const RECORDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const LARGE = args.includes('--large');
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

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records on the run's customer and contact topics: what odoo-cdc has published. */
async function published(admin: Admin, prefix: string): Promise<number> {
  let n = 0;
  for (const topic of [`${prefix}customer.v1`, `${prefix}contact.v1`]) {
    for (const o of await admin.fetchTopicOffsets(topic).catch(() => [])) n += Number(o.high);
  }
  return n;
}

/** Deletes the topics and consumer groups named with the run's prefix. */
async function deleteRunTopics(admin: Admin, prefix: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length) await admin.deleteTopics({ topics });
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (ids.length) await admin.deleteGroups(ids);
}

/** One run end to end: `records` Odoo partners into an empty org through `instances` projectors. */
async function endToEnd(stack: BenchStack, admin: Admin, records: number, instances: number): Promise<RunFigures> {
  const run = `bench_proj_${records}_${instances}_${Date.now().toString(36)}`;
  const prefix = `bench-${run}.`;
  const changes = `${prefix}changes`;
  const half = Math.floor(records / 2);
  const label = `projection ${records.toLocaleString('en')} × ${instances}`;
  const log = (line: string) => process.stdout.write(`${label}: ${line}\n`);
  const cleanup: (() => Promise<unknown>)[] = [];
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
    let lastReport = started;
    const timeoutMs = Math.max(10 * 60_000, (records / 50) * 1000);
    let landed: SandboxStats | undefined;
    await waitFor(
      async () => {
        if (capturedSeconds === null && (await published(admin, prefix)) >= records) {
          capturedSeconds = (Date.now() - started) / 1000;
        }
        const s = (await sandbox.client.stats()) as unknown as SandboxStats;
        const { Account = 0, Contact = 0 } = s.recordsByObject;
        if (Date.now() - lastReport >= 15_000) {
          lastReport = Date.now();
          log(
            `${Math.round((lastReport - started) / 1000)} s: ${Account} accounts, ${Contact} contacts in the sandbox`,
          );
        }
        if (Account >= half && Contact >= half) landed = s;
        // The sandbox counts every object's rows for each look: twice a second is enough and costs it little.
        if (!landed) await sleep(400);
        return landed !== undefined;
      },
      `${half} accounts and ${half} contacts in the sandbox`,
      timeoutMs,
    );
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
    const sum = (match: (route: string) => boolean) =>
      Object.entries(s.callsByRoute)
        .filter(([route]) => match(route))
        .reduce((n, [, calls]) => n + calls, 0);
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
      apiCalls: s.apiCalls,
      apiCallsPer1000Records: round((s.apiCalls * 1000) / records, 1),
      bulkApiCalls: sum((r) => r.includes('/jobs/ingest')),
      bulkJobs: s.callsByRoute['POST /jobs/ingest'] ?? 0,
      collectionsCalls: sum((r) => r.includes('/composite/sobjects')),
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
    return figures;
  } finally {
    for (const step of cleanup) await step().catch((e: Error) => log(`cleanup: ${e.message}`));
    // The run's topics and groups: hundreds of thousands of records, of no use once measured.
    await deleteRunTopics(admin, prefix).catch((e: Error) => log(`cleanup of topics and groups: ${e.message}`));
  }
}

async function main(): Promise<void> {
  // However the bench ends, no app it started outlives it.
  process.on('exit', killStartedAppsNow);
  const stack = await readStack(['postgres', 'kafka', 'registry', 'connect']);
  const admin = await connectBenchAdmin(stack, 'bench-projection');
  try {
    const base = await endToEnd(stack, admin, BASE, 1);
    const main = await endToEnd(stack, admin, RECORDS, 1);
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
      ratios: {
        scaleOutToOneInstance: round(scaleOut.recordsPerSecond / main.recordsPerSecond),
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
