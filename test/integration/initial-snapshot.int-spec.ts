import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { kafka } from './support/kafka';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

const PARTNERS = Number(process.env.HUB_SNAPSHOT_PARTNERS ?? 100_000);

/**
 * An Odoo database that already holds 100,000 partners when the hub is connected: Debezium's initial snapshot puts
 * every one of them through odoo-cdc onto the customer topic exactly once, in bounded memory. It runs against a
 * database and connector of its own, so the shared Odoo database and its stream stay small for the other tests.
 */
describe(`initial snapshot of ${PARTNERS} partners`, () => {
  const run = runId('snap').replace(/-/g, '_');
  const prefix = `it-${run}.`;
  const database = `odoo_${run}`;
  const connector = `it-${run}`;
  const changes = `${prefix}changes`;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let cdc: RunningApp | undefined;
  const connect = () => stack().connect.url;

  beforeAll(async () => {
    const admin = new Client({ connectionString: stack().postgres.hub });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const db = new Client({ connectionString: stack().postgres.odoo.replace(/\/[^/]*$/, `/${database}`) });
    await db.connect();
    await db.query(readFileSync(join(ROOT, 'scripts/stack.d/odoo17-schema.sql'), 'utf8'));
    await db.query(
      `INSERT INTO res_partner (name, complete_name, is_company, type, active, email, city, country_id, customer_rank, create_date, write_date)
       SELECT 'Snapshot Co ' || g, 'Snapshot Co ' || g, true, 'contact', true, 'co' || g || '@example.com', 'Brussels', 20, 1,
              now() at time zone 'utc', now() at time zone 'utc'
       FROM generate_series(1, $1) g`,
      [PARTNERS],
    );
    await db.end();
    hubDb = await createHubDatabase(`hub_${run}`);
  });

  afterAll(async () => {
    await cdc?.kill();
    await fetch(`${connect()}/connectors/${connector}`, { method: 'DELETE' });
    const admin = new Client({ connectionString: stack().postgres.hub });
    await admin.connect();
    await eventually(
      async () => {
        const { rows } = await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [`${run}`]);
        if (rows[0]?.active) return undefined;
        if (rows[0]) await admin.query('SELECT pg_drop_replication_slot($1)', [`${run}`]);
        return true;
      },
      30_000,
      'the snapshot connector to release its slot',
    ).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await hubDb?.drop();
  });

  it(
    'puts every partner on the customer topic exactly once, in bounded memory',
    async () => {
      const base = JSON.parse(readFileSync(join(ROOT, 'scripts/stack.d/odoo-connector.json'), 'utf8')) as Record<
        string,
        string
      >;
      const config = {
        ...base,
        'database.port': new URL(stack().postgres.odoo).port,
        'database.dbname': database,
        'topic.prefix': run,
        'slot.name': run,
        'publication.name': run,
        'table.include.list': 'public.res_company,public.res_country,public.res_currency,public.res_partner',
        'replica.identity.autoset.values': 'public.res_partner:FULL',
        'transforms.ordered.regex': `${run}\\.(public\\..+|transaction)`,
        'transforms.ordered.replacement': changes,
        'heartbeat.action.query': '',
      };
      delete (config as Record<string, string>)['heartbeat.action.query'];
      delete (config as Record<string, string>)['signal.data.collection'];

      const started = Date.now();
      const put = await fetch(`${connect()}/connectors/${connector}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(config),
      });
      expect(put.status).toBeLessThan(300);
      [cdc] = await startApps([
        {
          name: 'odoo-cdc',
          env: {
            KAFKA_BROKERS: stack().kafka.brokers,
            SCHEMA_REGISTRY_URL: stack().registry.url,
            HUB_TOPIC_PREFIX: prefix,
            HUB_DATABASE_URL: hubDb.url,
            CONSUMER_GROUP: `${prefix}odoo-cdc`,
            DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
            CDC_TOPIC: changes,
            LOG_LEVEL: 'warn',
          },
        },
      ]);
      const admin = kafka().admin();
      await admin.connect();
      const customerTopic = `${prefix}customer.v1`;
      let peakRssKb = 0;
      const sampleRss = () => {
        const status = readFileSync(`/proc/${cdc!.process.pid}/status`, 'utf8');
        peakRssKb = Math.max(peakRssKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      };
      const total = await eventually(
        async () => {
          sampleRss();
          const offsets = await admin.fetchTopicOffsets(customerTopic).catch(() => []);
          const total = offsets.reduce((n, o) => n + Number(o.high), 0);
          return total >= PARTNERS ? total : undefined;
        },
        25 * 60_000,
        `${PARTNERS} customers on ${customerTopic}`,
      );
      const seconds = (Date.now() - started) / 1000;
      await admin.disconnect();

      // Read back only the keys: every inserted partner exactly once.
      const seen = new Map<string, number>();
      const consumer = kafka().consumer({ groupId: `${prefix}reader`, maxBytesPerPartition: 4 * 1024 * 1024 });
      await consumer.connect();
      await consumer.subscribe({ topic: customerTopic, fromBeginning: true });
      let read = 0;
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const key = m.key!.toString();
              seen.set(key, (seen.get(key) ?? 0) + 1);
            }
            read += batch.messages.length;
            if (read >= total) resolve();
          },
        });
      });
      await consumer.disconnect();
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      expect(duplicates).toBe(0);
      expect(seen.size).toBeGreaterThanOrEqual(PARTNERS);
      // Bounded memory: the snapshot streams through; it is never held whole.
      expect(peakRssKb).toBeLessThan(600 * 1024);
      process.stdout.write(
        `\ninitial snapshot: ${PARTNERS} partners in ${seconds.toFixed(1)} s (${Math.round(PARTNERS / seconds)}/s), odoo-cdc peak RSS ${Math.round(peakRssKb / 1024)} MiB\n`,
      );
    },
    30 * 60_000,
  );
});
