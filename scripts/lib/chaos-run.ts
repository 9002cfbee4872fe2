/**
 * The chaos run (issue 15): a steady Odoo workload through odoo-cdc and projector-salesforce into a Salesforce sandbox
 * of the run's own, faults injected on a schedule, then drain, reconcile and count duplicate creates. Used by
 * scripts/chaos and by test/integration/chaos.int-spec.ts; the pure parts are in chaos-plan.ts.
 *
 * Everything the run writes is its own: an isolated Odoo database with its own Debezium connector and change topic,
 * a hub database, topics and consumer groups under its prefix, an in-process Salesforce sandbox. Only the
 * infrastructure faults (kafka, postgres, connect, registry) reach beyond it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import type { StoredRecord } from '../../sandboxes/salesforce/record.store';
import { AppName, freePort, RunningApp, startApp } from './app-process';
import { projectorSalesforceRunEnv } from './app-env';
import {
  ChaosResult,
  faultFigures,
  FaultOutcome,
  judge,
  type UnlandedRecord,
  LagSample,
  PlannedFault,
  planFaults,
  FaultKind,
  WriteTiming,
} from './chaos-plan';
import { createHubDatabase } from './hub-database';
import { createIsolatedOdoo, IsolatedOdoo } from './isolated-odoo';
import { runLag } from './run-lag';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  payInvoice,
  validateDelivery,
} from './odoo-commerce';

const ROOT = join(__dirname, '../..');
const run$ = promisify(execFile);

/** The local stack's endpoints (`scripts/stack status --json`). */
export interface ChaosStack {
  postgres: { hub: string; odoo: string };
  kafka: { brokers: string };
  registry: { url: string };
  connect: { url: string };
  jaeger?: { up: boolean; otlpHttp: string };
}

export interface ChaosRunOptions {
  runMs: number;
  /** Odoo transactions per second. */
  rate: number;
  faults: FaultKind[];
  /** Progress lines. */
  log: (line: string) => void;
  /** How long the pipeline may take to drain once the workload stops (default 10 minutes). */
  drainTimeoutMs?: number;
  /** Where the apps' logs go (default .stack/logs/chaos). */
  logDir?: string;
  /** Runs `scripts/stack` with these arguments (the infrastructure faults); default: this checkout's script. */
  stackCommand?: (args: string[]) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A workload write and what Salesforce must hold for it to have landed. */
interface Expectation {
  object: string;
  key: string;
  holds(values: StoredRecord['values']): boolean;
}

interface Write extends WriteTiming {
  kind: string;
  expects: Expectation[];
  pending: number;
}

/** One customer's order to cash, a step per workload transaction. */
interface Deal {
  step: number;
  partner?: number;
  order?: { id: number; name: string };
  picking?: number;
  invoice?: number;
}

const STEPS = ['partner', 'order', 'confirmation', 'delivery', 'validation', 'invoice', 'payment'] as const;
/** Deals in progress at once: their steps interleave, as many users' would. */
const OPEN_DEALS = 4;
const LINE_PRICES = ['120.00', '35.50', '9.90'];

export async function runChaos(stack: ChaosStack, options: ChaosRunOptions): Promise<ChaosResult> {
  const { log } = options;
  const run = `chaos_${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const changes = `${prefix}changes`;
  const repairToken = `chaos-repair-${run}-0123456789abcdef`;
  const operatorToken = `chaos-operator-${run}-0123456789abcdef`;
  const stackCommand =
    options.stackCommand ??
    (async (args: string[]) => {
      await run$(join(ROOT, 'scripts/stack'), args, { timeout: 300_000 });
    });
  const cleanups: (() => Promise<unknown>)[] = [];
  const writes: Write[] = [];
  const lag: LagSample[] = [];
  try {
    log(`chaos ${run}: an isolated Odoo, a hub database and a Salesforce sandbox of the run's own`);
    const sandbox: SalesforceSandbox = await startSalesforceSandbox({
      port: 0,
      pubSubPort: null,
      apiRequestLimit: 100_000_000,
    });
    cleanups.push(() => sandbox.close());
    const sf = new SandboxClient(sandbox.url);
    const odoo: IsolatedOdoo = await createIsolatedOdoo(
      { hubUrl: stack.postgres.hub, odooUrl: stack.postgres.odoo, connectUrl: stack.connect.url },
      run,
      changes,
    );
    cleanups.push(() => odoo.drop());
    const odooUrl = stack.postgres.odoo.replace(/\/[^/]*$/, `/${odoo.database}`);
    const hubDb = await createHubDatabase(stack.postgres.hub, `hub_${run}`);
    cleanups.push(() => hubDb.drop());
    const products: number[] = [];
    for (const [i, price] of LINE_PRICES.entries()) {
      products.push(await insertProduct(odoo.db, `Chaos part ${i} ${run}`, price, `CHAOS-${run}-${i}`));
    }
    await odoo.connect();

    // Landing: every commit the sandbox makes is matched against the writes still waiting for it.
    const waiting = new Map<string, { write: Write; expectation: Expectation }[]>();
    const landedNow = (write: Write) => {
      write.pending--;
      if (write.pending === 0) write.landedAt = Date.now();
    };
    sandbox.state.store.onCommit((commit) => {
      for (const { after } of commit.changes) {
        const key = `${after.type}\u0000${String(after.values['Odoo_Id__c'])}`;
        const list = waiting.get(key);
        if (!list) continue;
        const still = list.filter((w) => {
          if (!w.expectation.holds(after.values)) return true;
          landedNow(w.write);
          return false;
        });
        if (still.length) waiting.set(key, still);
        else waiting.delete(key);
      }
    });
    const expect = (write: Write) => {
      for (const expectation of write.expects) {
        const current = sandbox.state.store
          .findBy(expectation.object, 'Odoo_Id__c', expectation.key, true)
          .find((r) => r.values['IsDeleted'] !== true);
        if (current && expectation.holds(current.values)) {
          landedNow(write);
          continue;
        }
        const key = `${expectation.object}\u0000${expectation.key}`;
        waiting.set(key, [...(waiting.get(key) ?? []), { write, expectation }]);
      }
    };

    // The hub services, each restartable with the same port and environment after a kill.
    const common: Record<string, string> = {
      KAFKA_BROKERS: stack.kafka.brokers,
      SCHEMA_REGISTRY_URL: stack.registry.url,
      HUB_TOPIC_PREFIX: prefix,
      HUB_DATABASE_URL: hubDb.url,
      AUDIT_HASH_KEY: `chaos-audit-hash-key-${run}-0123456789`,
      // CHAOS_LOG_LEVEL=debug when a run must be explained; the default keeps a 10-minute run's logs small.
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      ...(stack.jaeger?.up ? { OTEL_EXPORTER_OTLP_ENDPOINT: stack.jaeger.otlpHttp } : {}),
    };
    const cdcPort = await freePort();
    const specs: { name: AppName; port: number; env: Record<string, string> }[] = [
      {
        name: 'odoo-cdc',
        port: cdcPort,
        env: {
          ...common,
          CONSUMER_GROUP: `${prefix}odoo-cdc`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
          CDC_TOPIC: changes,
          CDC_SLOT_NAME: run,
          ODOO_MONITOR_DATABASE_URL: odooUrl,
          // The capture watch restarts the run's connector if a database or Connect restart failed it.
          ODOO_CDC_CONNECT_URL: stack.connect.url,
          ODOO_CDC_CONNECTOR: `it-${run}`,
          HUB_OPERATOR_TOKENS: `projector-salesforce:operator=${repairToken}`,
        },
      },
      {
        name: 'projector-salesforce',
        port: await freePort(),
        env: {
          ...common,
          ...projectorSalesforceRunEnv(prefix, sandbox.url),
          // sf-slow holds committed writes' answers 8 s: the projector's own timeout fires first, after the commit.
          SF_REQUEST_TIMEOUT_MS: '5000',
          ODOO_CDC_URL: `http://127.0.0.1:${cdcPort}`,
          ODOO_CDC_TOKEN: repairToken,
          HUB_OPERATOR_TOKENS: `chaos:operator=${operatorToken}`,
        },
      },
    ];
    const logDir = options.logDir ?? join(ROOT, '.stack/logs/chaos');
    const apps = new Map<AppName, RunningApp>();
    const start = async (spec: (typeof specs)[number]) => {
      apps.set(spec.name, await startApp(spec.name, spec.env, { port: spec.port, logDir, readyTimeoutMs: 180_000 }));
    };
    cleanups.push(() => Promise.all([...apps.values()].map((a) => a.kill())));
    for (const spec of specs) await start(spec);
    log(`chaos ${run}: ${specs.map((s) => s.name).join(' and ')} ready (logs in ${logDir.slice(ROOT.length + 1)})`);

    // Lag of every consumer group of the run, every 2 s (none while Kafka is down).
    const kafka = new Kafka({ clientId: run, brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const value = await runLag(admin, prefix).catch(() => undefined);
        if (value !== undefined) lag.push({ at: Date.now(), lag: value });
        await sleep(2_000);
      }
    })();
    cleanups.push(async () => {
      sampling = false;
      await sampler;
    });

    // The workload: one transaction every 1/rate s, each a step of one of the open deals.
    // An idle connection that PostgreSQL's restart ends emits 'error': without a listener, that would end this process.
    odoo.db.on('error', () => undefined);
    const connectWorkload = () => {
      const client = new Client({ connectionString: odooUrl });
      client.on('error', () => undefined);
      return client;
    };
    // pg's end() on a client whose connection a restart broke can wait forever: the workload does not wait past 2 s.
    const endWorkload = (client: Client) => Promise.race([client.end().catch(() => undefined), sleep(2_000)]);
    /** A new workload connection, tried once a second until PostgreSQL takes it again (or the run stops). */
    const reconnectWorkload = async (): Promise<Client> => {
      for (;;) {
        const client = connectWorkload();
        try {
          await client.connect();
          return client;
        } catch {
          await endWorkload(client);
          if (!working) return client;
          await sleep(1_000);
        }
      }
    };
    let db = connectWorkload();
    await db.connect();
    cleanups.push(() => endWorkload(db));
    let failedWrites = 0;
    const deals: Deal[] = [];
    let serial = 0;
    const record = (kind: string, expects: Expectation[]) => {
      const write: Write = { kind, committedAt: Date.now(), expects, pending: expects.length };
      writes.push(write);
      expect(write);
    };
    const has = (object: string, key: string, holds: Expectation['holds'] = () => true): Expectation => ({
      object,
      key,
      holds,
    });
    const step = async (deal: Deal) => {
      const n = ++serial;
      switch (STEPS[deal.step]) {
        case 'partner': {
          const { rows } = await db.query<{ id: number }>(
            `INSERT INTO res_partner (name, complete_name, is_company, type, active, email, city, country_id, customer_rank, create_date, write_date)
             VALUES ($1, $1, true, 'contact', true, $2, 'Gent', 20, 1, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
            [`Chaos customer ${run} ${n}`, `chaos${n}@example.com`],
          );
          await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [rows[0]!.id]);
          deal.partner = rows[0]!.id;
          record('partners', [has('Account', `odoo-partner-${deal.partner}`)]);
          break;
        }
        case 'order': {
          const name = `S-CHAOS-${run}-${n}`;
          const id = await insertOrder(
            db,
            name,
            deal.partner!,
            products.slice(0, 2).map((product, i) => ({ product, quantity: 1 + (n % 3), price: LINE_PRICES[i]! })),
          );
          deal.order = { id, name };
          record('orders (2 lines)', [has('Order', `odoo-sale-order-${id}`)]);
          break;
        }
        case 'confirmation':
          await confirmOrder(db, deal.order!.id);
          record('order confirmations', [
            has('Order', `odoo-sale-order-${deal.order!.id}`, (v) => v['Status'] === 'Confirmed'),
          ]);
          break;
        case 'delivery': {
          const moves = products.slice(0, 2).map((product) => ({ product, quantity: 1 }));
          deal.picking = await insertDelivery(db, `WH/OUT/CHAOS/${run}/${n}`, deal.partner!, deal.order!, moves);
          record('deliveries', [has('Odoo_Shipment__c', `odoo-shipment-${deal.picking}`)]);
          break;
        }
        case 'validation':
          await validateDelivery(db, deal.picking!, `CHAOS${n}`);
          record('delivery validations', [
            has('Odoo_Shipment__c', `odoo-shipment-${deal.picking}`, (v) => v['State__c'] === 'done'),
          ]);
          break;
        case 'invoice':
          deal.invoice = await insertPostedInvoice(db, deal.partner!, deal.order!.name, `INV/CHAOS/${run}/${n}`);
          record('invoices', [
            has('Odoo_Invoice__c', `odoo-invoice-${deal.invoice}`, (v) => v['State__c'] === 'posted'),
          ]);
          break;
        case 'payment': {
          const reference = `BNK/CHAOS/${run}/${n}`;
          const { rows } = await db.query<{ total: string }>(
            'SELECT amount_total::text AS total FROM account_move WHERE id = $1',
            [deal.invoice],
          );
          await payInvoice(db, deal.partner!, deal.invoice!, reference, rows[0]!.total);
          const payment = await db.query<{ id: number }>(
            'SELECT p.id FROM account_payment p JOIN account_move m ON m.id = p.move_id WHERE m.name = $1',
            [reference],
          );
          record('payments', [
            has('Odoo_Payment__c', `odoo-payment-${payment.rows[0]!.id}`),
            has('Odoo_Invoice__c', `odoo-invoice-${deal.invoice}`, (v) => v['Payment_State__c'] === 'paid'),
          ]);
          break;
        }
      }
      deal.step++;
    };
    const startedAt = Date.now();
    let working = true;
    const workload = (async () => {
      for (let i = 0; working; i++) {
        const due = startedAt + (i * 1000) / options.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        if (!working) break;
        while (deals.length < OPEN_DEALS) deals.push({ step: 0 });
        const deal = deals.shift()!;
        try {
          await step(deal);
          if (deal.step < STEPS.length) deals.push(deal);
        } catch (error) {
          // A database restart: the transaction may or may not have committed, so it is not counted as written and
          // its deal is dropped; the reconciler still compares whatever Odoo holds. A new connection for the next one.
          failedWrites++;
          log(`chaos: workload transaction failed (${(error as Error).message}); reconnecting`);
          await endWorkload(db);
          db = await reconnectWorkload();
        }
      }
    })();

    // The faults, one after another on the schedule.
    const plan = planFaults(
      options.faults,
      specs.map((s) => s.name),
      options.runMs,
    );
    log(
      `chaos ${run}: workload at ${options.rate}/s for ${(options.runMs / 60_000).toFixed(1)} min; faults: ${
        plan.map((f) => `${f.label} at ${Math.round(f.atMs / 1000)} s`).join(', ') || 'none'
      }`,
    );
    const windows: { fault: PlannedFault; startedAt: number; endedAt: number; error?: string }[] = [];
    for (const fault of plan) {
      const due = startedAt + fault.atMs;
      if (due > Date.now()) await sleep(due - Date.now());
      const began = Date.now();
      log(`chaos: ${fault.label} (hold ${Math.round(fault.holdMs / 1000)} s)`);
      let error: string | undefined;
      try {
        await injectFault(fault, {
          sf,
          stackCommand,
          kill: async (name) => {
            await apps.get(name as AppName)!.kill();
            await start(specs.find((s) => s.name === name)!);
          },
        });
      } catch (e) {
        error = (e as Error).message;
        log(`chaos: ${fault.label} failed: ${error}`);
      }
      windows.push({ fault, startedAt: began, endedAt: Date.now(), error });
      log(`chaos: ${fault.label} over after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
    const end = startedAt + options.runMs;
    if (end > Date.now()) await sleep(end - Date.now());
    // A schedule that ran late (restarts take longer than planned) keeps the workload on until its last fault is over.
    working = false;
    const workloadS = (Date.now() - startedAt) / 1000;
    await workload;
    log(`chaos: workload stopped after ${writes.length} transactions; draining`);

    // Drain: every write in Salesforce and every group at the end of its topics.
    const drainStarted = Date.now();
    const drainDeadline = drainStarted + (options.drainTimeoutMs ?? 600_000);
    let drainS: number | null = null;
    while (Date.now() < drainDeadline) {
      const open = writes.filter((w) => w.landedAt === undefined).length;
      const behind = await runLag(admin, prefix).catch(() => undefined);
      if (open === 0 && behind === 0) {
        drainS = (Date.now() - drainStarted) / 1000;
        break;
      }
      await sleep(2_000);
    }
    log(drainS === null ? 'chaos: the pipeline did not drain' : `chaos: drained in ${drainS.toFixed(1)} s`);

    // The reconciler, for every entity the run projects; then the sandbox's duplicate creates.
    const drift: Record<string, number> = {};
    for (const entity of [
      'Account',
      'Contact',
      'Product2',
      'Order',
      'Odoo_Invoice__c',
      'Odoo_Payment__c',
      'Odoo_Shipment__c',
    ]) {
      const res = await fetch(`${apps.get('projector-salesforce')!.url}/reconcile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` },
        body: JSON.stringify({ entity, since: '24h', repair: false }),
      });
      const report = (await res.json()) as { status?: string; findings?: unknown[]; message?: string };
      if (res.status !== 200 || report.status !== 'ok') {
        throw new Error(`reconcile ${entity}: HTTP ${res.status} ${JSON.stringify(report).slice(0, 300)}`);
      }
      drift[entity] = report.findings?.length ?? 0;
    }
    const unlanded = await explainUnlanded(hubDb.url, waiting);
    for (const u of unlanded)
      log(`chaos: not in Salesforce: ${u.object} ${u.key}; the hub's trail: ${JSON.stringify(u)}`);
    const creates = await sf.creates();
    const duplicates = {
      count: creates.duplicates.reduce((sum, d) => sum + d.ids.length - 1, 0),
      examples: creates.duplicates.slice(0, 10).map(({ object, value, ids }) => ({ object, value, ids })),
    };

    const faults: FaultOutcome[] = windows.map(({ fault, startedAt: began, endedAt, error }) => ({
      label: fault.label,
      kind: fault.kind,
      atS: (began - startedAt) / 1000,
      outageS: (endedAt - began) / 1000,
      ...faultFigures(writes, lag, { startedAt: began, endedAt }),
      ...(error ? { error } : {}),
    }));
    const took = (w: Write) => (w.landedAt ?? Number.MAX_SAFE_INTEGER) - w.committedAt;
    const slowest = [...writes]
      .sort((a, b) => took(b) - took(a))
      .slice(0, 5)
      .map((w) => ({
        kind: w.kind,
        key: w.expects.map((e) => `${e.object} ${e.key}`).join(', '),
        committedS: (w.committedAt - startedAt) / 1000,
        landedS: w.landedAt === undefined ? null : (w.landedAt - startedAt) / 1000,
      }));
    const written: Record<string, number> = {};
    for (const w of writes) written[w.kind] = (written[w.kind] ?? 0) + 1;
    const partial = {
      run,
      startedAt: new Date(startedAt).toISOString(),
      minutes: options.runMs / 60_000,
      workloadS,
      rate: options.rate,
      records: {
        written,
        total: writes.length,
        landed: writes.filter((w) => w.landedAt !== undefined).length,
        failedWrites,
      },
      faults,
      slowest,
      drainS,
      drift,
      duplicates,
      unlanded,
    };
    return { ...partial, ...judge(partial) };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * What the run's hub database says of each expectation that never held in Salesforce: its applied positions and its
 * audit entries (outcome, reason, position), so a lost or stale write is explained by the run that found it, before
 * the database is dropped.
 */
async function explainUnlanded(hubUrl: string, waiting: ReadonlyMap<string, unknown[]>): Promise<UnlandedRecord[]> {
  const keys = [...waiting.keys()].slice(0, 20).map((k) => {
    const [object, key] = k.split('\u0000');
    return { object, key };
  });
  if (keys.length === 0) return [];
  const db = new Client({ connectionString: hubUrl });
  await db.connect();
  try {
    const out: UnlandedRecord[] = [];
    for (const { object, key } of keys) {
      const positions = await db.query<{ object_name: string; source_system: string; source_position: string }>(
        `SELECT object_name, source_system, source_position::text FROM applied_position WHERE external_id = $1`,
        [key],
      );
      const audit = await db.query<{ at: string; outcome: string; reason: string | null; position: string | null }>(
        `SELECT occurred_at::text AS at, outcome, reason, source_position::text AS position FROM audit_entry
          WHERE kind = 'write' AND object_name = $1 AND external_id = $2 ORDER BY id LIMIT 20`,
        [object, key],
      );
      out.push({
        object,
        key,
        appliedPositions: positions.rows.map((r) => `${r.object_name} ${r.source_system} ${r.source_position}`),
        audit: audit.rows.map((r) => `${r.at} ${r.outcome} @${r.position ?? '-'}${r.reason ? `: ${r.reason}` : ''}`),
      });
    }
    return out;
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Where faults are injected: the run's sandbox (its fault API), the stack script, the run's services. */
export interface FaultTargets {
  sf: Pick<SandboxClient, 'setFaults' | 'clearFaults'>;
  stackCommand: (args: string[]) => Promise<void>;
  /** SIGKILL, then start again; resolves when the service is ready. */
  kill(name: string): Promise<void>;
}

/**
 * Injects one fault and resolves once it is over: after its hold, the component started again or the sandbox's faults
 * cleared, even when the hold was cut short by an error.
 */
export async function injectFault(fault: PlannedFault, to: FaultTargets): Promise<void> {
  const hold = () => sleep(fault.holdMs);
  switch (fault.kind) {
    case 'kill':
      return to.kill(fault.target!);
    case 'kafka':
    case 'postgres':
    case 'connect':
    case 'registry':
      await to.stackCommand(['stop', fault.kind]);
      try {
        await hold();
      } finally {
        await to.stackCommand(['up', '--only', fault.kind]);
      }
      return;
    case 'sf-503':
      return sandboxFault(to.sf, { status503Rate: 1 }, hold);
    case 'sf-429':
      // Salesforce's answer to a client over its request limit: 403 REQUEST_LIMIT_EXCEEDED (its REST API sends no 429).
      return sandboxFault(to.sf, { requestLimitExceeded: true }, hold);
    case 'sf-slow':
      // Half the writes commit, then their answer is held 8 s and the socket dropped: past SF_REQUEST_TIMEOUT_MS.
      return sandboxFault(to.sf, { commitThenTimeoutRate: 0.5, commitThenTimeoutMs: 8_000, seed: 15 }, hold);
  }
}

async function sandboxFault(sf: FaultTargets['sf'], faults: Record<string, unknown>, hold: () => Promise<void>) {
  await sf.setFaults(faults);
  try {
    await hold();
  } finally {
    await sf.clearFaults();
  }
}
