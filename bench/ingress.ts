// Measures ingress, each figure beside its reference measured in the same run on the same machine:
// - webhooks: signed Zendesk events answered 2xx per second and p50/p99 latency (the 2xx waits for acks=all and the
//   dedupe ledger), against a bare kafkajs producer sending the same bodies with acks=all;
// - Change Data Capture: accounts created through the Salesforce sandbox's REST API reaching the canonical customer
//   topic through the Pub/Sub API and ingress, against a bare Pub/Sub subscriber receiving the same change events.
// Usage: npm run bench:ingress -- [events=5000] [accounts=5000]
// The stack must be up (scripts/stack up) and the apps built (npm run build). Writes bench/results/ingress-<time>.json.
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import PubSubApiClient from 'salesforce-pubsub-api-client';
import { createHubDatabase } from '../scripts/lib/hub-database';
import { startApp } from '../scripts/lib/app-process';

const ROOT = join(__dirname, '..');
const EVENTS = Number(process.argv[2] ?? 5_000);
const ACCOUNTS = Number(process.argv[3] ?? 5_000);
const CONCURRENCY = 32;
const SECRET = 'bench-zendesk-secret-0123456789';

interface Stack {
  postgres: { hub: string };
  kafka: { brokers: string };
  registry: { url: string };
  salesforceSandbox: { url: string; pubSubEndpoint: string };
}
const stack = JSON.parse(
  execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' }),
) as Stack;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const summary = (latencies: number[], seconds: number) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(sorted, 0.5).toFixed(1)),
    p99Ms: Number(percentile(sorted, 0.99).toFixed(1)),
  };
};
const progress = (label: string, done: number, total: number) => {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r${label.padEnd(22)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stdout.write('\n');
};

/** Runs `count` calls `CONCURRENCY` at a time, timing each. */
async function timed(label: string, count: number, call: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = process.hrtime.bigint();
      await call(i);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (latencies.length % 100 === 0 || latencies.length === count) progress(label, latencies.length, count);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return summary(latencies, Number(process.hrtime.bigint() - started) / 1e9);
}

function zendeskEvent(i: number): string {
  return JSON.stringify({
    type: 'zen:event-type:ticket.status_changed',
    id: randomUUID(),
    time: new Date().toISOString(),
    zendesk_event_version: '2022-11-06',
    subject: `zen:ticket:${900_000 + i}`,
    event: { current: 'OPEN', previous: 'NEW' },
    detail: {
      id: String(900_000 + i),
      subject: `Order #S${String(i).padStart(5, '0')} arrived damaged`,
      status: 'OPEN',
      priority: 'HIGH',
      created_at: '2026-12-05T09:12:00Z',
      updated_at: new Date().toISOString(),
      requester_id: '8447388090494',
      organization_id: '8447346622462',
      via: { channel: 'web_form' },
    },
  });
}

/** A token of the sandbox org and the org's id (from the token's identity URL, `/id/<org>/<user>`). */
async function token(): Promise<{ accessToken: string; orgId: string }> {
  const res = await fetch(`${stack.salesforceSandbox.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'hub-client',
      client_secret: 'hub-secret',
    }),
  });
  const body = (await res.json()) as { access_token: string; id: string };
  return { accessToken: body.access_token, orgId: body.id.split('/').slice(-2)[0] };
}

async function main() {
  const run = `bench-ingress-${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const hubDb = await createHubDatabase(stack.postgres.hub, run);
  const hubUrl = hubDb.url;
  const kafka = new Kafka({ clientId: 'bench', brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
  const ingress = await startApp('ingress', {
    KAFKA_BROKERS: stack.kafka.brokers,
    SCHEMA_REGISTRY_URL: stack.registry.url,
    HUB_TOPIC_PREFIX: prefix,
    HUB_DATABASE_URL: hubUrl,
    DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
    ZENDESK_WEBHOOK_SECRET: SECRET,
    WEBHOOK_RATE_PER_S: '1000000',
    WEBHOOK_RATE_BURST: '1000000',
    LOG_LEVEL: 'warn',
    SF_LOGIN_URL: stack.salesforceSandbox.url,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
    SF_PUBSUB_ENDPOINT: stack.salesforceSandbox.pubSubEndpoint,
    SF_PUBSUB_VERIFY_TLS: 'false',
    SF_CDC_CHANNELS: '/data/AccountChangeEvent',
    SF_CDC_INITIAL_START: 'latest',
  });
  try {
    // ---- webhooks --------------------------------------------------------------------------------------------
    const bodies = Array.from({ length: EVENTS }, (_, i) => zendeskEvent(i));
    const referenceTopic = `${prefix}bench.reference`;
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.createTopics({ topics: [{ topic: referenceTopic, numPartitions: 6 }] });
    await kafkaAdmin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const reference = await timed('kafka acks=all', EVENTS, async (i) => {
      await producer.send({ topic: referenceTopic, acks: -1, messages: [{ key: String(i), value: bodies[i] }] });
    });
    await producer.disconnect();
    const webhooks = await timed('webhooks', EVENTS, async (i) => {
      const timestamp = new Date().toISOString();
      const signature = createHmac('sha256', SECRET)
        .update(timestamp + bodies[i])
        .digest('base64');
      const res = await fetch(`${ingress.url}/webhooks/zendesk`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Zendesk-Webhook-Signature': signature,
          'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
        },
        body: bodies[i],
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    });

    // ---- Change Data Capture ---------------------------------------------------------------------------------
    await new Promise((r) => setTimeout(r, 2_000)); // ingress subscribed at the tip before the load
    const { accessToken, orgId } = await token();
    const raw = new PubSubApiClient(
      {
        authType: 'user-supplied',
        accessToken,
        instanceUrl: stack.salesforceSandbox.url.replace(/^http:/, 'https:'),
        organizationId: orgId,
        pubSubEndpoint: stack.salesforceSandbox.pubSubEndpoint,
        rejectUnauthorizedSsl: false,
      },
      { debug() {}, info() {}, warn() {}, error() {} },
    );
    await raw.connect();
    const names = new Set<string>();
    let rawDoneAt = 0;
    raw.subscribe(
      '/data/AccountChangeEvent',
      (_info, type, data) => {
        const name = (data as { payload?: { Name?: string } } | undefined)?.payload?.Name;
        if (type === 'event' && name?.startsWith(run)) {
          names.add(name);
          if (names.size === ACCOUNTS) rawDoneAt = Date.now();
        }
      },
      null,
    );
    const consumer = kafka.consumer({ groupId: `${run}-count` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}customer.v1`, fromBeginning: true });
    const keys = new Set<string>();
    let hubDoneAt = 0;
    void consumer.run({
      eachMessage: async ({ message }) => {
        keys.add(message.key?.toString() ?? '');
        if (keys.size % 500 === 0) progress('cdc → canonical', keys.size, ACCOUNTS);
        if (keys.size === ACCOUNTS && !hubDoneAt) hubDoneAt = Date.now();
      },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const loadStarted = Date.now();
    for (let i = 0; i < ACCOUNTS; i += 200) {
      const records = Array.from({ length: Math.min(200, ACCOUNTS - i) }, (_, j) => ({
        attributes: { type: 'Account' },
        Name: `${run} ${i + j}`,
        Phone: '+32 2 000 00 00',
        BillingCity: 'Brussels',
        BillingCountry: 'BE',
      }));
      const res = await fetch(`${stack.salesforceSandbox.url}/services/data/v62.0/composite/sobjects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ allOrNone: false, records }),
      });
      if (!res.ok) throw new Error(`sandbox answered ${res.status}: ${await res.text()}`);
    }
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const deadline = Date.now() + 300_000;
    while ((!rawDoneAt || !hubDoneAt) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!rawDoneAt || !hubDoneAt) throw new Error(`CDC incomplete: raw ${names.size}, hub ${keys.size}/${ACCOUNTS}`);
    await consumer.disconnect();
    raw.close();
    const rawSeconds = (rawDoneAt - loadStarted) / 1000;
    const hubSeconds = (hubDoneAt - loadStarted) / 1000;

    const figures = {
      bench: 'ingress',
      at: new Date().toISOString(),
      cores: 2,
      webhooks: { events: EVENTS, concurrency: CONCURRENCY, ...webhooks },
      kafkaReference: { messages: EVENTS, concurrency: CONCURRENCY, ...reference },
      webhookRatio: {
        throughput: Number((webhooks.perSecond / reference.perSecond).toFixed(2)),
        p50: Number((webhooks.p50Ms / reference.p50Ms).toFixed(2)),
        p99: Number((webhooks.p99Ms / reference.p99Ms).toFixed(2)),
      },
      cdc: {
        accounts: ACCOUNTS,
        restLoadSeconds: Number(loadSeconds.toFixed(1)),
        pubSubRawSeconds: Number(rawSeconds.toFixed(1)),
        pubSubRawPerSecond: Math.round(ACCOUNTS / rawSeconds),
        canonicalSeconds: Number(hubSeconds.toFixed(1)),
        canonicalPerSecond: Math.round(ACCOUNTS / hubSeconds),
        ratio: Number((rawSeconds / hubSeconds).toFixed(2)),
      },
    };
    console.table({
      'webhooks (2xx after acks=all)': {
        'per s': webhooks.perSecond,
        'p50 ms': webhooks.p50Ms,
        'p99 ms': webhooks.p99Ms,
      },
      'kafkajs send acks=all': { 'per s': reference.perSecond, 'p50 ms': reference.p50Ms, 'p99 ms': reference.p99Ms },
      'CDC: raw Pub/Sub subscriber': { 'per s': figures.cdc.pubSubRawPerSecond, seconds: figures.cdc.pubSubRawSeconds },
      'CDC: canonical topic via ingress': {
        'per s': figures.cdc.canonicalPerSecond,
        seconds: figures.cdc.canonicalSeconds,
      },
    });
    console.log(
      `ratios: webhooks/kafka throughput ${figures.webhookRatio.throughput}, p50 ${figures.webhookRatio.p50}, p99 ${figures.webhookRatio.p99}; ingress/raw CDC rate ${figures.cdc.ratio}`,
    );
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `ingress-${figures.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`bench: wrote ${file.slice(ROOT.length + 1)}`);
  } finally {
    await ingress.stop();
    await hubDb.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
