#!/usr/bin/env node
// Freshness: how long one change takes from its Odoo commit to its Salesforce write while the hub carries a steady
// load. Against an Odoo database, a connector, a hub database and a Salesforce sandbox of the bench's own, with
// odoo-cdc and projector-salesforce running: RATE changes/s (a statement of RATE/10 partner updates every 100 ms) for
// SECONDS, while a probe partner is updated every 500 ms. A probe's latency is the Account's LastModifiedDate in the
// sandbox minus the moment its UPDATE returned in Odoo (one machine, one clock). The same probes are timed first with
// no load, side by side.
// Usage: node -r ts-node/register/transpile-only bench/freshness.ts [rate=1000] [seconds=60]
// Prints p50/p95/p99 and writes bench/results/freshness.json. The stack must be up (scripts/stack up).
import { Kafka, logLevel } from 'kafkajs';
import { readTopicToEnd } from '../libs/runtime/src/read-topic';
import { startSalesforceSandbox } from '../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../sandboxes/salesforce/sandbox.client';
import { RunningApp, startApps } from '../scripts/lib/app-process';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { insertCompanies } from '../scripts/lib/isolated-odoo';
import {
  benchAppEnv,
  connectBenchAdmin,
  createBenchOdoo,
  readStack,
  waitFor,
  writeResults,
} from './support/bench-stack';
import { projectorSalesforceRunEnv } from '../scripts/lib/app-env';
import { runLag } from '../scripts/lib/run-lag';

const RATE = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 60);
const QUIET_PROBES = 20;
const LOAD_PARTNERS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Latencies {
  probes: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** When the sandbox wrote each probe (epoch ms), by partner id. */
  writtenAt: Map<number, number>;
}

const withoutWrites = ({ writtenAt: _, ...l }: Latencies) => l;
const p50 = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN);

/**
 * Where a quiet probe's time goes, from the Kafka timestamps of its change record (set when Kafka Connect produced
 * it) and of its canonical event (when odoo-cdc produced it): Debezium, odoo-cdc, then the projector and Salesforce.
 */
async function stagesOf(
  brokers: string,
  changesTopic: string,
  customerTopic: string,
  ids: number[],
  committedAt: Map<number, number>,
  writtenAt: Map<number, number>,
): Promise<{ debeziumMs: number; odooCdcMs: number; projectorMs: number }> {
  const kafka = new Kafka({ clientId: 'bench-freshness', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const wanted = new Set(ids);
  const lastTimestamp = async (topic: string, idOf: (key: string) => number | undefined) => {
    const at = new Map<number, number>();
    for (const { message } of await readTopicToEnd(kafka, topic)) {
      const id = idOf(message.key?.toString() ?? '');
      if (id !== undefined && wanted.has(id)) at.set(id, Number(message.timestamp));
    }
    return at;
  };
  const changed = await lastTimestamp(changesTopic, (key) => {
    const id = /"id":(\d+)/.exec(key)?.[1];
    return id === undefined ? undefined : Number(id);
  });
  const published = await lastTimestamp(customerTopic, (key) => Number(key.replace('odoo-partner-', '')));
  const of = (from: Map<number, number>, to: Map<number, number>) =>
    p50(ids.filter((id) => from.has(id) && to.has(id)).map((id) => to.get(id)! - from.get(id)!));
  return {
    debeziumMs: of(committedAt, changed),
    odooCdcMs: of(changed, published),
    projectorMs: of(published, writtenAt),
  };
}

async function main(): Promise<void> {
  const stack = await readStack();
  const run = `bench_fresh_${Date.now().toString(36)}`;
  const prefix = `bench-${run}.`;
  const changes = `${prefix}changes`;
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const odoo = await createBenchOdoo(stack, run, changes);
    cleanup.unshift(() => odoo.drop());
    const hubDb = await createHubDatabase(stack.postgres.hub, `hub_${run}`);
    cleanup.unshift(() => hubDb.drop());
    const sandbox = await startSalesforceSandbox({ port: 0, apiRequestLimit: 10_000_000, pubSubPort: null });
    cleanup.unshift(() => sandbox.close());
    const sf = new SandboxClient(sandbox.url);

    const probeCount = QUIET_PROBES + SECONDS * 2;
    const load = await insertCompanies(odoo.db, 'Load Co', LOAD_PARTNERS);
    const probes = await insertCompanies(odoo.db, 'Probe Co', probeCount);
    await odoo.connect({ tables: ['res_company', 'res_country', 'res_currency', 'res_partner'] });
    const common = benchAppEnv(stack, prefix, hubDb.url);
    const apps: RunningApp[] = await startApps([
      {
        name: 'odoo-cdc',
        env: {
          ...common,
          CONSUMER_GROUP: `${prefix}odoo-cdc`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
          CDC_TOPIC: changes,
        },
      },
      {
        name: 'projector-salesforce',
        env: {
          ...common,
          ...projectorSalesforceRunEnv(prefix, sandbox.url),
        },
      },
    ]);
    cleanup.unshift(() => Promise.all(apps.map((a) => a.kill())));
    process.stdout.write(`freshness: waiting for the ${LOAD_PARTNERS + probeCount} partners of the initial snapshot\n`);
    await waitFor(async () => {
      const { recordsByObject } = (await sf.stats()) as unknown as { recordsByObject: Record<string, number> };
      return (recordsByObject.Account ?? 0) >= LOAD_PARTNERS + probeCount;
    }, 'the initial snapshot in the sandbox');
    // No load means no backlog anywhere: the snapshot's last writes (audit, offsets) and the switch from snapshot to
    // streaming are over before the first probe, which would otherwise time the tail of the snapshot.
    const admin = await connectBenchAdmin(stack, 'bench-freshness-lag');
    try {
      await waitFor(async () => (await runLag(admin, prefix)) === 0, 'the run drained after the initial snapshot');
    } finally {
      await admin.disconnect();
    }

    const committedAt = new Map<number, number>();
    let next = 0;
    const probe = async () => {
      const id = probes[next++];
      await odoo.db.query(
        `UPDATE res_partner SET city = 'P' || id, write_date = now() at time zone 'utc' WHERE id = $1`,
        [id],
      );
      committedAt.set(id, Date.now());
    };

    process.stdout.write(`freshness: ${QUIET_PROBES} probes with no load\n`);
    for (let i = 0; i < QUIET_PROBES; i++) {
      await probe();
      await sleep(500);
    }
    const quietIds = probes.slice(0, QUIET_PROBES);
    const quiet = await latencies(sf, quietIds, committedAt);
    const stages = await stagesOf(
      stack.kafka.brokers,
      changes,
      `${prefix}customer.v1`,
      quietIds,
      committedAt,
      quiet.writtenAt,
    );

    process.stdout.write(`freshness: ${RATE} changes/s for ${SECONDS} s with a probe every 500 ms\n`);
    // The probes and the load share one connection: their statements run in the order they are issued.
    const loader = odoo.db;
    const perTick = Math.max(1, Math.round(RATE / 10));
    let sent = 0;
    let tick = 0;
    const started = Date.now();
    let nextProbeAt = started;
    while (Date.now() - started < SECONDS * 1000) {
      const from = (tick * perTick) % LOAD_PARTNERS;
      const ids = Array.from({ length: perTick }, (_, i) => load[(from + i) % LOAD_PARTNERS]);
      await loader.query(
        `UPDATE res_partner SET city = 'L' || $2::int, write_date = now() at time zone 'utc' WHERE id = ANY($1::int[])`,
        [ids, tick],
      );
      sent += perTick;
      tick++;
      if (Date.now() >= nextProbeAt) {
        await probe();
        nextProbeAt += 500;
      }
      const due = started + tick * 100;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const loadSeconds = (Date.now() - started) / 1000;
    const loadedIds = probes.slice(QUIET_PROBES, next);
    const loaded = await latencies(sf, loadedIds, committedAt);
    const figures = {
      bench: 'freshness',
      at: new Date().toISOString(),
      targetChangesPerSecond: RATE,
      achievedChangesPerSecond: Math.round(sent / loadSeconds),
      seconds: SECONDS,
      quiet: withoutWrites(quiet),
      quietStagesP50Ms: stages,
      underLoad: withoutWrites(loaded),
      ratioP50UnderLoadToQuiet: Number((loaded.p50Ms / Math.max(1, quiet.p50Ms)).toFixed(2)),
    };
    process.stdout.write(
      [
        '',
        `${'probes'.padEnd(28)} ${'n'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
        row('no load', quiet),
        row(`${figures.achievedChangesPerSecond} changes/s`, loaded),
        '',
        `no load, p50 per stage: Debezium ${stages.debeziumMs} ms, odoo-cdc ${stages.odooCdcMs} ms, projector and Salesforce ${stages.projectorMs} ms`,
        '',
      ].join('\n'),
    );
    writeResults('freshness', figures);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

function row(name: string, l: Latencies): string {
  return `${name.padEnd(28)} ${String(l.probes).padStart(4)} ${String(l.p50Ms).padStart(8)} ${String(l.p95Ms).padStart(8)} ${String(l.p99Ms).padStart(8)}`;
}

/** Waits for every probe's value in the sandbox, then reads when each was written. */
async function latencies(sf: SandboxClient, ids: number[], committedAt: Map<number, number>): Promise<Latencies> {
  type Row = { Odoo_Id__c: string; BillingCity: string | null; LastModifiedDate: string };
  let rows: Row[] = [];
  await waitFor(async () => {
    rows = (await sf.records<Row>('Account')).filter((r) =>
      ids.includes(Number(r.Odoo_Id__c.replace('odoo-partner-', ''))),
    );
    return (
      rows.length === ids.length && rows.every((r) => r.BillingCity === `P${r.Odoo_Id__c.replace('odoo-partner-', '')}`)
    );
  }, 'every probe in the sandbox');
  const writtenAt = new Map(
    rows.map((r) => [
      Number(r.Odoo_Id__c.replace('odoo-partner-', '')),
      Date.parse(r.LastModifiedDate.replace('+0000', 'Z')),
    ]),
  );
  const sorted = [...writtenAt.entries()].map(([id, at]) => at - committedAt.get(id)!).sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return {
    probes: sorted.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1],
    writtenAt,
  };
}

main().catch((error: Error) => {
  process.stderr.write(`bench freshness failed: ${error.message}\n`);
  process.exit(1);
});
