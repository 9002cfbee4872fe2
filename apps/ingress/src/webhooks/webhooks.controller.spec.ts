import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { TransientError } from '@hub/resilience';
import { AppLogger, configureHubHttp, HUB_HTTP_APP_OPTIONS, HubMetrics } from '@hub/runtime';
import pino from 'pino';
import { loadIngressConfig } from '../config';
import { Intake, IntakeChange, IntakeResult } from '../intake/intake.port';
import { OUTBOUND_ACK, OutboundNotification } from './salesforce/outbound-message.parser';
import { SalesforceRecordSink } from './salesforce/salesforce-record.sink';
import { webhookHttpOptions } from './webhooks.config';
import { WebhooksModule } from './webhooks.module';
import { signLikeZendesk } from './zendesk/zendesk-signature.verifier';

const fixtures = join(__dirname, '../../../../test/fixtures');
const fixture = (path: string) => readFileSync(join(fixtures, path), 'utf8');

const ZENDESK_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const FRESHDESK_SECRET = 'freshdesk-shared-secret-123';
const ORG_ID = '00D5e000000KQ2eEAG';
const BODY_LIMIT = 8192;

/** An intake that keeps what it was handed, dedupes by source event id, and can be held or made to fail. */
class InMemoryIntake extends Intake {
  readonly accepted: IntakeChange[] = [];
  readonly calls: IntakeChange[][] = [];
  private readonly seen = new Set<string>();
  failure: Error | undefined;
  hold: Promise<void> | undefined;

  async accept(changes: IntakeChange[]): Promise<IntakeResult> {
    this.calls.push(changes);
    if (this.hold) await this.hold;
    if (this.failure) throw this.failure;
    let published = 0;
    for (const change of changes) {
      const key = `${change.source}/${change.sourceEventId}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.accepted.push(change);
      published++;
    }
    return { published, duplicates: changes.length - published };
  }
}

class InMemorySink extends SalesforceRecordSink {
  readonly calls: { orgId: string; notifications: OutboundNotification[] }[] = [];
  failure: Error | undefined;

  async accept(orgId: string, notifications: OutboundNotification[]): Promise<IntakeResult> {
    this.calls.push({ orgId, notifications });
    if (this.failure) throw this.failure;
    return { published: notifications.length, duplicates: 0 };
  }
}

interface Harness {
  url: string;
  intake: InMemoryIntake;
  sink: InMemorySink;
  metrics: HubMetrics;
  logs: string[];
  close(): Promise<void>;
}

const baseEnv = {
  KAFKA_BROKERS: 'localhost:9092',
  SCHEMA_REGISTRY_URL: 'http://localhost:8081',
  HUB_DATABASE_URL: 'postgres://localhost/hub',
  ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
  FRESHDESK_WEBHOOK_SECRET: FRESHDESK_SECRET,
  SALESFORCE_ORG_ID: ORG_ID,
  WEBHOOK_BODY_LIMIT_BYTES: String(BODY_LIMIT),
  WEBHOOK_RATE_PER_S: '1000',
  WEBHOOK_RATE_BURST: '1000',
};

/** The webhooks module in a Nest app set up as bootstrapHubApp sets ingress up, listening on a free port. */
async function start(env: Record<string, string | undefined> = {}): Promise<Harness> {
  const config = loadIngressConfig({ ...baseEnv, ...env });
  const intake = new InMemoryIntake();
  const sink = new InMemorySink();
  const metrics = new HubMetrics('ingress');
  const logs: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const moduleRef = await Test.createTestingModule({
    imports: [
      WebhooksModule.forRoot(config, {
        providers: [
          { provide: Intake, useValue: intake },
          { provide: SalesforceRecordSink, useValue: sink },
          { provide: AppLogger, useValue: log },
          { provide: HubMetrics, useValue: metrics },
        ],
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ ...HUB_HTTP_APP_OPTIONS, logger: false });
  configureHubHttp(app, webhookHttpOptions(config));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, intake, sink, metrics, logs, close: () => app.close() };
}

function zendeskPost(
  h: Harness,
  body: string,
  headers: Record<string, string> = {},
  timestamp = new Date().toISOString(),
) {
  return fetch(`${h.url}/webhooks/zendesk`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Zendesk-Webhook-Signature': signLikeZendesk(ZENDESK_SECRET, timestamp, body),
      'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
      ...headers,
    },
    body,
  });
}

const freshdeskPost = (h: Harness, body: string, headers: Record<string, string>) =>
  fetch(`${h.url}/webhooks/freshdesk`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });

const salesforcePost = (h: Harness, body: string) =>
  fetch(`${h.url}/webhooks/salesforce/outbound-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
    body,
  });

const ZENDESK_EVENT = fixture('zendesk/ok/ticket-status-changed.json');
const ZENDESK_TRIGGER = fixture('zendesk/ok/trigger-ticket.json');
const FRESHDESK_BODY = fixture('freshdesk/ok/automation-ticket.json');
const OUTBOUND_MESSAGE = fixture('salesforce-outbound-message/ok/account-and-contact.xml');
/** The JSON of an error answer. */
interface ErrorAnswer {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}
const errorOf = async (res: Response) => (await res.json()) as ErrorAnswer;

interface OpenApiOperation {
  parameters: { name: string }[];
  requestBody: { content: Record<string, unknown> };
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  paths: Record<string, { post: OpenApiOperation }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('webhook routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(async () => {
    await h.close();
  });

  describe('POST /webhooks/zendesk', () => {
    it('answers 200 only after the intake resolved, with the service case handed over', async () => {
      let release!: () => void;
      h.intake.hold = new Promise<void>((resolve) => (release = resolve));
      let settled = false;
      const pending = zendeskPost(h, ZENDESK_EVENT).then((res) => {
        settled = true;
        return res;
      });
      while (h.intake.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      expect(settled).toBe(false);
      release();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect(await res.json()).toEqual({
        requestId: res.headers.get('x-request-id'),
        outcome: 'accepted',
        published: 1,
        duplicates: 0,
      });
      expect(h.intake.accepted).toHaveLength(1);
      expect(h.intake.accepted[0]).toMatchObject({
        source: 'zendesk',
        sourceEventId: 'cbe4028c-7239-495d-b020-f22348516046',
        topic: 'service-case',
        value: { serviceCase: { id: 'zendesk-ticket-5158', status: 'open', orderReference: 'S00042' } },
      });
    });

    it('answers 200 for a redelivery the intake recognises as a duplicate', async () => {
      expect((await zendeskPost(h, ZENDESK_EVENT)).status).toBe(200);
      const again = await zendeskPost(h, ZENDESK_EVENT);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ outcome: 'duplicate', published: 0, duplicates: 1 });
      expect(h.intake.accepted).toHaveLength(1);
    });

    it('takes a trigger body, deduped by the invocation id', async () => {
      const res = await zendeskPost(h, ZENDESK_TRIGGER, { 'X-Zendesk-Webhook-Invocation-Id': '8350205582' });
      expect(res.status).toBe(200);
      expect(h.intake.accepted[0]).toMatchObject({ sourceEventId: 'invocation-8350205582' });
    });

    it('answers 503 with Retry-After in seconds when the intake fails transiently, and takes nothing', async () => {
      h.intake.failure = new TransientError('KAFKA_UNAVAILABLE', 'brokers unreachable', { retryAfterMs: 2_500 });
      const res = await zendeskPost(h, ZENDESK_EVENT);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      const body = await errorOf(res);
      expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', requestId: expect.any(String) });
      expect(body.message).not.toContain('brokers');
      expect(h.intake.accepted).toHaveLength(0);
    });

    it('caps Retry-After under a minute, the longest Zendesk honours', async () => {
      h.intake.failure = new TransientError('KAFKA_UNAVAILABLE', 'slow', { retryAfterMs: 300_000 });
      expect((await zendeskPost(h, ZENDESK_EVENT)).headers.get('retry-after')).toBe('59');
    });

    it('answers 401 for a missing, wrong or other-secret signature and for a skewed timestamp', async () => {
      const ts = new Date().toISOString();
      const cases: [Record<string, string>, string][] = [
        [{ 'X-Zendesk-Webhook-Signature': '' }, 'missing X-Zendesk-Webhook-Signature header'],
        [{ 'X-Zendesk-Webhook-Signature': signLikeZendesk(ZENDESK_SECRET, ts, '{}') }, 'does not match the body'],
        [
          { 'X-Zendesk-Webhook-Signature': signLikeZendesk('another-secret-0000000000', ts, ZENDESK_EVENT) },
          'does not match the body',
        ],
      ];
      for (const [headers, message] of cases) {
        const res = await zendeskPost(h, ZENDESK_EVENT, headers, ts);
        expect(res.status).toBe(401);
        expect((await errorOf(res)).message).toContain(message);
      }
      const skewed = await zendeskPost(h, ZENDESK_EVENT, {}, new Date(Date.now() - 10 * 60_000).toISOString());
      expect(skewed.status).toBe(401);
      expect((await errorOf(skewed)).message).toContain('more than 300 s from the hub');
      expect(h.intake.calls).toHaveLength(0);
    });

    it('answers 400 naming the missing field, and 400 for JSON that does not parse', async () => {
      const res = await zendeskPost(h, fixture('zendesk/not-ok/trigger-without-updated-at.json'));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe('trigger body: ticket.updated_at: Required');
      const broken = await zendeskPost(h, '{"type": "zen:event-type:ticket.created", ');
      expect(broken.status).toBe(400);
      expect(broken.headers.get('x-request-id')).toMatch(UUID);
      expect((await errorOf(broken)).message).toMatch(/^malformed body: /);
    });

    it('answers 413 for a body over the limit, with its request id', async () => {
      const res = await zendeskPost(h, JSON.stringify({ type: 'x', pad: 'x'.repeat(BODY_LIMIT) }));
      expect(res.status).toBe(413);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect((await errorOf(res)).message).toBe(`request body is larger than ${BODY_LIMIT} bytes`);
    });

    it('answers 415 for another content type', async () => {
      const res = await fetch(`${h.url}/webhooks/zendesk`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: ZENDESK_EVENT,
      });
      expect(res.status).toBe(415);
    });

    it('answers 200 to a well-formed event of a type the hub does not handle, counts it and hands nothing over', async () => {
      const res = await zendeskPost(h, fixture('zendesk/ok/user-created.json'));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ outcome: 'ignored', published: 0 });
      expect(h.intake.calls).toHaveLength(0);
      const scraped = await h.metrics.registry.metrics();
      expect(scraped).toContain(
        'hub_webhook_ignored_events_total{source="zendesk",event_type="zen:event-type:user.created",app="ingress"} 1',
      );
      expect(scraped).toContain('hub_webhook_requests_total{source="zendesk",outcome="ignored",app="ingress"} 1');
    });

    it("echoes the caller's request id when it is a plain token, and replaces any other", async () => {
      const kept = await zendeskPost(h, ZENDESK_EVENT, { 'X-Request-Id': 'zd-req.42:a_b' });
      expect(kept.headers.get('x-request-id')).toBe('zd-req.42:a_b');
      const replaced = await zendeskPost(h, ZENDESK_EVENT, { 'X-Request-Id': 'a b<script>' });
      expect(replaced.headers.get('x-request-id')).toMatch(UUID);
      const refused = await zendeskPost(h, ZENDESK_EVENT, {
        'X-Request-Id': 'err-1',
        'X-Zendesk-Webhook-Signature': 'x',
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-request-id')).toBe('err-1');
      expect((await errorOf(refused)).requestId).toBe('err-1');
    });
  });

  describe('POST /webhooks/freshdesk', () => {
    it('takes the template with the secret in the header or as the basic-auth password', async () => {
      const viaHeader = await freshdeskPost(h, FRESHDESK_BODY, { 'X-Hub-Webhook-Secret': FRESHDESK_SECRET });
      expect(viaHeader.status).toBe(200);
      expect(await viaHeader.json()).toMatchObject({ outcome: 'accepted', published: 1 });
      const basic = `Basic ${Buffer.from(`freshdesk:${FRESHDESK_SECRET}`).toString('base64')}`;
      const viaBasic = await freshdeskPost(h, FRESHDESK_BODY, { Authorization: basic });
      expect(viaBasic.status).toBe(200);
      expect(await viaBasic.json()).toMatchObject({ outcome: 'duplicate' });
      expect(h.intake.accepted[0]).toMatchObject({
        source: 'freshdesk',
        sourceEventId: 'ticket-45@2024-05-13T08:30:12.000Z',
        value: { serviceCase: { id: 'freshdesk-ticket-45', invoiceReference: 'INV/2024/00017' } },
      });
    });

    it('answers 401 with a basic challenge for a wrong or missing secret', async () => {
      const wrong = await freshdeskPost(h, '{not json at all', { 'X-Hub-Webhook-Secret': 'nope' });
      expect(wrong.status).toBe(400); // the JSON parser runs before routing: see the README
      const missing = await freshdeskPost(h, FRESHDESK_BODY, {});
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Basic realm="hub-webhooks"/);
      const other = await freshdeskPost(h, '{"anything": true}', { 'X-Hub-Webhook-Secret': 'wrong-secret-000000' });
      expect(other.status).toBe(401);
      expect(h.intake.calls).toHaveLength(0);
    });

    it('answers 400 naming an unrendered placeholder', async () => {
      const res = await freshdeskPost(h, fixture('freshdesk/not-ok/unrendered-placeholder.json'), {
        'X-Hub-Webhook-Secret': FRESHDESK_SECRET,
      });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe(
        'automation body: ticket.updated_at: holds an unrendered placeholder: check the template',
      );
    });
  });

  describe('POST /webhooks/salesforce/outbound-message', () => {
    it('acknowledges with the notificationsResponse envelope only after the sink resolved', async () => {
      const res = await salesforcePost(h, OUTBOUND_MESSAGE);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect(await res.text()).toBe(OUTBOUND_ACK);
      expect(h.sink.calls).toHaveLength(1);
      expect(h.sink.calls[0].orgId).toBe(ORG_ID);
      expect(h.sink.calls[0].notifications.map((n) => [n.objectType, n.recordId])).toEqual([
        ['Account', '0015e00000ZkM3hAAF'],
        ['Contact', '0035e00000AbCdEAAZ'],
      ]);
    });

    it('answers 403 to another org, without a sink call or an Ack', async () => {
      const res = await salesforcePost(h, OUTBOUND_MESSAGE.replace(ORG_ID, '00D000000000062EAA'));
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('<Ack>');
      expect(h.sink.calls).toHaveLength(0);
    });

    it('answers 400 to malformed XML, naming where', async () => {
      const res = await salesforcePost(h, fixture('salesforce-outbound-message/not-ok/unclosed-element.xml'));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/^malformed XML at line \d+, column \d+/);
    });

    it('answers 503 with Retry-After and no Ack when the sink fails transiently', async () => {
      h.sink.failure = new TransientError('KAFKA_UNAVAILABLE', 'down', { retryAfterMs: 1 });
      const res = await salesforcePost(h, OUTBOUND_MESSAGE);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.text()).not.toContain('<Ack>');
    });
  });

  it('never logs a body, a secret or personal data', async () => {
    await zendeskPost(h, ZENDESK_TRIGGER);
    await freshdeskPost(h, FRESHDESK_BODY, { 'X-Hub-Webhook-Secret': FRESHDESK_SECRET });
    await freshdeskPost(h, FRESHDESK_BODY, { 'X-Hub-Webhook-Secret': `${FRESHDESK_SECRET}x` });
    await salesforcePost(h, OUTBOUND_MESSAGE);
    const logged = h.logs.join('');
    expect(h.logs.length).toBeGreaterThanOrEqual(4);
    for (const forbidden of ['ada@example.com', 'Ada Lovelace', 'Lovelace', 'Acme', FRESHDESK_SECRET, ZENDESK_SECRET]) {
      expect(logged).not.toContain(forbidden);
    }
  });

  it('serves an OpenAPI document describing the three routes, their headers and answers', async () => {
    const res = await fetch(`${h.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDocument;
    const zendesk = doc.paths['/webhooks/zendesk'].post;
    expect(zendesk.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['X-Zendesk-Webhook-Signature', 'X-Zendesk-Webhook-Signature-Timestamp', 'X-Request-Id']),
    );
    expect(Object.keys(zendesk.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '413', '429', '503']),
    );
    expect(zendesk.responses['503'].headers?.['Retry-After']).toBeDefined();
    expect(doc.paths['/webhooks/freshdesk'].post.requestBody.content['application/json']).toBeDefined();
    const salesforce = doc.paths['/webhooks/salesforce/outbound-message'].post;
    expect(salesforce.requestBody.content['text/xml']).toBeDefined();
    expect(Object.keys(salesforce.responses)).toEqual(expect.arrayContaining(['200', '403']));
  });
});

describe('webhook routes without secrets or org', () => {
  it('answer 404 on every route: never unauthenticated input', async () => {
    const h = await start({ ZENDESK_WEBHOOK_SECRET: '', FRESHDESK_WEBHOOK_SECRET: '', SALESFORCE_ORG_ID: '' });
    try {
      expect((await zendeskPost(h, ZENDESK_EVENT)).status).toBe(404);
      expect((await freshdeskPost(h, FRESHDESK_BODY, { 'X-Hub-Webhook-Secret': FRESHDESK_SECRET })).status).toBe(404);
      expect((await salesforcePost(h, OUTBOUND_MESSAGE)).status).toBe(404);
      expect(h.intake.calls).toHaveLength(0);
      expect(h.sink.calls).toHaveLength(0);
      expect(h.logs.join('')).toContain('webhook routes answering 404 until configured');
    } finally {
      await h.close();
    }
  });
});

describe('webhook rate limit', () => {
  it('answers 429 with Retry-After once a source spent its burst, while other sources go on', async () => {
    const h = await start({ WEBHOOK_RATE_PER_S: '0.5', WEBHOOK_RATE_BURST: '2' });
    try {
      expect((await zendeskPost(h, ZENDESK_EVENT)).status).toBe(200);
      expect((await zendeskPost(h, ZENDESK_EVENT)).status).toBe(200);
      const limited = await zendeskPost(h, ZENDESK_EVENT);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('x-request-id')).toMatch(UUID);
      expect((await salesforcePost(h, OUTBOUND_MESSAGE)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
