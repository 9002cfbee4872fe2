// Reconciliation cost: ACCOUNTS companies and ORDERS confirmed orders (two lines each) written into Odoo by SQL,
// carried by odoo-cdc and projector-salesforce into an in-process Salesforce sandbox; then an Account pass and an
// Order pass of the reconciler (POST /reconcile), clean, and again after drift planted on DRIFT records of each:
// pass time, Salesforce API calls, and calls per 1,000 records compared.
//   npm run bench:reconcile            (ACCOUNTS=1000 ORDERS=300 DRIFT=20)
// The stack must be up (scripts/stack up) and the apps built (npm run build). Writes bench/results/reconcile-<time>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { startSalesforceSandbox } from '../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../sandboxes/salesforce/sandbox.client';
import { freePort, RunningApp, startApps } from '../scripts/lib/app-process';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { confirmOrder, insertOrder, insertProduct } from '../scripts/lib/odoo-commerce';
import { projectorSalesforceRunEnv } from '../scripts/lib/app-env';

const ROOT = join(__dirname, '..');
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 1_000);
const ORDERS = Number(process.env.ORDERS ?? 300);
const DRIFT = Number(process.env.DRIFT ?? 20);
const stack = JSON.parse(execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' })) as {
  postgres: { odoo: string; hub: string };
  kafka: { brokers: string };
  registry: { url: string };
};

interface Report {
  status: string;
  durationMs: number;
  apiCalls: number;
  compared: { aggregates: number; records: number };
  counts: { object: string; kind: string; found: number; repaired: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}

async function main() {
  const run = `bench-rec-${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const operator = `bench-operator-${run}-0123456789abcdef`;
  const repair = `bench-repair-${run}-0123456789abcdef`;
  const sandbox = await startSalesforceSandbox({ port: 0 });
  const sf = new SandboxClient(sandbox.url);
  const db = new Client({ connectionString: stack.postgres.odoo });
  await db.connect();
  const hubDb = await createHubDatabase(stack.postgres.hub, `hub_${run.replace(/-/g, '_')}`);
  const cdcPort = await freePort();
  const common = {
    KAFKA_BROKERS: stack.kafka.brokers,
    SCHEMA_REGISTRY_URL: stack.registry.url,
    HUB_TOPIC_PREFIX: prefix,
    HUB_DATABASE_URL: hubDb.url,
    HUB_OPERATOR_TOKENS: `bench:operator=${operator},reconciler:operator=${repair}`,
    LOG_LEVEL: 'warn',
  };
  let apps: RunningApp[] = [];
  try {
    apps = await startApps([
      {
        name: 'odoo-cdc',
        port: cdcPort,
        env: {
          ...common,
          CONSUMER_GROUP: `${prefix}odoo-cdc`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
        },
      },
      {
        name: 'projector-salesforce',
        env: {
          ...common,
          ...projectorSalesforceRunEnv(prefix, sandbox.url),
          ODOO_CDC_URL: `http://127.0.0.1:${cdcPort}`,
          ODOO_CDC_TOKEN: repair,
        },
      },
    ]);
    const projector = apps[1].url;
    const since = new Date(Date.now() - 60_000).toISOString();

    // Companies in transactions of 500 rows, as an import does.
    const customers: number[] = [];
    for (let from = 0; from < ACCOUNTS; from += 500) {
      const n = Math.min(500, ACCOUNTS - from);
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, type, city, active, customer_rank, create_uid, create_date, write_uid, write_date)
         SELECT $1 || g, $1 || g, true, 'contact', 'Gent', true, 1, 1, now() at time zone 'utc', 1, now() at time zone 'utc'
           FROM generate_series($2::int, $3::int) g RETURNING id`,
        [`Bench ${run} `, from, from + n - 1],
      );
      customers.push(...rows.map((r) => r.id));
    }
    const desk = await insertProduct(db, `Desk ${run}`, '199.9');
    const chair = await insertProduct(db, `Chair ${run}`, '70.50');
    const orders: number[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const id = await insertOrder(db, `S-${run}-${i}`, customers[i % customers.length], [
        { product: desk, quantity: 1 + (i % 3), price: '199.9' },
        { product: chair, quantity: 2, price: '70.50' },
      ]);
      await confirmOrder(db, id);
      orders.push(id);
    }
    const count = async (soql: string) => (await sf.query<Record<string, unknown>>(soql)).length;
    await until(
      'every account and order item in Salesforce',
      async () =>
        (await count(`SELECT Id FROM Account WHERE Name LIKE 'Bench ${run}%'`)) >= ACCOUNTS &&
        (await count(`SELECT Id FROM OrderItem WHERE Order.Name LIKE 'S-${run}-%' AND Order.Status = 'Confirmed'`)) >=
          2 * ORDERS
          ? true
          : undefined,
      900_000,
    );

    const pass = async (entity: string) => {
      const res = await fetch(`${projector}/reconcile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
        body: JSON.stringify({ entity, since }),
      });
      const report = (await res.json()) as Report;
      if (report.status !== 'ok') throw new Error(`bench: ${entity} pass ${JSON.stringify(report)}`);
      return report;
    };
    const figures = (label: string, r: Report) => ({
      pass: label,
      aggregates: r.compared.aggregates,
      records: r.compared.records,
      durationMs: r.durationMs,
      apiCalls: r.apiCalls,
      callsPer1000Records: Math.round((r.apiCalls / Math.max(1, r.compared.records)) * 1_000 * 10) / 10,
      drift: r.counts.reduce((s, c) => s + c.found, 0),
      repaired: r.counts.reduce((s, c) => s + c.repaired, 0),
    });
    const rows = [figures('Account clean', await pass('Account')), figures('Order clean', await pass('Order'))];

    // Drift: accounts deleted and order statuses changed by a person.
    const accounts = await sf.query<{ Id: string }>(
      `SELECT Id FROM Account WHERE Name LIKE 'Bench ${run}%' ORDER BY Name LIMIT ${DRIFT}`,
    );
    for (const a of accounts) await sf.deleteAsPerson('Account', a.Id);
    const planted = await sf.query<{ Id: string }>(
      `SELECT Id FROM Order WHERE Name LIKE 'S-${run}-%' ORDER BY Name LIMIT ${DRIFT}`,
    );
    for (const o of planted) await sf.editAsPerson('Order', o.Id, { Status: 'Draft' });
    const drifted = [await pass('Account'), await pass('Order')];
    rows.push(figures('Account with drift', drifted[0]), figures('Order with drift', drifted[1]));
    const kinds = drifted.flatMap((r) => r.counts);

    // Repairs go through Kafka and the projector: passes again until both find nothing.
    const repairStarted = Date.now();
    const clean = await until(
      'a clean pass after the repairs',
      async () => {
        const again = [await pass('Account'), await pass('Order')];
        return again.every((r) => r.counts.length === 0) ? again : undefined;
      },
      300_000,
    );
    rows.push(figures('Account after repair', clean[0]), figures('Order after repair', clean[1]));

    const cleanAfterMs = Date.now() - repairStarted;
    const result = {
      at: new Date().toISOString(),
      accounts: ACCOUNTS,
      orders: ORDERS,
      drift: DRIFT,
      passes: rows,
      driftFound: kinds,
      cleanPassAfterRepairMs: cleanAfterMs,
    };
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `reconcile-${Date.now()}.json`), JSON.stringify(result, null, 2));
    console.table(rows);
    console.table(kinds);
    console.log(`a clean pass of both entities ${cleanAfterMs} ms after the repairs were asked for`);
  } finally {
    await Promise.all(apps.map((a) => a.kill()));
    await db.end();
    await hubDb.drop();
    await sandbox.close();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
