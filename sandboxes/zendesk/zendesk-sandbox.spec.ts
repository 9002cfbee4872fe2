import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startZendeskSandbox, type SandboxStats, type ZendeskSandbox } from './zendesk-sandbox';

const EMAIL = 'agent@hub.example';
const TOKEN = 'spec-token';
const BASIC = `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}`;
const SECRET = 'spec-signing-secret-0123456789';

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

function api(sandbox: ZendeskSandbox, auth: string | null = BASIC) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (auth) headers['Authorization'] = auth;
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
}

async function pollJob(call: ReturnType<typeof api>, id: string) {
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { body } = await call('GET', `/api/v2/job_statuses/${id}.json`);
    seen.push(body.job_status.status);
    if (body.job_status.status === 'completed' || body.job_status.status === 'failed')
      return { job: body.job_status, seen };
  }
  throw new Error('job did not end');
}

describe('Zendesk sandbox: authentication', () => {
  let sandbox: ZendeskSandbox;
  beforeAll(async () => {
    sandbox = await startZendeskSandbox({ port: 0, email: EMAIL, apiToken: TOKEN, oauthToken: 'oauth-spec' });
  });
  afterAll(() => sandbox.close());

  it('answers 401 as Zendesk does without credentials or with a wrong token, and counts no call', async () => {
    const none = await api(sandbox, null)('GET', '/api/v2/organizations/1.json');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "Couldn't authenticate you" });
    const wrong = `Basic ${Buffer.from(`${EMAIL}/token:nope`).toString('base64')}`;
    expect((await api(sandbox, wrong)('GET', '/api/v2/organizations/1.json')).status).toBe(401);
    expect(sandbox.stats.apiCalls).toBe(0);
    expect(sandbox.stats.unauthenticated).toBe(2);
  });

  it('takes Basic {email}/token:{api_token} and a Bearer OAuth token', async () => {
    expect((await api(sandbox)('GET', '/api/v2/organizations/1.json')).status).toBe(404);
    expect((await api(sandbox, 'Bearer oauth-spec')('GET', '/api/v2/organizations/1')).status).toBe(404);
    expect((await api(sandbox, 'Bearer other')('GET', '/api/v2/organizations/1')).status).toBe(401);
  });
});

describe('Zendesk sandbox: organizations and users', () => {
  let sandbox: ZendeskSandbox;
  let call: ReturnType<typeof api>;
  beforeAll(async () => {
    sandbox = await startZendeskSandbox({ port: 0, email: EMAIL, apiToken: TOKEN, jobPollsToComplete: 2 });
    call = api(sandbox);
  });
  afterAll(() => sandbox.close());

  it('create_or_update matches an organization by external_id (case-insensitive): 201, then 200 on the same id', async () => {
    const first = await call('POST', '/api/v2/organizations/create_or_update.json', {
      organization: {
        external_id: 'odoo-partner-7',
        name: 'Acme',
        organization_fields: { hub_open_orders: 2, secret: 'x' },
      },
    });
    expect(first.status).toBe(201);
    const again = await call('POST', '/api/v2/organizations/create_or_update', {
      organization: { external_id: 'ODOO-PARTNER-7', name: 'Acme Ltd', organization_fields: { hub_open_orders: 3 } },
    });
    expect(again.status).toBe(200);
    expect(again.body.organization.id).toBe(first.body.organization.id);
    expect(again.body.organization.name).toBe('Acme Ltd');
    // Keys of fields the account does not have are dropped.
    expect(again.body.organization.organization_fields).toMatchObject({ hub_open_orders: 3 });
    expect(again.body.organization.organization_fields).not.toHaveProperty('secret');
    expect(sandbox.store.organizations.size).toBe(1);
    const search = await call('GET', '/api/v2/organizations/search.json?external_id=odoo-partner-7');
    expect(search.body.organizations.map((o: { id: number }) => o.id)).toEqual([first.body.organization.id]);
  });

  it("refuses a duplicate name in Zendesk's 422 RecordInvalid format: name is not a matching key", async () => {
    const dup = await call('POST', '/api/v2/organizations/create_or_update.json', {
      organization: { external_id: 'odoo-partner-8', name: 'acme ltd' },
    });
    expect(dup.status).toBe(422);
    expect(dup.body).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { name: [{ description: 'Name: acme ltd has already been taken', error: 'DuplicateValue' }] },
    });
  });

  it('runs users/create_or_update_many as a job: queued → working → completed, one result per item', async () => {
    const orgId = sandbox.store.findOrganizationByExternalId('odoo-partner-7')!.id;
    const users = [
      { external_id: 'odoo-partner-9', name: 'Ada', email: 'ada@example.com', organization_id: orgId },
      { external_id: 'odoo-partner-10', name: 'Bob', email: 'not-an-email' },
    ];
    const started = await call('POST', '/api/v2/users/create_or_update_many.json', { users });
    expect(started.status).toBe(200);
    expect(started.body.job_status).toMatchObject({ status: 'queued', total: 2, results: null });
    expect(sandbox.store.findUserByExternalId('odoo-partner-9')).toBeUndefined();
    const { job, seen } = await pollJob(call, started.body.job_status.id);
    expect(seen).toEqual(['working', 'completed']);
    expect(job.results[0]).toMatchObject({
      index: 0,
      action: 'create',
      status: 'Created',
      external_id: 'odoo-partner-9',
    });
    expect(job.results[1]).toMatchObject({ index: 1, status: 'Failed', error: 'RecordInvalid' });
    expect(job.results[1].details).toContain('not properly formatted');
    // The same call again updates: idempotent by external id.
    const again = await call('POST', '/api/v2/users/create_or_update_many', { users: [users[0]] });
    const second = await pollJob(call, again.body.job_status.id);
    expect(second.job.results[0]).toMatchObject({ action: 'update', id: job.results[0].id });
    const found = await call('GET', '/api/v2/users/search.json?external_id=ODOO-PARTNER-9');
    expect(found.body.users).toHaveLength(1);
    expect(found.body.users[0].organization_id).toBe(orgId);
  });

  it('refuses more than 100 items in one bulk call', async () => {
    const users = Array.from({ length: 101 }, (_, i) => ({ name: `u${i}`, external_id: `x${i}` }));
    const res = await call('POST', '/api/v2/users/create_or_update_many', { users });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('TooManyValues');
  });

  it('counts calls by route and logs writes for the admin API', async () => {
    const stats = (await fetch(`${sandbox.url}/__admin/stats`).then((r) => r.json())) as {
      callsByRoute: Record<string, number>;
      writes: Record<string, number>;
    };
    expect(stats.callsByRoute['POST /api/v2/users/create_or_update_many']).toBe(3);
    expect(stats.callsByRoute['GET /api/v2/job_statuses/{id}']).toBe(4);
    expect(stats.writes.user).toBe(2);
    const log = (await fetch(`${sandbox.url}/__admin/writes`).then((r) => r.json())) as {
      writes: Array<{ kind: string }>;
    };
    expect(log.writes.filter((w: { kind: string }) => w.kind === 'organization')).toHaveLength(2);
  });
});

describe('Zendesk sandbox: rate limit and faults', () => {
  let sandbox: ZendeskSandbox;
  let call: ReturnType<typeof api>;
  beforeEach(async () => {
    sandbox = await startZendeskSandbox({ port: 0, email: EMAIL, apiToken: TOKEN, rateLimitPerMinute: 3 });
    call = api(sandbox);
  });
  afterEach(() => sandbox.close());

  it('sends X-Rate-Limit headers and answers 429 with Retry-After in seconds past the per-minute limit', async () => {
    const first = await call('GET', '/api/v2/tickets/1.json');
    expect(first.headers.get('x-rate-limit')).toBe('3');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('2');
    await call('GET', '/api/v2/tickets/1.json');
    await call('GET', '/api/v2/tickets/1.json');
    const limited = await call('GET', '/api/v2/tickets/1.json');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('content-type')).toContain('text/plain');
    expect(sandbox.stats.rateLimited).toBe(1);
  });

  it('injects the next N 429s and 500s through the admin API, then answers normally', async () => {
    const set = await fetch(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next429: 1, next500: 1, retryAfterSeconds: 7 }),
    });
    expect(set.status).toBe(200);
    const a = await call('GET', '/api/v2/tickets/1.json');
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await call('GET', '/api/v2/tickets/1.json')).status).toBe(500);
    expect((await call('GET', '/api/v2/tickets/1.json')).status).toBe(404);
    const bad = await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ oops: 1 }) });
    expect(bad.status).toBe(400);
  });

  it('logs each answer asking to wait, with when the next request came, in the stats', async () => {
    await fetch(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next429: 1, retryAfterSeconds: 1 }),
    });
    expect((await call('GET', '/api/v2/tickets/1.json')).status).toBe(429);
    const pending = (await (await fetch(`${sandbox.url}/__admin/stats`)).json()) as SandboxStats;
    expect(pending.throttled.at(-1)).toEqual({ at: expect.any(String), status: 429, retryAfterSeconds: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await call('GET', '/api/v2/tickets/1.json');
    const after = ((await (await fetch(`${sandbox.url}/__admin/stats`)).json()) as SandboxStats).throttled.at(-1)!;
    expect(Date.parse(after.nextRequestAt!) - Date.parse(after.at)).toBeGreaterThanOrEqual(200);
  });
});

describe('Zendesk sandbox: tickets, private comments and signed webhooks', () => {
  let sandbox: ZendeskSandbox;
  let call: ReturnType<typeof api>;
  let receiver: Server;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let failNext = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = failNext-- > 0 ? 503 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/zendesk`;
    sandbox = await startZendeskSandbox({
      port: 0,
      email: EMAIL,
      apiToken: TOKEN,
      maxCommentsPerTicket: 3,
      webhook: { endpoints: [endpoint], signingSecret: SECRET, retryDelayMs: 10 },
    });
    call = api(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('creates a ticket and sends ticket.created, signed base64(HMAC-SHA256(secret, timestamp + body))', async () => {
    const created = await call('POST', '/api/v2/tickets.json', {
      ticket: { subject: 'Order S00042 damaged', comment: { body: 'It broke.' }, priority: 'high' },
    });
    expect(created.status).toBe(201);
    await sandbox.webhooks.idle();
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const timestamp = headers['x-zendesk-webhook-signature-timestamp'] as string;
    const expected = createHmac('sha256', SECRET)
      .update(timestamp + body)
      .digest('base64');
    expect(headers['x-zendesk-webhook-signature']).toBe(expected);
    expect(Math.abs(Date.parse(timestamp) - Date.now())).toBeLessThan(60_000);
    const event = JSON.parse(body);
    expect(event).toMatchObject({
      type: 'zen:event-type:ticket.created',
      subject: `zen:ticket:${created.body.ticket.id}`,
      zendesk_event_version: '2022-11-06',
      detail: { id: String(created.body.ticket.id), status: 'NEW', priority: 'HIGH', subject: 'Order S00042 damaged' },
    });
    expect(typeof event.id).toBe('string');
    expect(Number.isFinite(Date.parse(event.time))).toBe(true);
    expect(typeof event.detail.requester_id).toBe('string');
  });

  it('adds a private comment with PUT and lists it; past the comment limit a new one is 422 but updates still go', async () => {
    const { body } = await call('POST', '/api/v2/tickets.json', {
      ticket: { subject: 'S', comment: { body: 'first' } },
    });
    const id = body.ticket.id;
    const put = await call('PUT', `/api/v2/tickets/${id}.json`, {
      ticket: { comment: { body: 'agent only', public: false } },
    });
    expect(put.status).toBe(200);
    const commentEvent = put.body.audit.events.find((e: { type: string }) => e.type === 'Comment');
    const comments = await call('GET', `/api/v2/tickets/${id}/comments.json`);
    expect(comments.body.comments.map((c: { body: string; public: boolean }) => [c.body, c.public])).toEqual([
      ['first', true],
      ['agent only', false],
    ]);
    expect(comments.body.comments[1].id).toBe(commentEvent.id);
    await call('PUT', `/api/v2/tickets/${id}`, { ticket: { comment: { body: 'third', public: false } } });
    const full = await call('PUT', `/api/v2/tickets/${id}`, { ticket: { comment: { body: 'fourth', public: false } } });
    expect(full.status).toBe(422);
    expect(full.body.error).toBe('RecordInvalid');
    expect((await call('PUT', `/api/v2/tickets/${id}`, { ticket: { status: 'open' } })).status).toBe(200);
    await sandbox.webhooks.idle();
    expect(received.map((r) => JSON.parse(r.body).type)).toContain('zen:event-type:ticket.status_changed');
    expect((await call('PUT', '/api/v2/tickets/999.json', { ticket: { status: 'open' } })).status).toBe(404);
  });

  it('retries a webhook the receiver refused, signing each attempt', async () => {
    failNext = 1;
    await call('POST', '/api/v2/tickets.json', { ticket: { subject: 'retry', comment: { body: 'x' } } });
    await sandbox.webhooks.idle();
    expect(received).toHaveLength(2);
    expect(received[0]!.body).toBe(received[1]!.body);
    const last = sandbox.webhooks.deliveries.at(-1)!;
    expect(last).toMatchObject({ attempts: 2, delivered: true, lastStatus: 200 });
  });

  it('renders the trigger template with the order reference custom field when configured so', async () => {
    sandbox.webhooks.configure({ format: 'trigger' });
    await call('POST', '/api/v2/tickets.json', {
      ticket: {
        subject: 'Where is my parcel',
        comment: { body: 'x' },
        requester: { name: 'Ada', email: 'ada2@example.com' },
        custom_fields: [{ id: 360_000_000_101, value: 'S00042' }],
      },
    });
    await sandbox.webhooks.idle();
    sandbox.webhooks.configure({ format: 'events' });
    const body = JSON.parse(received[0]!.body);
    expect(body.ticket).toMatchObject({
      status: 'New',
      order_reference: 'S00042',
      invoice_reference: '',
      requester: { name: 'Ada', email: 'ada2@example.com' },
      organization: { id: '', name: '' },
    });
    expect(received[0]!.headers['x-zendesk-webhook-invocation-id']).toMatch(/^\d+$/);
  });
});
