import { readFileSync } from 'node:fs';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { OPERATOR_TEST_TOKENS } from './support/app-env';
import { createIsolatedOdoo, insertCompanies, IsolatedOdoo } from './support/isolated-odoo';
import { kafka } from './support/kafka';
import { createHubDatabase, runId, stack } from './support/stack';

const PARTNERS = Number(process.env.HUB_SNAPSHOT_PARTNERS ?? 100_000);

/**
 * An Odoo database that already holds 100,000 partners when the hub is connected: Debezium's initial snapshot puts
 * every one of them through odoo-cdc onto the customer topic exactly once, in bounded memory. It runs against a
 * database and connector of its own, so the shared Odoo database and its stream stay small for the other tests.
 */
describe(`initial snapshot of ${PARTNERS} partners`, () => {
  const run = runId('snap').replace(/-/g, '_');
  const prefix = `it-${run}.`;
  const changes = `${prefix}changes`;
  let odoo: IsolatedOdoo;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let cdc: RunningApp | undefined;

  beforeAll(async () => {
    odoo = await createIsolatedOdoo(run, changes);
    await insertCompanies(odoo.db, 'Snapshot Co', PARTNERS);
    hubDb = await createHubDatabase(`hub_${run}`);
  });

  afterAll(async () => {
    await cdc?.kill();
    await odoo?.drop();
    await hubDb?.drop();
  });

  it(
    'puts every partner on the customer topic exactly once, in bounded memory',
    async () => {
      const started = Date.now();
      await odoo.connect({ tables: ['res_company', 'res_country', 'res_currency', 'res_partner'] });
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
            HUB_OPERATOR_TOKENS: OPERATOR_TEST_TOKENS,
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
