// Measures the support-desk adapters, each platform beside itself without faults, in the same run on the same machine:
// N organizations upserted through projector-support's Zendesk adapter (create_many / update_many bulk jobs of 100,
// polled) and its Freshdesk adapter (one company per call: search by the hub's key, then create or update), first
// with no faults, then under a 429 storm (Zendesk: a fifth of the calls refused; Freshdesk: a burst of 60 refusals,
// then one call in a hundred; Retry-After 1 s). Figures: records/s, API calls per 1,000 records (answered calls, and
// requests with the 429s), and every record on the desk exactly once.
// Usage: npm run bench:support -- [records=5000] [concurrency=8]
// Needs no stack: the sandboxes run in this process, as the adapters would reach the vendors. Writes
// bench/results/support-desks.json.
import { writeResults } from './support/bench-stack';
import { startFreshdeskSandbox } from '../sandboxes/freshdesk/freshdesk-sandbox';
import { startZendeskSandbox } from '../sandboxes/zendesk/zendesk-sandbox';
import { FreshdeskSupportDeskAdapter } from '../apps/projector-support/src/desk/freshdesk/freshdesk-support-desk.adapter';
import { FreshdeskApiClient } from '../apps/projector-support/src/desk/freshdesk/freshdesk.client';
import { DEFAULT_RATE_LIMIT, RateLimitGate } from '../apps/projector-support/src/desk/rate-limit.gate';
import type { DeskOrganization, SupportDesk } from '../apps/projector-support/src/desk/support-desk.port';
import { ZendeskSupportDeskAdapter } from '../apps/projector-support/src/desk/zendesk/zendesk-support-desk.adapter';

const RECORDS = Number(process.argv[2] ?? 5_000);
const CONCURRENCY = Number(process.argv[3] ?? 8);

interface Run {
  platform: 'zendesk' | 'freshdesk';
  storm: boolean;
  seconds: number;
  recordsPerSecond: number;
  answeredCallsPer1000: number;
  requestsPer1000: number;
  refused429: number;
  onDeskOnce: boolean;
}

const progress = (label: string, done: number, total: number) => {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r${label.padEnd(26)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stdout.write('\n');
};

/** Upserts every record through the adapter, `CONCURRENCY` calls at once, a failed call sent again (as the consumer would). */
async function load(label: string, desk: SupportDesk, records: DeskOrganization[]): Promise<number> {
  const batches: DeskOrganization[][] = [];
  for (let i = 0; i < records.length; i += desk.limits.maxBatchSize)
    batches.push(records.slice(i, i + desk.limits.maxBatchSize));
  let next = 0;
  let done = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      for (;;) {
        try {
          const results = await desk.upsertOrganizations(batch);
          const failed = results.find((r) => !r.ok);
          if (failed && !failed.ok) throw failed.error;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
      const before = done;
      done += batch.length;
      if (Math.floor(done / 100) > Math.floor(before / 100) || done === records.length)
        progress(label, done, records.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batches.length) }, worker));
  return (Date.now() - started) / 1000;
}

const organizations = (tag: string) =>
  Array.from({ length: RECORDS }, (_, i) => ({
    externalId: `odoo-partner-${tag}-${i + 1}`,
    name: `Bench ${tag} ${i + 1}`,
    domains: [`bench-${tag}-${i + 1}.example`],
  }));

async function zendesk(storm: boolean): Promise<Run> {
  const sandbox = await startZendeskSandbox({ port: 0, rateLimitPerMinute: 1_000_000, jobPollsToComplete: 1 });
  try {
    if (storm) sandbox.faults.set({ ...sandbox.faults.config, status429Rate: 0.2, retryAfterSeconds: 1 });
    const desk = new ZendeskSupportDeskAdapter({
      endpointUri: `${sandbox.url}/api/v2`,
      email: 'integration@hub.example',
      apiToken: 'hub-zendesk-token',
      jobPollIntervalMs: 200,
      rateLimit: new RateLimitGate({ ...DEFAULT_RATE_LIMIT, maxConcurrent: CONCURRENCY + 2 }),
    });
    const records = organizations(storm ? 'zs' : 'zq');
    const seconds = await load(`Zendesk${storm ? ' under a storm' : ''}`, desk, records);
    const onDesk = [...sandbox.store.organizations.values()].map((o) => o.external_id);
    return {
      platform: 'zendesk',
      storm,
      seconds,
      recordsPerSecond: Math.round(RECORDS / seconds),
      answeredCallsPer1000: Number(((sandbox.stats.apiCalls * 1000) / RECORDS).toFixed(1)),
      requestsPer1000: Number(((sandbox.stats.requests * 1000) / RECORDS).toFixed(1)),
      refused429: sandbox.faults.injected.status429,
      onDeskOnce: onDesk.length === RECORDS && new Set(onDesk).size === RECORDS,
    };
  } finally {
    await sandbox.close();
  }
}

async function freshdesk(storm: boolean): Promise<Run> {
  const sandbox = await startFreshdeskSandbox({ port: 0, rateLimitPerMinute: 1_000_000 });
  try {
    if (storm) sandbox.faults.set({ ...sandbox.faults.config, next429: 60, rate429: 0.01, retryAfterSeconds: 1 });
    const desk = new FreshdeskSupportDeskAdapter(
      new FreshdeskApiClient({
        baseUrl: sandbox.url,
        apiKey: sandbox.apiKey,
        rateLimit: new RateLimitGate({ ...DEFAULT_RATE_LIMIT, maxConcurrent: CONCURRENCY + 2 }),
      }),
    );
    const records = organizations(storm ? 'fs' : 'fq');
    const seconds = await load(`Freshdesk${storm ? ' under a storm' : ''}`, desk, records);
    const onDesk = [...sandbox.store.companies.values()].map((c) => c.custom_fields['hub_external_id']);
    const refused = sandbox.faults.injected.status429;
    return {
      platform: 'freshdesk',
      storm,
      seconds,
      recordsPerSecond: Math.round(RECORDS / seconds),
      answeredCallsPer1000: Number(((sandbox.stats.totalCalls * 1000) / RECORDS).toFixed(1)),
      requestsPer1000: Number((((sandbox.stats.totalCalls + refused) * 1000) / RECORDS).toFixed(1)),
      refused429: refused,
      onDeskOnce: onDesk.length === RECORDS && new Set(onDesk).size === RECORDS,
    };
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const runs = [await zendesk(false), await zendesk(true), await freshdesk(false), await freshdesk(true)];
  const quiet = (platform: Run['platform']) => runs.find((r) => r.platform === platform && !r.storm)!;
  console.log(`\n${RECORDS} organizations, ${CONCURRENCY} calls at once`);
  console.table(
    runs.map((r) => ({
      desk: r.platform,
      storm: r.storm ? 'yes' : 'no',
      'records/s': r.recordsPerSecond,
      'speed vs no storm': (r.recordsPerSecond / quiet(r.platform).recordsPerSecond).toFixed(2),
      'answered calls / 1,000': r.answeredCallsPer1000,
      'requests / 1,000 (with 429s)': r.requestsPer1000,
      '429s': r.refused429,
      'each once': r.onDeskOnce,
    })),
  );
  writeResults('support-desks', { at: new Date().toISOString(), records: RECORDS, concurrency: CONCURRENCY, runs });
  if (runs.some((r) => !r.onDeskOnce)) {
    console.error('a desk does not hold every record exactly once');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
