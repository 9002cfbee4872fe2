import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startFreshdeskSandbox, type FreshdeskSandbox } from './freshdesk-sandbox';

const basic = (user: string, password = 'X') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Freshdesk sandbox', () => {
  let sandbox: FreshdeskSandbox;
  const call = async (method: string, path: string, body?: unknown, authorization = basic(sandbox.apiKey)) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };

  beforeAll(async () => {
    sandbox = await startFreshdeskSandbox({ port: 0, rateLimitPerMinute: 1000 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('takes the API key as the basic user name with any password, and refuses anything else in Freshdesk’s format', async () => {
    expect((await call('GET', '/api/v2/companies', undefined, basic(sandbox.apiKey, 'anything'))).status).toBe(200);
    for (const authorization of [basic('wrong-key'), `Bearer ${sandbox.apiKey}`, '']) {
      const answer = await call('GET', '/api/v2/companies', undefined, authorization);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: 'invalid_credentials', message: expect.any(String) });
    }
    expect(sandbox.stats.unauthenticated).toBe(3);
  });

  it('creates, finds by custom field (search API) and updates a company; a taken name is 409 duplicate_value', async () => {
    const created = await call('POST', '/api/v2/companies', {
      name: 'Acme & Sons',
      domains: ['acme.example'],
      custom_fields: { hub_external_id: 'odoo-partner-7', hub_open_orders: 2 },
    });
    expect(created.status).toBe(201);
    const id = created.body!.id as number;
    const query = encodeURIComponent(`"hub_external_id:'odoo-partner-7'"`);
    const found = await call('GET', `/api/v2/search/companies?query=${query}`);
    expect(found.body).toMatchObject({ total: 1, results: [{ id, name: 'Acme & Sons' }] });
    expect((await call('GET', `/api/v2/search/companies?query=hub_external_id:'x'`)).status).toBe(400);

    const updated = await call('PUT', `/api/v2/companies/${id}`, {
      custom_fields: { hub_overdue_amount: '12.00 EUR' },
    });
    expect(updated.body!.custom_fields).toMatchObject({
      hub_external_id: 'odoo-partner-7',
      hub_open_orders: 2,
      hub_overdue_amount: '12.00 EUR',
    });

    const duplicate = await call('POST', '/api/v2/companies', { name: 'ACME & SONS' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      description: 'Validation failed',
      errors: [{ field: 'name', message: 'It should be a unique value', code: 'duplicate_value' }],
    });
    const autocomplete = await call('GET', '/api/v2/companies/autocomplete?name=acme');
    expect(autocomplete.body).toEqual({ companies: [{ id, name: 'Acme & Sons' }] });
  });

  it('refuses unknown or mistyped custom fields and over-long text with 400 Validation failed', async () => {
    const answer = await call('POST', '/api/v2/companies', {
      name: 'Bad',
      custom_fields: { secret_margin: 1, hub_open_orders: 'two', hub_entitlement: 'x'.repeat(256) },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      description: 'Validation failed',
      errors: [
        { field: 'secret_margin', code: 'invalid_field' },
        { field: 'hub_open_orders', code: 'datatype_mismatch' },
        { field: 'hub_entitlement', code: 'invalid_value' },
      ],
    });
    expect(sandbox.stats.writes.company.create).toBe(0);
  });

  it('keeps contacts unique by email and unique_external_id, naming the holder, and filters the list by both', async () => {
    const first = await call('POST', '/api/v2/contacts', {
      name: 'Ada',
      email: 'ada@example.com',
      unique_external_id: 'odoo-partner-9',
    });
    expect(first.status).toBe(201);
    const holder = first.body!.id;
    for (const body of [
      { name: 'Other', email: 'ADA@example.com' },
      { name: 'Other', unique_external_id: 'odoo-partner-9' },
    ]) {
      const answer = await call('POST', '/api/v2/contacts', body);
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({
        description: 'Validation failed',
        errors: [
          {
            field: 'email' in body ? 'email' : 'unique_external_id',
            message: 'It should be a unique value',
            code: 'duplicate_value',
            additional_info: { user_id: holder },
          },
        ],
      });
    }
    expect((await call('GET', '/api/v2/contacts?unique_external_id=odoo-partner-9')).body).toMatchObject([
      { id: holder },
    ]);
    expect((await call('GET', '/api/v2/contacts?email=ada%40example.com')).body).toMatchObject([{ id: holder }]);
    expect((await call('POST', '/api/v2/contacts', { name: 'No key' })).body).toMatchObject({
      errors: [{ field: 'email', code: 'missing_field' }],
    });
    expect(
      (await call('POST', '/api/v2/contacts', { name: 'X', email: 'x@example.com', company_id: 999 })).status,
    ).toBe(400);
  });

  it('keeps private notes on tickets and lists them as conversations; an unknown ticket is an empty 404', async () => {
    const ticket = await call('POST', '/api/v2/tickets', {
      subject: 'Where is my order?',
      description: 'Hello',
      email: 'new@example.com',
      custom_fields: { cf_order_reference: 'S00042' },
    });
    expect(ticket.status).toBe(201);
    expect(ticket.body).toMatchObject({ status: 2, priority: 1, custom_fields: { cf_order_reference: 'S00042' } });
    const id = ticket.body!.id;
    const note = await call('POST', `/api/v2/tickets/${id}/notes`, { body: 'a &lt;b&gt;<br>line', private: true });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ private: true, body_text: 'a <b>\nline' });
    expect((await call('GET', `/api/v2/tickets/${id}/conversations`)).body).toMatchObject([
      { id: note.body!.id, private: true },
    ]);
    const missing = await call('POST', '/api/v2/tickets/999/notes', { body: 'x', private: true });
    expect(missing).toMatchObject({ status: 404, body: undefined });
    expect((await call('POST', '/api/v2/tickets', { subject: 'x' })).body).toMatchObject({
      description: 'Validation failed',
    });
  });

  it('counts calls by route and writes by kind, and logs each write', async () => {
    await call('POST', '/api/v2/companies', { name: 'A' });
    await call('PUT', '/api/v2/companies/1', { name: 'B' });
    await call('GET', '/api/v2/companies/1');
    const stats = (await fetch(`${sandbox.url}/__admin/stats`).then((r) => r.json())) as Record<string, unknown>;
    expect(stats).toMatchObject({
      totalCalls: 3,
      calls: { 'POST /api/v2/companies': 1, 'PUT /api/v2/companies/:id': 1, 'GET /api/v2/companies/:id': 1 },
      writes: { company: { create: 1, update: 1 } },
    });
    expect(await fetch(`${sandbox.url}/__admin/writes`).then((r) => r.json())).toMatchObject([
      { kind: 'company', op: 'create', id: 1 },
      { kind: 'company', op: 'update', id: 1 },
    ]);
  });

  it('sends the rate-limit headers, and 429 with Retry-After once the minute’s budget is spent', async () => {
    expect((await fetch(`${sandbox.url}/__admin/rate-limit`, { method: 'POST', body: '{"perMinute":2}' })).status).toBe(
      200,
    );
    const first = await call('GET', '/api/v2/companies');
    expect([
      first.headers.get('x-ratelimit-total'),
      first.headers.get('x-ratelimit-remaining'),
      first.headers.get('x-ratelimit-used-currentrequest'),
    ]).toEqual(['2', '1', '1']);
    await call('GET', '/api/v2/companies');
    const refused = await call('GET', '/api/v2/companies');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(sandbox.stats.rateLimited).toBe(1);
    sandbox.limiter.setLimit(1000);
  });

  it('injects the next N 429s and 500s through the admin API, then a seeded storm', async () => {
    const set = (faults: unknown) =>
      fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify(faults) }).then((r) => r.status);
    expect(await set({ next429: 2, next500: 1, retryAfterSeconds: 7 })).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call('POST', '/api/v2/companies', { name: `C${i}` });
      statuses.push(answer.status);
      if (answer.status === 429) expect(answer.headers.get('retry-after')).toBe('7');
    }
    expect(statuses).toEqual([429, 429, 500, 201]);
    expect(sandbox.stats.writes.company.create).toBe(1);
    expect(await set({ rate429: 0.5, seed: 3 })).toBe(200);
    const storm = [];
    for (let i = 0; i < 20; i++) storm.push((await call('GET', '/api/v2/companies')).status);
    expect(storm.filter((s) => s === 429).length).toBeGreaterThan(3);
    expect(storm.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(await set({ unknown: 1 })).toBe(400);
  });
});

describe('Freshdesk sandbox webhooks', () => {
  let receiver: Server;
  let received: Array<{ headers: IncomingMessage['headers']; body: unknown }>;
  let answers: number[];
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(answers.shift() ?? 200).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/freshdesk`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  beforeEach(() => {
    received = [];
    answers = [];
  });

  const ticketFor = async (sandbox: FreshdeskSandbox) => {
    const auth = basic(sandbox.apiKey);
    const post = (path: string, body: unknown) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: number }>);
    const company = await post('/api/v2/companies', { name: 'Acme & Sons' });
    await post('/api/v2/contacts', { name: 'Ada Lovelace', email: 'ada@example.com', company_id: company.id });
    return post('/api/v2/tickets', {
      subject: 'Where is invoice #INV/2024/00017?',
      description: 'Hi',
      email: 'ada@example.com',
      priority: 2,
      source: 1,
      custom_fields: { cf_invoice_reference: 'INV/2024/00017' },
    });
  };

  it('posts the hub template, rendered, with the shared secret header, on ticket create and update', async () => {
    const sandbox = await startFreshdeskSandbox({
      webhook: {
        url: receiverUrl,
        auth: { kind: 'header', header: 'X-Hub-Webhook-Secret', secret: 'freshdesk-shared-secret-123' },
      },
    });
    try {
      const ticket = await ticketFor(sandbox);
      await fetch(`${sandbox.url}/api/v2/tickets/${ticket.id}`, {
        method: 'PUT',
        headers: { Authorization: basic(sandbox.apiKey), 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 4, tags: ['billing', 'return_request'] }),
      });
      await sandbox.webhooks.idle();
      expect(received).toHaveLength(2);
      expect(received[0].headers['x-hub-webhook-secret']).toBe('freshdesk-shared-secret-123');
      expect(received[0].headers['content-type']).toBe('application/json');
      expect(received[0].body).toEqual({
        ticket: {
          id: String(ticket.id),
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          updated_at: expect.any(String),
          subject: 'Where is invoice #INV/2024/00017?',
          status: 'Open',
          priority: 'Medium',
          source: 'Email',
          requester: { name: 'Ada Lovelace', email: 'ada@example.com' },
          company: { name: 'Acme & Sons' },
          order_reference: '',
          invoice_reference: 'INV/2024/00017',
          tags: '',
        },
      });
      expect(received[1].body).toMatchObject({ ticket: { status: 'Resolved', tags: 'billing, return_request' } });
    } finally {
      await sandbox.close();
    }
  });

  it('authenticates with basic auth (the secret as password, or as the API key) when so configured', async () => {
    for (const auth of [
      { kind: 'basic-password' as const, user: 'freshdesk', secret: 'freshdesk-shared-secret-123' },
      { kind: 'basic-api-key' as const, secret: 'freshdesk-shared-secret-123' },
    ]) {
      const sandbox = await startFreshdeskSandbox({ webhook: { url: receiverUrl, auth } });
      try {
        await ticketFor(sandbox);
        await sandbox.webhooks.idle();
      } finally {
        await sandbox.close();
      }
    }
    expect(received.map((r) => r.headers.authorization)).toEqual([
      basic('freshdesk', 'freshdesk-shared-secret-123'),
      basic('freshdesk-shared-secret-123', 'X'),
    ]);
  });

  it('retries a failed call after the configured delays, then gives up as Freshdesk does after three retries', async () => {
    const sandbox = await startFreshdeskSandbox({ webhook: { url: receiverUrl, retryDelaysMs: [10, 20, 30] } });
    try {
      answers = [503, 401, 500];
      await ticketFor(sandbox);
      await sandbox.webhooks.idle();
      expect(sandbox.webhooks.deliveries[0]).toMatchObject({ state: 'delivered' });
      expect(sandbox.webhooks.deliveries[0].attempts.map((a) => a.status)).toEqual([503, 401, 500, 200]);
      expect(new Set(received.map((r) => JSON.stringify(r.body))).size).toBe(1);

      answers = [500, 500, 500, 500];
      sandbox.reset();
      received = [];
      await ticketFor(sandbox);
      await sandbox.webhooks.idle();
      expect(sandbox.webhooks.deliveries[0]).toMatchObject({ state: 'failed' });
      expect(received).toHaveLength(4);
    } finally {
      await sandbox.close();
    }
  });
});
