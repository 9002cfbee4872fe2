import { PermanentError, TransientError } from '@hub/resilience';
import { startFreshdeskSandbox, type FreshdeskSandbox } from '../../../../../sandboxes/freshdesk/freshdesk-sandbox';
import { RateLimitGate } from '../rate-limit.gate';
import { NOTE_CUT_MARKER } from '../support-desk.port';
import { FreshdeskApiClient } from './freshdesk.client';
import { FRESHDESK_MAX_NOTE_LENGTH, FreshdeskSupportDeskAdapter } from './freshdesk-support-desk.adapter';

describe('FreshdeskSupportDeskAdapter against the Freshdesk sandbox', () => {
  let sandbox: FreshdeskSandbox;
  let desk: FreshdeskSupportDeskAdapter;
  const calls = () => sandbox.stats.totalCalls;
  const seedTicket = () =>
    sandbox.store.createTicket({ subject: 'Where is my order?', description: 'Hello', email: 'ada@example.com' });

  beforeAll(async () => {
    sandbox = await startFreshdeskSandbox({ port: 0, rateLimitPerMinute: 10_000 });
    // 429s are waited out up to 3 s here, so a longer Retry-After shows the error the consumer then sees.
    desk = new FreshdeskSupportDeskAdapter(
      new FreshdeskApiClient({
        baseUrl: sandbox.url,
        apiKey: sandbox.apiKey,
        rateLimit: new RateLimitGate({ maxRetries: 4, maxWaitMs: 3_000 }),
      }),
    );
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('declares Freshdesk’s limits: one record per call (no bulk upsert), notes cut at its documented bound', () => {
    expect(desk.platform).toBe('freshdesk');
    expect(desk.limits).toEqual({ maxBatchSize: 1, maxNoteLength: FRESHDESK_MAX_NOTE_LENGTH });
  });

  it('creates an organization, then updates the same company by external id, with context in hub_ fields only', async () => {
    const org = {
      externalId: 'odoo-partner-7',
      name: 'Acme & Sons',
      domains: ['acme.example'],
      context: { openOrders: 3, overdueAmount: '1,250.00 EUR', lastDeliveryTracking: 'x'.repeat(300) },
    };
    const [first] = await desk.upsertOrganizations([org]);
    expect(first).toEqual({ ok: true, deskId: '1', created: true });
    expect(sandbox.stats.calls).toEqual({ 'GET /api/v2/search/companies': 1, 'POST /api/v2/companies': 1 });

    const [again] = await desk.upsertOrganizations([{ ...org, name: 'Acme and Sons', context: { openOrders: null } }]);
    expect(again).toEqual({ ok: true, deskId: '1', created: false });
    const company = sandbox.store.companies.get(1)!;
    expect(company.name).toBe('Acme and Sons');
    expect(company.custom_fields).toMatchObject({
      hub_external_id: 'odoo-partner-7',
      hub_open_orders: null,
      hub_overdue_amount: '1,250.00 EUR',
    });
    expect((company.custom_fields.hub_last_delivery_tracking as string).length).toBe(255);
    expect(sandbox.store.companies.size).toBe(1);
  });

  it('resolves a create that loses to a lagging search index through the name’s holder (409 duplicate)', async () => {
    sandbox.store.createCompany({ name: 'Acme', custom_fields: { hub_external_id: 'odoo-partner-7' } });
    // Freshdesk's filter API lags behind writes: the first lookup does not see the company yet.
    const search = jest
      .spyOn(FreshdeskApiClient.prototype, 'searchCompanies')
      .mockResolvedValueOnce({ results: [], total: 0 });
    try {
      const [result] = await desk.upsertOrganizations([{ externalId: 'odoo-partner-7', name: 'Acme' }]);
      expect(result).toEqual({ ok: true, deskId: '1', created: false });
      expect(sandbox.stats.calls['POST /api/v2/companies']).toBe(1);
      expect(sandbox.stats.calls['PUT /api/v2/companies/:id']).toBe(1);
    } finally {
      search.mockRestore();
    }
  });

  it('returns a name held by another company as that record’s PermanentError with Freshdesk’s message', async () => {
    sandbox.store.createCompany({ name: 'Acme', custom_fields: { hub_external_id: 'odoo-partner-1' } });
    const [result] = await desk.upsertOrganizations([{ externalId: 'odoo-partner-2', name: 'ACME' }]);
    expect(result.ok).toBe(false);
    const error = (result as { error: PermanentError }).error;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.vendorCode).toBe('duplicate_value');
    expect(error.message).toContain('name: It should be a unique value');
  });

  it('upserts people by unique_external_id, linked to their organization by its external id', async () => {
    await desk.upsertOrganizations([{ externalId: 'odoo-partner-7', name: 'Acme' }]);
    const person = {
      externalId: 'odoo-partner-9',
      name: 'Ada',
      email: 'ada@example.com',
      organizationExternalId: 'odoo-partner-7',
    };
    expect(await desk.upsertPeople([person])).toEqual([{ ok: true, deskId: expect.any(String), created: true }]);
    const [again] = await desk.upsertPeople([{ ...person, name: 'Ada Lovelace', phone: '+44 20 7946 0000' }]);
    expect(again).toMatchObject({ ok: true, created: false });
    const [contact] = sandbox.store.findContacts({ unique_external_id: 'odoo-partner-9' });
    expect(contact).toMatchObject({ name: 'Ada Lovelace', company_id: 1, phone: '+44 20 7946 0000' });
    expect(sandbox.store.contacts.size).toBe(1);
  });

  it('adopts the contact Freshdesk created from an email ticket, and refuses an email held by another external id', async () => {
    seedTicket(); // creates the requester ada@example.com, without an external id
    const [adopted] = await desk.upsertPeople([
      { externalId: 'odoo-partner-9', name: 'Ada', email: 'ada@example.com' },
    ]);
    expect(adopted).toMatchObject({ ok: true, created: false });
    expect(sandbox.store.contacts.size).toBe(1);

    const [refused] = await desk.upsertPeople([
      { externalId: 'odoo-partner-10', name: 'Eve', email: 'ada@example.com' },
    ]);
    expect(refused.ok).toBe(false);
    expect((refused as { error: PermanentError }).error).toMatchObject({ vendorCode: 'duplicate_value' });
  });

  it('updates the winner of a concurrent create (409 on unique_external_id names the holder)', async () => {
    sandbox.store.createContact({ name: 'Ada', unique_external_id: 'odoo-partner-9' });
    const list = jest.spyOn(FreshdeskApiClient.prototype, 'listContacts').mockResolvedValueOnce([]);
    try {
      const [result] = await desk.upsertPeople([{ externalId: 'odoo-partner-9', name: 'Ada L.' }]);
      expect(result).toMatchObject({ ok: true, created: false });
      expect(sandbox.store.findContacts({ unique_external_id: 'odoo-partner-9' })[0].name).toBe('Ada L.');
    } finally {
      list.mockRestore();
    }
  });

  it('answers a person whose organization is not there yet with a transient result, and a bad email with a permanent one', async () => {
    const [waiting] = await desk.upsertPeople([
      { externalId: 'odoo-partner-9', name: 'Ada', organizationExternalId: 'odoo-partner-404' },
    ]);
    expect((waiting as { error: TransientError }).error).toMatchObject({
      code: 'PARENT_NOT_FOUND_YET',
      retryAfterMs: 30_000,
    });
    const [invalid] = await desk.upsertPeople([{ externalId: 'odoo-partner-9', name: 'Ada', email: 'not-an-email' }]);
    expect((invalid as { error: PermanentError }).error).toMatchObject({ vendorCode: 'invalid_value' });
    expect(sandbox.store.contacts.size).toBe(0);
  });

  it('waits out a 429 for its Retry-After and sends the call again: one company written', async () => {
    sandbox.faults.set({ ...sandbox.faults.config, next429: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    expect(await desk.upsertOrganizations([{ externalId: 'odoo-partner-8', name: 'Globex' }])).toMatchObject([
      { ok: true, created: true },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.stats.writes.company.create).toBe(1);
  });

  it('throws the whole call’s failure: a 429 it will not wait out, 500, and a wrong API key', async () => {
    sandbox.faults.set({ ...sandbox.faults.config, next429: 1, retryAfterSeconds: 9 });
    await expect(desk.upsertOrganizations([{ externalId: 'odoo-partner-7', name: 'Acme' }])).rejects.toMatchObject({
      name: 'TransientError',
      code: 'HTTP_429',
      retryAfterMs: 9000,
    });
    sandbox.faults.set({ ...sandbox.faults.config, next500: 1 });
    await expect(desk.upsertPeople([{ externalId: 'odoo-partner-9', name: 'Ada' }])).rejects.toBeInstanceOf(
      TransientError,
    );
    const stranger = new FreshdeskSupportDeskAdapter(new FreshdeskApiClient({ baseUrl: sandbox.url, apiKey: 'wrong' }));
    await expect(stranger.upsertOrganizations([{ externalId: 'odoo-partner-7', name: 'Acme' }])).rejects.toMatchObject({
      name: 'PermanentError',
      vendorCode: 'invalid_credentials',
    });
    expect(sandbox.stats.writes.company.create).toBe(0);
  });

  it('refuses more records than maxBatchSize, and an external id a search query cannot carry', async () => {
    await expect(
      desk.upsertPeople([
        { externalId: 'a', name: 'A' },
        { externalId: 'b', name: 'B' },
      ]),
    ).rejects.toBeInstanceOf(RangeError);
    const [result] = await desk.upsertOrganizations([{ externalId: "o'brien", name: 'X' }]);
    expect((result as { error: PermanentError }).error).toMatchObject({ code: 'INVALID_RECORD' });
    expect(calls()).toBe(0);
  });

  it('adds a private note as escaped HTML, cuts a long one by the port’s rule, and reads it back with the ticket', async () => {
    await desk.upsertPeople([{ externalId: 'odoo-partner-9', name: 'Ada', email: 'ada@example.com' }]);
    const ticket = seedTicket();
    const note = await desk.addPrivateNote(String(ticket.id), 'Invoice <INV/1> & "S00042"\nsecond line');
    expect(note.cut).toBe(false);
    const stored = sandbox.store.conversations.get(Number(note.noteId))!;
    expect(stored).toMatchObject({
      private: true,
      body: 'Invoice &lt;INV/1&gt; &amp; &quot;S00042&quot;<br>second line',
    });

    const long = await desk.addPrivateNote(String(ticket.id), 'y'.repeat(FRESHDESK_MAX_NOTE_LENGTH + 10));
    expect(long.cut).toBe(true);
    expect(sandbox.store.conversations.get(Number(long.noteId))!.body_text.endsWith(NOTE_CUT_MARKER)).toBe(true);

    expect(await desk.getTicket(String(ticket.id))).toEqual({
      id: String(ticket.id),
      subject: 'Where is my order?',
      status: 'open',
      priority: 'low',
      requesterExternalId: 'odoo-partner-9',
      notes: [
        { id: note.noteId, body: 'Invoice <INV/1> & "S00042"\nsecond line', private: true },
        { id: long.noteId, body: expect.stringMatching(/^y+\n\[…cut by the hub/), private: true },
      ],
    });
  });

  it('reads a missing ticket as undefined and refuses a note on it with NOT_FOUND', async () => {
    expect(await desk.getTicket('999')).toBeUndefined();
    expect(await desk.getTicket('not-a-ticket')).toBeUndefined();
    await expect(desk.addPrivateNote('999', 'hello')).rejects.toMatchObject({
      name: 'PermanentError',
      vendorCode: 'NOT_FOUND',
    });
  });
});
