import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { CanonicalCodec } from '@hub/canonical';
import { RunningApp, startApp } from '../../scripts/lib/app-process';
import { hubEnv } from './support/app-env';
import { canonicalRecords } from './support/canonical';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

const ZENDESK_SECRET = 'fuzz-zendesk-secret-0123456789';
const FRESHDESK_SECRET = 'fuzz-freshdesk-secret-0123456789';
const ORG_ID = '00D5e000000KQ2eEAG';
const PER_ENDPOINT = 10_000;
const CONCURRENCY = 16;
const fixture = (path: string) => readFileSync(join(ROOT, 'test/fixtures', path), 'utf8');

interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Mutations of a body: bytes flipped, cut, spliced, doubled, replaced by other JSON or by noise. */
const mutatedBody = (seed: string): fc.Arbitrary<string | Buffer> =>
  fc.oneof(
    fc.tuple(fc.nat(Math.max(seed.length - 1, 0)), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
      const bytes = Buffer.from(seed);
      bytes[at] ^= xor;
      return bytes;
    }),
    fc.nat(seed.length).map((n) => seed.slice(0, n)),
    fc
      .tuple(fc.nat(seed.length), fc.string({ unit: 'binary', maxLength: 40 }))
      .map(([at, s]) => seed.slice(0, at) + s + seed.slice(at)),
    fc.constant(seed + seed),
    fc.json({ maxDepth: 6 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.nat(400).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.constant(seed.replace(/"[^"]*"/, '"\u0000\uffff"')),
  );

const garbageHeader = fc.oneof(
  fc.constant(''),
  // Printable ASCII only: fetch itself refuses other header bytes before anything is sent.
  fc.string({ maxLength: 80 }).map((s) => [...s].filter((c) => c >= ' ' && c <= '~').join('')),
  fc.base64String({ maxLength: 88 }),
  fc.constantFrom('1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday', '-1', 'NaN'),
);
const otherContentType = fc.constantFrom(
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
);
/** Mostly the endpoint's own content type, so the parsers get the mutations; sometimes another. */
const contentType = (valid: string) =>
  fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: otherContentType, weight: 1 });

/**
 * Fuzzes every webhook endpoint with mutated bodies and headers on the real stack. None of the requests is authentic
 * (a Zendesk signature that does not match what is sent, a wrong Freshdesk secret, another org's Outbound Message):
 * none may get a 5xx, crash ingress, or put an event on Kafka. Then mutated bodies that do carry valid credentials:
 * still never a 5xx.
 */
describe('ingress: fuzzed webhooks on the real stack', () => {
  const run = runId('fuzz');
  const prefix = `it-${run}.`;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let ingress: RunningApp;
  const statuses = new Map<number, number>();

  const send = async (requests: FuzzRequest[]) => {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const res = await fetch(`${ingress.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500)
          throw new Error(`${r.path} answered ${res.status} to ${JSON.stringify(String(r.body).slice(0, 200))}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    ingress = await startApp(
      'ingress',
      hubEnv(prefix, hubDb.url, {
        DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
        ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        FRESHDESK_WEBHOOK_SECRET: FRESHDESK_SECRET,
        SALESFORCE_ORG_ID: ORG_ID,
        // The fuzz measures the parsers, not the rate limit.
        WEBHOOK_RATE_PER_S: '1000000',
        WEBHOOK_RATE_BURST: '1000000',
        LOG_LEVEL: 'error',
      }),
    );
  });

  afterAll(async () => {
    await ingress?.kill();
    await hubDb?.drop();
  });

  it(`sends ${PER_ENDPOINT} unauthenticated mutations to each endpoint: no 5xx, no crash, no event`, async () => {
    const zendeskSeed = fixture('zendesk/ok/ticket-status-changed.json');
    const freshdeskSeed = fixture('freshdesk/ok/automation-ticket.json');
    const omSeed = fixture('salesforce-outbound-message/ok/account-and-contact.xml');
    const timestamp = new Date().toISOString();
    const signature = createHmac('sha256', ZENDESK_SECRET)
      .update(timestamp + zendeskSeed)
      .digest('base64');

    const zendesk = fc
      .record({
        body: mutatedBody(zendeskSeed),
        type: contentType('application/json'),
        sig: fc.option(garbageHeader),
        ts: fc.option(garbageHeader),
      })
      // A request whose body is unchanged keeps the signature only if its headers change: never authentic.
      .filter((r) => String(r.body) !== zendeskSeed || r.sig !== null || r.ts !== null)
      .map((r): FuzzRequest => ({
        path: '/webhooks/zendesk',
        headers: {
          'Content-Type': r.type,
          'X-Zendesk-Webhook-Signature': r.sig ?? signature,
          'X-Zendesk-Webhook-Signature-Timestamp': r.ts ?? timestamp,
        },
        body: r.body,
      }));
    const freshdesk = fc
      .record({
        body: fc.oneof(fc.constant(freshdeskSeed), mutatedBody(freshdeskSeed)),
        type: contentType('application/json'),
        secret: garbageHeader,
        basic: fc.boolean(),
      })
      .filter((r) => r.secret !== FRESHDESK_SECRET)
      .map((r): FuzzRequest => ({
        path: '/webhooks/freshdesk',
        headers: {
          'Content-Type': r.type,
          ...(r.basic
            ? { Authorization: `Basic ${Buffer.from(`hub:${r.secret}`).toString('base64')}` }
            : { 'X-Hub-Webhook-Secret': r.secret }),
        },
        body: r.body,
      }));
    const otherOrg = omSeed.replace(
      `<OrganizationId>${ORG_ID}</OrganizationId>`,
      '<OrganizationId>00D000000000001AAA</OrganizationId>',
    );
    const outbound = fc
      .record({
        body: fc.oneof(fc.constant(otherOrg), mutatedBody(otherOrg), mutatedBody(omSeed.replace(ORG_ID, ''))),
        type: contentType('text/xml'),
      })
      .map((r): FuzzRequest => ({
        path: '/webhooks/salesforce/outbound-message',
        headers: { 'Content-Type': r.type },
        body: r.body,
      }));

    for (const endpoint of [zendesk, freshdesk, outbound]) {
      await send(fc.sample(endpoint, { numRuns: PER_ENDPOINT, seed: 4242 }));
    }
    expect(ingress.process.exitCode).toBeNull();
    expect((await fetch(`${ingress.url}/health/live`)).status).toBe(200);
    const codec = await CanonicalCodec.connect(stack().registry.url, prefix);
    for (const topic of ['service-case', 'customer', 'contact'] as const) {
      expect(await canonicalRecords(codec, topic)).toEqual([]);
    }
    // What the fuzz got back, for the log: refusals, not errors.
    process.stdout.write(`\ningress fuzz: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}\n`);
  });

  it('answers mutated bodies with valid credentials without a 5xx', async () => {
    const zendeskSeed = fixture('zendesk/ok/trigger-ticket.json');
    const freshdeskSeed = fixture('freshdesk/ok/automation-ticket.json');
    const omSeed = fixture('salesforce-outbound-message/ok/account-and-contact.xml');
    const signed = fc.tuple(mutatedBody(zendeskSeed), fc.constant(null)).map(([body]): FuzzRequest => {
      const timestamp = new Date().toISOString();
      const signature = createHmac('sha256', ZENDESK_SECRET)
        .update(Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]))
        .digest('base64');
      return {
        path: '/webhooks/zendesk',
        headers: {
          'Content-Type': 'application/json',
          'X-Zendesk-Webhook-Signature': signature,
          'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
        },
        body,
      };
    });
    const freshdesk = mutatedBody(freshdeskSeed).map((body): FuzzRequest => ({
      path: '/webhooks/freshdesk',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Webhook-Secret': FRESHDESK_SECRET },
      body,
    }));
    const outbound = mutatedBody(omSeed).map((body): FuzzRequest => ({
      path: '/webhooks/salesforce/outbound-message',
      headers: { 'Content-Type': 'text/xml' },
      body,
    }));
    for (const endpoint of [signed, freshdesk, outbound]) await send(fc.sample(endpoint, { numRuns: 1_000, seed: 7 }));
    expect(ingress.process.exitCode).toBeNull();
  });
});
