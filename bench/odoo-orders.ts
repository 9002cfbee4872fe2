// Measures Salesforce orders into Odoo through the whole hub (Salesforce sandbox REST → Pub/Sub API → ingress →
// order-submission topic → projector-odoo → Odoo sandbox, action_confirm), each figure beside its reference in one run:
// - quiet: orders activated at RATE per second; p50/p99 from the activation (the REST call that sets Status =
//   Activated) to the confirmed sale order in Odoo (state sale, found by its origin);
// - burst: BURST orders activated at once; confirmed orders per second into Odoo;
// - under load: the same RATE while a CATALOGUE-product catalogue is imported into Odoo (SQL, 1,000 products per
//   transaction, as an import does), which Debezium, odoo-cdc and projector-salesforce carry to Salesforce at the same
//   time; the ratio of its p50/p99 to the quiet ones says what the load costs an order.
// Usage: npm run bench:odoo-orders -- [orders=100] [burst=200] [catalogue=50000] [rate=10]
// The stack must be up (scripts/stack up) and the apps built (npm run build). Writes bench/results/odoo-orders-<time>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { OdooSandboxClient } from '../sandboxes/odoo/odoo-sandbox.client';
import { SandboxClient } from '../sandboxes/salesforce/sandbox.client';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { RunningApp, startApps } from '../scripts/lib/app-process';
import { insertProduct, insertStock } from '../scripts/lib/odoo-commerce';
import { repSession } from '../scripts/lib/salesforce-rep';
import { benchAppEnv } from './support/bench-stack';

const ROOT = join(__dirname, '..');
const ORDERS = Number(process.argv[2] ?? 100);
const BURST = Number(process.argv[3] ?? 200);
const CATALOGUE = Number(process.argv[4] ?? 50_000);
const RATE = Number(process.argv[5] ?? 10);
const SKUS = 5;
const POLL_MS = 25;

interface Stack {
  postgres: { hub: string; odoo: string };
  kafka: { brokers: string };
  registry: { url: string };
  salesforceSandbox: { url: string; pubSubEndpoint: string };
  odooSandbox: { url: string };
}
const stack = JSON.parse(
  execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' }),
) as Stack;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const latencySummary = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    orders: sorted.length,
    p50Ms: Math.round(percentile(sorted, 0.5)),
    p99Ms: Math.round(percentile(sorted, 0.99)),
  };
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

async function main() {
  const run = `bench-odoo-${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const hubDb = await createHubDatabase(stack.postgres.hub, run);
  const hubUrl = hubDb.url;
  const odoo = new OdooSandboxClient(stack.odooSandbox.url);
  const key = await odoo.createApiKey({ name: run });
  const db = new Client({ connectionString: stack.postgres.odoo });
  await db.connect();
  const rep = await repSession(stack.salesforceSandbox.url);
  const common = benchAppEnv(stack, prefix, hubUrl);
  const salesforce = {
    SF_LOGIN_URL: stack.salesforceSandbox.url,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
  };
  let apps: RunningApp[] = [];
  try {
    console.log(`bench: starting ingress, projector-odoo, odoo-cdc and projector-salesforce (topics ${prefix}*)`);
    apps = await startApps([
      {
        name: 'ingress',
        env: {
          ...common,
          ...salesforce,
          DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
          SF_PUBSUB_ENDPOINT: stack.salesforceSandbox.pubSubEndpoint,
          SF_PUBSUB_VERIFY_TLS: 'false',
          SF_CDC_CHANNELS: '/data/AccountChangeEvent,/data/OrderChangeEvent',
          SF_CDC_INITIAL_START: 'latest',
        },
      },
      {
        name: 'projector-odoo',
        env: {
          ...common,
          CONSUMER_GROUP: `${prefix}projector-odoo`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
          ODOO_URL: stack.odooSandbox.url,
          ODOO_DATABASE: 'odoo',
          ODOO_LOGIN: key.login,
          ODOO_API_KEY: key.key,
        },
      },
      {
        name: 'odoo-cdc',
        env: { ...common, CONSUMER_GROUP: `${prefix}odoo-cdc`, DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc` },
      },
      {
        name: 'projector-salesforce',
        env: {
          ...common,
          ...salesforce,
          CONSUMER_GROUP: `${prefix}projector-salesforce`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.projector-salesforce`,
        },
      },
    ]);
    // odoo-cdc starts from the beginning of Odoo's change stream and projector-salesforce carries it all to Salesforce:
    // measure once both are idle, and give ingress's streams (from the latest replay id) time to open.
    const kafka = new Kafka({ clientId: run, brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await until(
      'odoo-cdc catching up with the change stream',
      async () => {
        const [end] = await kafkaAdmin.fetchTopicOffsets('odoo.changes');
        const [group] = await kafkaAdmin.fetchOffsets({ groupId: `${prefix}odoo-cdc`, topics: ['odoo.changes'] });
        return group?.partitions[0]?.offset === end.high ? true : undefined;
      },
      900_000,
    );
    await kafkaAdmin.disconnect();
    const sandbox = new SandboxClient(stack.salesforceSandbox.url);
    let calls = -1;
    await until(
      'projector-salesforce idle',
      async () => {
        const now = (await sandbox.stats()).apiCalls;
        const idle = now === calls;
        calls = now;
        if (!idle) await sleep(3_000);
        return idle ? true : undefined;
      },
      900_000,
    );

    // The customer, from Salesforce as a rep creates it, and the products it orders (Odoo's, with stock; the rep's
    // price book carries them with the same product codes).
    const tag = Date.now().toString(36);
    const account = String(
      (await rep.sobject('Account').create({ Name: `Bench customer ${tag}`, BillingCountry: 'BE' })).id,
    );
    await until(
      'the customer in Odoo',
      async () =>
        (
          await db.query(`SELECT 1 FROM ir_model_data WHERE module = 'hub' AND name = $1`, [
            `salesforce_account_${account}`,
          ])
        ).rows[0],
      120_000,
    );
    const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;
    const entries: { id: string; price: number }[] = [];
    for (let i = 0; i < SKUS; i++) {
      const sku = `BENCH-${tag}-${i}`;
      const product = await insertProduct(db, `Bench part ${i} ${tag}`, `${10 + i}.00`, sku);
      await insertStock(db, product, '1000000');
      const p = await rep
        .sobject('Product2')
        .create({ Name: `Bench part ${i} ${tag}`, ProductCode: sku, IsActive: true });
      const e = await rep
        .sobject('PricebookEntry')
        .create({ Pricebook2Id: pricebook.Id, Product2Id: p.id, UnitPrice: 10 + i, IsActive: true });
      entries.push({ id: String(e.id), price: 10 + i });
    }

    let serial = 0;
    /** Draft orders of SKUS lines, ready to be activated. */
    const drafts = async (n: number): Promise<string[]> => {
      const created = await rep.sobject('Order').create(
        Array.from({ length: n }, () => ({
          AccountId: account,
          Pricebook2Id: pricebook.Id,
          EffectiveDate: new Date().toISOString().slice(0, 10),
          Status: 'Draft',
          Name: `Bench order ${tag}-${++serial}`,
        })),
      );
      const ids = created.map((c) => String(c.id));
      for (let from = 0; from < ids.length; from += 40) {
        const items = ids
          .slice(from, from + 40)
          .flatMap((order) =>
            entries.map((e) => ({ OrderId: order, PricebookEntryId: e.id, Quantity: 1, UnitPrice: e.price })),
          );
        const results = await rep.sobject('OrderItem').create(items);
        const failed = results.find((r) => !r.success);
        if (failed) throw new Error(`bench: an order item was refused: ${JSON.stringify(failed)}`);
      }
      return ids;
    };

    /** Activates the orders (all at once when perSecond is Infinity) and times each until its sale order is confirmed. */
    const activateAndTime = async (orders: string[], perSecond: number) => {
      const activatedAt = new Map<string, number>();
      const latencies: number[] = [];
      const stages: { ingress: number[]; projector: number[] } = { ingress: [], projector: [] };
      let lastConfirmed = 0;
      const started = Date.now();
      const activating = (async () => {
        if (perSecond === Infinity) {
          for (let from = 0; from < orders.length; from += 200) {
            const batch = orders.slice(from, from + 200);
            const at = Date.now();
            await rep.sobject('Order').update(batch.map((Id) => ({ Id, Status: 'Activated' })));
            for (const id of batch) activatedAt.set(id, at);
          }
          return;
        }
        for (const [i, id] of orders.entries()) {
          const due = started + (i * 1000) / perSecond;
          if (due > Date.now()) await sleep(due - Date.now());
          const at = Date.now();
          await rep.sobject('Order').update({ Id: id, Status: 'Activated' });
          activatedAt.set(id, at);
        }
      })();
      const pending = new Set(orders);
      const deadline = Date.now() + 600_000;
      while (pending.size > 0) {
        if (Date.now() > deadline) throw new Error(`bench: ${pending.size} orders not confirmed within 600 s`);
        const { rows } = await db.query<{ origin: string }>(
          `SELECT origin FROM sale_order WHERE state = 'sale' AND origin = ANY($1)`,
          [[...pending].map((id) => `Salesforce ${id}`)],
        );
        const now = Date.now();
        for (const { origin } of rows) {
          const id = origin.slice('Salesforce '.length);
          const at = activatedAt.get(id);
          if (at === undefined || !pending.delete(id)) continue;
          latencies.push(now - at);
          const submitted = submittedAt.get(id);
          if (submitted !== undefined) {
            stages.ingress.push(submitted - at);
            stages.projector.push(now - submitted);
          }
          lastConfirmed = now;
        }
        await sleep(POLL_MS);
      }
      await activating;
      return { latencies, stages, seconds: (lastConfirmed - started) / 1000 };
    };

    // When each order's submission reached Kafka (the broker's timestamp): splits activation → confirmed into ingress
    // (Pub/Sub, the REST read, the publish) and projector-odoo (the Odoo calls).
    const submittedAt = new Map<string, number>();
    const submissions = kafka.consumer({ groupId: `${run}-submissions` });
    await submissions.connect();
    await submissions.subscribe({ topics: [`${prefix}order-submission.v1`], fromBeginning: true });
    await submissions.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        if (key.startsWith('salesforce-order-') && !submittedAt.has(key)) {
          submittedAt.set(key.slice('salesforce-order-'.length), Number(message.timestamp));
        }
      },
    });

    // A first order through every hop, so that no measured order pays for connections and schema lookups.
    await activateAndTime(await drafts(1), RATE);

    console.log(`bench: quiet, ${ORDERS} orders at ${RATE}/s`);
    const quietRun = await activateAndTime(await drafts(ORDERS), RATE);
    const quiet = latencySummary(quietRun.latencies);

    console.log(`bench: burst, ${BURST} orders activated at once`);
    const burstRun = await activateAndTime(await drafts(BURST), Infinity);
    const burst = {
      orders: BURST,
      seconds: Number(burstRun.seconds.toFixed(1)),
      ordersPerSecond: Number((BURST / burstRun.seconds).toFixed(1)),
    };

    console.log(`bench: under load, ${ORDERS} orders at ${RATE}/s while ${CATALOGUE} products are imported into Odoo`);
    const loadOrders = await drafts(ORDERS);
    const loadStarted = Date.now();
    let imported = 0;
    const importing = (async () => {
      for (let from = 0; from < CATALOGUE; from += 1_000) {
        const n = Math.min(1_000, CATALOGUE - from);
        await db.query('BEGIN');
        await db.query(
          `WITH t AS (
             INSERT INTO product_template (name, detailed_type, type, categ_id, list_price, uom_id, uom_po_id, company_id, default_code)
             SELECT jsonb_build_object('en_US', 'Catalogue ' || $1 || '-' || g), 'product', 'product', 1, 9.90, 1, 1, 1,
                    'CAT-' || $1 || '-' || g
               FROM generate_series($2::int, $3::int) g
             RETURNING id, default_code)
           INSERT INTO product_product (product_tmpl_id, default_code) SELECT id, default_code FROM t`,
          [tag, from + 1, from + n],
        );
        await db.query('COMMIT');
        imported += n;
      }
    })();
    const underLoadRun = await activateAndTime(loadOrders, RATE);
    const importedWhenOrdersDone = imported;
    await importing;
    const importSeconds = (Date.now() - loadStarted) / 1000;
    const underLoad = latencySummary(underLoadRun.latencies);
    await submissions.disconnect();
    const stagesOf = (run: { stages: { ingress: number[]; projector: number[] } }) => ({
      ingress: latencySummary(run.stages.ingress),
      projectorOdoo: latencySummary(run.stages.projector),
    });
    // How far the catalogue had got to Salesforce when the last order was confirmed, and when it was all there.
    const inSalesforce = async () =>
      (await rep.query(`SELECT COUNT() FROM Product2 WHERE ProductCode LIKE 'CAT-${tag}-%'`)).totalSize;
    const catalogueInSalesforceWhenOrdersDone = await inSalesforce();
    const catalogueDone = await until(
      'the catalogue in Salesforce',
      async () => ((await inSalesforce()) >= CATALOGUE ? Date.now() : undefined),
      1_800_000,
    );

    const figures = {
      at: new Date().toISOString(),
      rate: RATE,
      linesPerOrder: SKUS,
      quiet: { ...quiet, stages: stagesOf(quietRun) },
      burst: { ...burst, stages: stagesOf(burstRun) },
      underLoad: {
        ...underLoad,
        stages: stagesOf(underLoadRun),
        catalogue: CATALOGUE,
        importedIntoOdooWhenOrdersDone: importedWhenOrdersDone,
        inSalesforceWhenOrdersDone: catalogueInSalesforceWhenOrdersDone,
        odooImportSeconds: Number(importSeconds.toFixed(1)),
        catalogueToSalesforceSeconds: Number(((catalogueDone - loadStarted) / 1000).toFixed(1)),
      },
      ratio: {
        p50UnderLoadToQuiet: Number((underLoad.p50Ms / quiet.p50Ms).toFixed(2)),
        p99UnderLoadToQuiet: Number((underLoad.p99Ms / quiet.p99Ms).toFixed(2)),
      },
    };
    console.table({
      [`quiet, ${RATE}/s`]: { orders: quiet.orders, 'p50 ms': quiet.p50Ms, 'p99 ms': quiet.p99Ms },
      [`under a ${CATALOGUE}-product import, ${RATE}/s`]: {
        orders: underLoad.orders,
        'p50 ms': underLoad.p50Ms,
        'p99 ms': underLoad.p99Ms,
      },
      'burst (activated at once)': { orders: burst.orders, 'orders/s': burst.ordersPerSecond, seconds: burst.seconds },
    });
    const stageRow = (name: string, run: { stages: { ingress: number[]; projector: number[] } }) => {
      const { ingress, projectorOdoo } = stagesOf(run);
      return {
        [`${name}: activation → submission on Kafka (ingress)`]: { 'p50 ms': ingress.p50Ms, 'p99 ms': ingress.p99Ms },
        [`${name}: submission → confirmed (projector-odoo)`]: {
          'p50 ms': projectorOdoo.p50Ms,
          'p99 ms': projectorOdoo.p99Ms,
        },
      };
    };
    console.table({
      ...stageRow('quiet', quietRun),
      ...stageRow('under load', underLoadRun),
      ...stageRow('burst', burstRun),
    });
    console.log(
      `ratios: under load / quiet p50 ${figures.ratio.p50UnderLoadToQuiet}, p99 ${figures.ratio.p99UnderLoadToQuiet}; ` +
        `when the last order was confirmed, ${importedWhenOrdersDone} products were imported into Odoo and ` +
        `${catalogueInSalesforceWhenOrdersDone} were in Salesforce (all ${CATALOGUE} after ${figures.underLoad.catalogueToSalesforceSeconds} s)`,
    );
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `odoo-orders-${figures.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`bench: wrote ${file.slice(ROOT.length + 1)}`);
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await odoo.revokeApiKey(key.id).catch(() => undefined);
    await db.end();
    await hubDb.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
