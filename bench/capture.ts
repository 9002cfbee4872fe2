#!/usr/bin/env node
// Capture: how much of Debezium's own rate odoo-cdc keeps. In one run on one machine, against an Odoo database and a
// connector of the bench's own:
//   1. Debezium alone: N partners inserted in one transaction, then M orders of 10 lines (a transaction each), timed
//      from the commit until every change is in the changes topic;
//   2. odoo-cdc draining that same stream into canonical events, side by side: as built (the mirror flushed to disk and
//      the events produced once per fetch of up to 4 MiB), with CDC_FLUSH_AT=1 (once per change, as before) and with
//      fetches of kafkajs's default 1 MiB; each twice, interleaved, the better run kept.
// Usage: node -r ts-node/register/transpile-only bench/capture.ts [partners=20000] [orders=1000]
// Prints a table and writes bench/results/capture.json. The stack must be up (scripts/stack up).
import type { Admin } from 'kafkajs';
import { startApp } from '../scripts/lib/app-process';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { insertCompanies } from '../scripts/lib/isolated-odoo';
import { insertProduct } from '../scripts/lib/odoo-commerce';
import {
  BENCH_OPERATOR_TOKENS,
  connectBenchAdmin,
  createBenchOdoo,
  readStack,
  waitFor,
  writeResults,
} from './support/bench-stack';

const PARTNERS = Number(process.argv[2] ?? 20_000);
const ORDERS = Number(process.argv[3] ?? 1_000);
const LINES = 10;

interface Stage {
  changes: number;
  seconds: number;
  perSecond: number;
}

async function main(): Promise<void> {
  const stack = await readStack();
  const run = `bench_cap_${Date.now().toString(36)}`;
  const changes = `bench-${run}.changes`;
  const admin = await connectBenchAdmin(stack, 'bench-capture');
  const odoo = await createBenchOdoo(stack, run, changes);
  const cleanup: (() => Promise<unknown>)[] = [() => odoo.drop(), () => admin.disconnect()];
  try {
    const high = () => topicSize(admin, changes);
    await odoo.connect();
    // The seed rows' snapshot first: the timed stages start from a quiet stream.
    await settle(high);
    const product = await insertProduct(odoo.db, `Bench item ${run}`, '10');

    process.stdout.write(`capture: Debezium alone, ${PARTNERS} partners in one transaction\n`);
    const partnersFrom = await settle(high);
    let t0 = Date.now();
    const partners = await insertCompanies(odoo.db, `Bench Co ${run}`, PARTNERS);
    // BEGIN and END markers come with the rows.
    await waitFor(async () => (await high()) >= partnersFrom + PARTNERS + 2, 'the partners in the changes topic');
    const debeziumPartners = stage(PARTNERS, t0);

    process.stdout.write(`capture: Debezium alone, ${ORDERS} orders of ${LINES} lines, a transaction each\n`);
    const ordersFrom = await settle(high);
    t0 = Date.now();
    for (let i = 0; i < ORDERS; i++) await insertBenchOrder(odoo.db, `B${i}`, partners[0], product);
    const orderChanges = ORDERS * (1 + LINES);
    await waitFor(
      async () => (await high()) >= ordersFrom + orderChanges + 2 * ORDERS,
      'the orders in the changes topic',
    );
    const debeziumOrders = stage(orderChanges, t0);

    // Each variant twice, interleaved, and the better of its two runs kept: on two shared cores a checkpoint or a
    // JVM's collection during one run is noise, not the variant's cost.
    const variants: { name: string; env: Record<string, string> }[] = [
      { name: 'per fetch', env: {} },
      { name: 'per change', env: { CDC_FLUSH_AT: '1' } },
      // CDC_FETCH_MAX_BYTES's default is 4 MiB: against kafkajs's own 1 MiB, to show what the larger fetch buys.
      { name: '1 MiB fetches', env: { CDC_FETCH_MAX_BYTES: String(1024 * 1024) } },
    ];
    const results: Record<string, { partners: Stage; orders: Stage; events: number }> = {};
    for (const [round, variant] of [...variants, ...variants].entries()) {
      process.stdout.write(`capture: odoo-cdc (${variant.name}) draining the same stream\n`);
      const prefix = `bench-${run}-${variant.name.replace(/\W+/g, '')}${round}.`;
      const hubDb = await createHubDatabase(
        stack.postgres.hub,
        `hub_${run}_${variant.name.replace(/\W+/g, '_')}_${round}`,
      );
      cleanup.unshift(() => hubDb.drop());
      const group = `${prefix}odoo-cdc`;
      const cdc = await startApp('odoo-cdc', {
        KAFKA_BROKERS: stack.kafka.brokers,
        SCHEMA_REGISTRY_URL: stack.registry.url,
        HUB_TOPIC_PREFIX: prefix,
        HUB_DATABASE_URL: hubDb.url,
        CONSUMER_GROUP: group,
        DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
        CDC_TOPIC: changes,
        HUB_OPERATOR_TOKENS: BENCH_OPERATOR_TOKENS,
        LOG_LEVEL: 'warn',
        ...variant.env,
      });
      cleanup.unshift(() => cdc.kill());
      const consumed = () => groupOffset(admin, group, changes);
      // Timed by the group's committed offset, which odoo-cdc moves only once a change's effects are durable.
      await waitFor(async () => (await consumed()) >= partnersFrom, 'odoo-cdc to read the seed rows');
      t0 = Date.now();
      await waitFor(async () => (await consumed()) >= ordersFrom, 'odoo-cdc to publish the partners', 30 * 60_000);
      const partners = stage(PARTNERS, t0);
      t0 = Date.now();
      const end = ordersFrom + orderChanges + 2 * ORDERS;
      await waitFor(async () => (await consumed()) >= end, 'odoo-cdc to publish the orders', 30 * 60_000);
      const orders = stage(orderChanges, t0);
      const events =
        (await topicSize(admin, `${prefix}customer.v1`)) + (await topicSize(admin, `${prefix}sales-order.v1`));
      await cdc.stop();
      const before = results[variant.name];
      results[variant.name] = {
        partners: before && before.partners.perSecond > partners.perSecond ? before.partners : partners,
        orders: before && before.orders.perSecond > orders.perSecond ? before.orders : orders,
        events,
      };
    }

    const built = results['per fetch'];
    const before = results['per change'];
    const smallFetches = results['1 MiB fetches'];
    const ratio = (a: Stage, b: Stage) => Number((a.perSecond / b.perSecond).toFixed(2));
    const figures = {
      bench: 'capture',
      at: new Date().toISOString(),
      partners: PARTNERS,
      orders: ORDERS,
      linesPerOrder: LINES,
      debezium: { partners: debeziumPartners, orders: debeziumOrders },
      odooCdc: built,
      odooCdcFlushPerChange: before,
      odooCdc1MiBFetches: smallFetches,
      ratios: {
        partnersOdooCdcToDebezium: ratio(built.partners, debeziumPartners),
        ordersOdooCdcToDebezium: ratio(built.orders, debeziumOrders),
        partnersPerFetchToPerChange: ratio(built.partners, before.partners),
        ordersPerFetchToPerChange: ratio(built.orders, before.orders),
        partnersDefaultTo1MiBFetches: ratio(built.partners, smallFetches.partners),
        ordersDefaultTo1MiBFetches: ratio(built.orders, smallFetches.orders),
      },
    };
    const row = (name: string, s: Stage) =>
      `${name.padEnd(34)} ${String(s.changes).padStart(8)} ${s.seconds.toFixed(1).padStart(8)} ${String(s.perSecond).padStart(10)}`;
    process.stdout.write(
      [
        '',
        `${'stage'.padEnd(34)} ${'changes'.padStart(8)} ${'seconds'.padStart(8)} ${'changes/s'.padStart(10)}`,
        row('Debezium: partners', debeziumPartners),
        row('odoo-cdc: partners', built.partners),
        row('odoo-cdc, flush per change: partners', before.partners),
        row('odoo-cdc, 1 MiB fetches: partners', smallFetches.partners),
        row('Debezium: orders', debeziumOrders),
        row('odoo-cdc: orders', built.orders),
        row('odoo-cdc, flush per change: orders', before.orders),
        row('odoo-cdc, 1 MiB fetches: orders', smallFetches.orders),
        '',
        `ratio odoo-cdc / Debezium: partners ${figures.ratios.partnersOdooCdcToDebezium}, orders ${figures.ratios.ordersOdooCdcToDebezium}`,
        `ratio flush per fetch / per change: partners ${figures.ratios.partnersPerFetchToPerChange}, orders ${figures.ratios.ordersPerFetchToPerChange}`,
        `ratio 4 MiB (the default) / 1 MiB fetches: partners ${figures.ratios.partnersDefaultTo1MiBFetches}, orders ${figures.ratios.ordersDefaultTo1MiBFetches}`,
        '',
      ].join('\n'),
    );
    writeResults('capture', figures);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}

function stage(changes: number, since: number): Stage {
  const seconds = (Date.now() - since) / 1000;
  // odoo-cdc commits its offsets once per fetch: a stage shorter than that cannot be told apart from the one before.
  if (seconds < 0.2) throw new Error(`a stage of ${changes} changes ended within one fetch: too few to time, use more`);
  return { changes, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(changes / seconds) };
}

async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
  return offsets.reduce((n, o) => n + Number(o.high), 0);
}

async function groupOffset(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

/** Waits until the topic has not grown for two seconds; returns its size. */
async function settle(size: () => Promise<number>): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = await size();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (now > 0 && Date.now() - since >= 2_000) {
      return now;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One sale order with its lines in one transaction, as Odoo writes it. */
async function insertBenchOrder(
  db: import('pg').Client,
  name: string,
  customer: number,
  product: number,
): Promise<void> {
  await db.query('BEGIN');
  const o = await db.query<{ id: number }>(
    `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id,
                             date_order, amount_untaxed, amount_tax, amount_total)
     VALUES ($1, 'draft', $2, $2, $2, 2, 1, now() at time zone 'utc', 100, 0, 100) RETURNING id`,
    [name, customer],
  );
  await db.query(
    `INSERT INTO sale_order_line (order_id, sequence, product_id, name, product_uom_qty, product_uom, price_unit,
                                  price_subtotal, price_total, currency_id, company_id)
     SELECT $1, g, $2, 'Bench line ' || g, 1, 1, 10, 10, 10, 2, 1 FROM generate_series(1, $3) g`,
    [o.rows[0].id, product, LINES],
  );
  await db.query('COMMIT');
}

main().catch((error: Error) => {
  process.stderr.write(`bench capture failed: ${error.message}\n`);
  process.exit(1);
});
