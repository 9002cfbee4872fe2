import { DeferredError, PermanentError, TransientError } from '@hub/resilience';
// The sandbox is a separate program; specs may start it in-process (never the adapter's own code).
import { startZendeskSandbox, type ZendeskSandbox } from '../../../../../sandboxes/zendesk/zendesk-sandbox';
import { RateLimitGate } from '../rate-limit.gate';
import { NOTE_CUT_MARKER } from '../support-desk.port';
import type { DeskContextFields } from '../support-desk.port';
import { ZENDESK_MAX_NOTE_LENGTH, ZendeskSupportDeskAdapter } from './zendesk-support-desk.adapter';

const EMAIL = 'agent@hub.example';
const TOKEN = 'adapter-spec-token';

describe('ZendeskSupportDeskAdapter against the Zendesk sandbox', () => {
  let sandbox: ZendeskSandbox;
  let desk: ZendeskSupportDeskAdapter;
  const adapter = (overrides: Partial<ConstructorParameters<typeof ZendeskSupportDeskAdapter>[0]> = {}) =>
    new ZendeskSupportDeskAdapter({
      endpointUri: `${sandbox.url}/api/v2`,
      email: EMAIL,
      apiToken: TOKEN,
      jobPollIntervalMs: 5,
      jobMaxPolls: 10,
      requestTimeoutMs: 5000,
      // 429s are waited out up to 3 s here, so a longer Retry-After shows the error the consumer then sees.
      rateLimit: new RateLimitGate({ maxRetries: 4, maxWaitMs: 3_000 }),
      ...overrides,
    });

  beforeAll(async () => {
    sandbox = await startZendeskSandbox({ port: 0, email: EMAIL, apiToken: TOKEN, jobPollsToComplete: 2 });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST' });
    desk = adapter();
  });

  it('declares Zendesk, batches of 100 and its note limit', () => {
    expect(desk.platform).toBe('zendesk');
    expect(desk.limits).toEqual({ maxBatchSize: 100, maxNoteLength: ZENDESK_MAX_NOTE_LENGTH });
  });

  it('upserts organizations by external id: created, then updated in place with the same ids', async () => {
    const records = [
      {
        externalId: 'odoo-partner-7',
        name: 'Acme',
        domains: ['acme.example'],
        context: { openOrders: 2, overdueAmount: '1,250.00 EUR' },
      },
      { externalId: 'odoo-partner-8', name: 'Globex' },
    ];
    const first = await desk.upsertOrganizations(records);
    expect(first).toEqual([
      { ok: true, deskId: expect.stringMatching(/^\d+$/), created: true },
      { ok: true, deskId: expect.stringMatching(/^\d+$/), created: true },
    ]);
    const again = await desk.upsertOrganizations([{ ...records[0]!, name: 'Acme Ltd', context: { openOrders: 3 } }]);
    expect(again).toEqual([{ ok: true, deskId: (first[0] as { deskId: string }).deskId, created: false }]);
    const org = sandbox.store.findOrganizationByExternalId('odoo-partner-7')!;
    expect(org.name).toBe('Acme Ltd');
    expect(org.domain_names).toEqual(['acme.example']);
    expect(org.organization_fields).toMatchObject({ hub_open_orders: 3, hub_overdue_amount: '1,250.00 EUR' });
    expect(sandbox.store.organizations.size).toBe(2);
    // One lookup and one job per kind of write, each polled twice.
    expect(sandbox.stats.callsByRoute).toMatchObject({
      'GET /api/v2/organizations/show_many': 2,
      'POST /api/v2/organizations/create_many': 1,
      'PUT /api/v2/organizations/update_many': 1,
      'GET /api/v2/job_statuses/{id}': 4,
    });
  });

  it('sends nothing outside the allow-list of context fields', async () => {
    // Extra keys at run time, as a careless caller could pass them: the type does not have them, the adapter drops them.
    const context: DeskContextFields = Object.assign(
      { openOrders: 1, entitlement: 'Gold' },
      { price: 99, margin: '40%' },
    );
    await desk.upsertOrganizations([{ externalId: 'odoo-partner-1', name: 'A', context }]);
    const write = sandbox.writeLog.find((w) => w.kind === 'organization')!;
    const org = sandbox.store.organizations.get(write.id)!;
    // The desk's field definitions give every hub_* field, unset ones as null; the two set are the two passed.
    expect(Object.keys(org.organization_fields).every((k) => k.startsWith('hub_'))).toBe(true);
    expect(Object.fromEntries(Object.entries(org.organization_fields).filter(([, v]) => v !== null))).toEqual({
      hub_entitlement: 'Gold',
      hub_open_orders: 1,
    });
    // Nowhere else on the organization either. Not a search of its JSON for "99": its generated id and timestamps
    // can hold those digits.
    expect(leafValues(org)).not.toContain(99);
    expect(leafValues(org)).not.toContain('40%');
    expect(JSON.stringify(org)).not.toMatch(/"(price|margin)"/);
  });

  it("gives one record's validation error as its own PermanentError with Zendesk's message, the others ok", async () => {
    const results = await desk.upsertOrganizations([
      { externalId: 'odoo-partner-1', name: 'Same Name' },
      { externalId: 'odoo-partner-2', name: 'same name' },
    ]);
    expect(results[0]).toMatchObject({ ok: true, created: true });
    expect(results[1]!.ok).toBe(false);
    const error = (results[1] as { error: PermanentError }).error;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('has already been taken');
    expect(error.vendorCode).toBe('RecordInvalid');
  });

  it('upserts people with their organization; one without its organization in Zendesk yet is deferred', async () => {
    const [org] = await desk.upsertOrganizations([{ externalId: 'odoo-partner-7', name: 'Acme' }]);
    const results = await desk.upsertPeople([
      { externalId: 'odoo-partner-9', name: 'Ada', email: 'ada@example.com', organizationExternalId: 'odoo-partner-7' },
      { externalId: 'odoo-partner-10', name: 'Bob', organizationExternalId: 'odoo-partner-404' },
      { externalId: 'odoo-partner-11', name: 'Eve', email: 'not-an-email' },
    ]);
    expect(results[0]).toMatchObject({ ok: true, created: true });
    expect((results[1] as { error: unknown }).error).toBeInstanceOf(DeferredError);
    expect((results[2] as { error: unknown }).error).toBeInstanceOf(PermanentError);
    expect(((results[2] as { error: Error }).error as Error).message).toContain('not properly formatted');
    const ada = sandbox.store.findUserByExternalId('odoo-partner-9')!;
    expect(String(ada.organization_id)).toBe((org as { deskId: string }).deskId);
    const again = await desk.upsertPeople([{ externalId: 'odoo-partner-9', name: 'Ada L.' }]);
    expect(again).toEqual([{ ok: true, deskId: String(ada.id), created: false }]);
    expect(sandbox.store.findUserByExternalId('odoo-partner-9')!.name).toBe('Ada L.');
  });

  it('adds a private note, cut to the limit with the marker, and reads the ticket back', async () => {
    const requester = sandbox.store.upsertUser({
      name: 'Ada',
      email: 'ada@example.com',
      external_id: 'odoo-partner-9',
    });
    const { ticket } = sandbox.store.createTicket({
      subject: 'Damaged',
      comment: { body: 'It broke' },
      requester_id: requester.record.id,
    });
    const note = await desk.addPrivateNote(String(ticket.id), 'Order S00042: delivered 12 May');
    expect(note).toEqual({ noteId: expect.stringMatching(/^\d+$/), cut: false });
    const small = adapter();
    Object.assign(small.limits, { maxNoteLength: 100 });
    const long = await small.addPrivateNote(String(ticket.id), 'x'.repeat(500));
    expect(long.cut).toBe(true);
    const read = await desk.getTicket(String(ticket.id));
    expect(read).toMatchObject({
      id: String(ticket.id),
      subject: 'Damaged',
      status: 'new',
      requesterExternalId: 'odoo-partner-9',
    });
    expect(read!.notes.map((n) => [n.private, n.body.length])).toEqual([
      [false, 8],
      [true, 30],
      [true, 100],
    ]);
    expect(read!.notes[1]!.id).toBe(note.noteId);
    expect(read!.notes[2]!.body.endsWith(NOTE_CUT_MARKER)).toBe(true);
  });

  it('answers a missing ticket: undefined on read, PermanentError NOT_FOUND on a note', async () => {
    expect(await desk.getTicket('999')).toBeUndefined();
    await expect(desk.addPrivateNote('999', 'hello')).rejects.toMatchObject({
      name: 'PermanentError',
      vendorCode: 'NOT_FOUND',
    });
  });

  it('waits out a 429 for its Retry-After and sends the request again, even a bulk job’s status poll', async () => {
    await fetch(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next429: 2, retryAfterSeconds: 1 }),
    });
    const started = Date.now();
    expect(await desk.upsertPeople([{ externalId: 'odoo-partner-31', name: 'Grace' }])).toEqual([
      { ok: true, deskId: expect.any(String), created: true },
    ]);
    // Both 429s waited (about a second each: the gate holds every request of the account), one user written.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(sandbox.store.users.size).toBe(2);
  });

  it('throws TransientError with retryAfterMs on a 429 it will not wait out, and on a 500', async () => {
    await fetch(`${sandbox.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next429: 1, retryAfterSeconds: 7 }),
    });
    const limited = await desk.upsertOrganizations([{ externalId: 'a', name: 'A' }]).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(TransientError);
    expect(limited).toMatchObject({ code: 'HTTP_429', retryAfterMs: 7000, targetUnavailable: true });
    await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ next500: 1 }) });
    await expect(desk.getTicket('1')).rejects.toMatchObject({ name: 'TransientError', code: 'HTTP_500' });
  });

  it('throws TransientError when a job fails as a whole; re-sending then writes once', async () => {
    await fetch(`${sandbox.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ failNextJobs: 1 }) });
    const records = [{ externalId: 'odoo-partner-9', name: 'Ada' }];
    await expect(desk.upsertPeople(records)).rejects.toMatchObject({ name: 'TransientError', code: 'JOB_FAILED' });
    expect(await desk.upsertPeople(records)).toEqual([{ ok: true, deskId: expect.any(String), created: true }]);
    expect(await desk.upsertPeople(records)).toMatchObject([{ ok: true, created: false }]);
    expect(sandbox.store.users.size).toBe(2); // the API user and Ada
  });

  it('throws PermanentError on wrong credentials, TransientError when Zendesk cannot be reached', async () => {
    await expect(adapter({ apiToken: 'wrong' }).getTicket('1')).rejects.toMatchObject({
      name: 'PermanentError',
      vendorCode: "Couldn't authenticate you",
    });
    const nowhere = adapter({ endpointUri: 'http://127.0.0.1:1/api/v2' });
    await expect(nowhere.getTicket('1')).rejects.toMatchObject({ name: 'TransientError', code: 'ZENDESK_UNREACHABLE' });
  });

  it('refuses more than 100 records as a programmer error, before any call', async () => {
    const records = Array.from({ length: 101 }, (_, i) => ({ externalId: `p${i}`, name: `P${i}` }));
    await expect(desk.upsertPeople(records)).rejects.toBeInstanceOf(RangeError);
    expect(sandbox.stats.apiCalls).toBe(0);
  });
});

/** Every primitive value inside a JSON-like value, at any depth. */
function leafValues(value: unknown): unknown[] {
  if (value === null || typeof value !== 'object') return [value];
  return Object.values(value).flatMap(leafValues);
}
