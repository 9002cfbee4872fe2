/**
 * The adapter's Bulk API 2.0 upserts against the Salesforce sandbox over HTTP (no Kafka, no hub database): jobs
 * created, uploaded, polled and read back as a real org would take them. The sandbox shares no code with the hub, so
 * this checks the adapter against the API's own rules (CSV, `#N/A`, relationship columns, sf__Error), not against
 * itself.
 */
import pino from 'pino';
import type { OutgoingRecord, TargetWrite } from '@hub/projection';
import { PermanentError, TransientError } from '@hub/resilience';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../../../sandboxes/salesforce/sandbox.client';
import { JsforceSalesforceAdapter } from './jsforce-salesforce.adapter';
import { CREDENTIALS_RETRY_MS, SalesforceCredentialsError } from './salesforce-error.mapper';
import { SalesforceTarget } from './salesforce.target';

type Row = Record<string, unknown>;

describe('JsforceSalesforceAdapter.bulkUpsert against the sandbox', () => {
  jest.setTimeout(120_000);
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let adapter: JsforceSalesforceAdapter;

  /** Constructed as projector-salesforce.module.ts does, with short polls. */
  const newAdapter = () =>
    new JsforceSalesforceAdapter({
      loginUrl: sandbox.url,
      clientId: 'hub-client',
      clientSecret: 'hub-secret',
      apiVersion: '62.0',
      callClient: 'odoo-hub',
      limitBackoffMs: 60_000,
      bulk: { pollMs: 20, pollMaxMs: 1_000, timeoutMs: 60_000 },
      log: pino({ level: 'silent' }),
    });
  const accounts = (from: number, to: number, extra: (i: number) => Row = () => ({})) =>
    Array.from({ length: to - from }, (_, k) => {
      const i = from + k;
      return { Name: `Bulk Co ${i}`, Odoo_Id__c: `odoo-partner-${i}`, BillingCity: 'Brussels', ...extra(i) };
    });
  const byKey = async (object: string) =>
    new Map((await sf.records<Row>(object)).map((r) => [r['Odoo_Id__c'] as string, r]));
  const bulkCalls = async () => {
    const routes = (await sf.stats())['callsByRoute'] as Record<string, number>;
    return Object.entries(routes)
      .filter(([route]) => route.includes('/jobs/ingest'))
      .reduce((n, [, calls]) => n + calls, 0);
  };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null, apiRequestLimit: 1_000_000 });
    sf = new SandboxClient(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    await sf.reset();
    adapter = newAdapter();
  });

  it('upserts thousands of Accounts, then Contacts naming them by external id, in a handful of calls per job', async () => {
    const companies = accounts(0, 3_000);
    expect(await adapter.bulkUpsert('Account', 'Odoo_Id__c', companies)).toEqual(companies.map(() => ({ ok: true })));
    const accountCalls = await bulkCalls();
    // Create, upload, close, a few polls: no results read when no row failed.
    expect(accountCalls).toBeLessThanOrEqual(8);

    const people = companies.map((_, i) => ({
      FirstName: 'Buyer',
      LastName: `of ${i}`,
      Email: `buyer${i}@example.com`,
      Account: { Odoo_Id__c: `odoo-partner-${i}` },
      Odoo_Id__c: `odoo-contact-${i}`,
    }));
    expect(await adapter.bulkUpsert('Contact', 'Odoo_Id__c', people)).toEqual(people.map(() => ({ ok: true })));
    expect((await bulkCalls()) - accountCalls).toBeLessThanOrEqual(8);

    const saved = await byKey('Account');
    const contacts = await byKey('Contact');
    expect(saved.size).toBe(3_000);
    expect(contacts.size).toBe(3_000);
    expect(contacts.get('odoo-contact-2999')).toMatchObject({
      LastName: 'of 2999',
      AccountId: saved.get('odoo-partner-2999')!['Id'],
    });

    // Again: updated in place, never a second record.
    const renamed = accounts(0, 3_000, (i) => ({ Name: `Renamed ${i}` }));
    expect((await adapter.bulkUpsert('Account', 'Odoo_Id__c', renamed)).every((o) => o.ok)).toBe(true);
    const after = await byKey('Account');
    expect(after.size).toBe(3_000);
    expect(after.get('odoo-partner-7')).toMatchObject({ Id: saved.get('odoo-partner-7')!['Id'], Name: 'Renamed 7' });
  });

  it("maps each refused row to its own record by external id, with Salesforce's code as in a collections call", async () => {
    await adapter.bulkUpsert('Account', 'Odoo_Id__c', accounts(0, 2));
    const outcomes = await adapter.bulkUpsert('Contact', 'Odoo_Id__c', [
      { LastName: 'Fine', Account: { Odoo_Id__c: 'odoo-partner-0' }, Odoo_Id__c: 'c-0' },
      { LastName: 'Orphan', Account: { Odoo_Id__c: 'odoo-partner-404' }, Odoo_Id__c: 'c-1' },
      { FirstName: 'No last name', Odoo_Id__c: 'c-2' },
      { LastName: 'L'.repeat(81), Odoo_Id__c: 'c-3' },
      { LastName: 'Also fine, "quoted"', Title: 'Buyer\nand payer', Odoo_Id__c: 'c-4' },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.error.name} ${codeOf(o.error)}`))).toEqual([
      'ok',
      'TransientError PARENT_NOT_FOUND_YET',
      'PermanentError REQUIRED_FIELD_MISSING',
      'PermanentError STRING_TOO_LONG',
      'ok',
    ]);
    const tooLong = outcomes[3] as { ok: false; error: PermanentError };
    expect(tooLong.error.message).toMatch(/^STRING_TOO_LONG: Last Name: data value too large/);
    expect(tooLong.error.detail).toEqual([
      expect.objectContaining({ statusCode: 'STRING_TOO_LONG', fields: ['LastName'] }),
    ]);
    const contacts = await byKey('Contact');
    expect([...contacts.keys()].sort()).toEqual(['c-0', 'c-4']);
    expect(contacts.get('c-4')).toMatchObject({ LastName: 'Also fine, "quoted"', Title: 'Buyer\nand payer' });
  });

  it('gives a row lock back as transient, and the other rows land', async () => {
    await sf.setFaults({ unableToLockRowRate: 0.3, seed: 7 });
    const outcomes = await adapter.bulkUpsert('Account', 'Odoo_Id__c', accounts(0, 200));
    await sf.clearFaults();
    const locked = outcomes.flatMap((o, i) => (o.ok ? [] : ([[i, o.error]] as const)));
    expect(locked.length).toBeGreaterThan(0);
    expect(locked.every(([, e]) => e instanceof TransientError && e.code === 'UNABLE_TO_LOCK_ROW')).toBe(true);
    const saved = await byKey('Account');
    expect(saved.size).toBe(200 - locked.length);
    for (const [i] of locked) expect(saved.has(`odoo-partner-${i}`)).toBe(false);
  });

  it('throws a transient BULK_JOB_FAILED, naming the job and its reason, for a job that failed as a whole', async () => {
    await sf.failNextBulkJobs(1);
    const error = await adapter.bulkUpsert('Account', 'Odoo_Id__c', accounts(0, 50)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'BULK_JOB_FAILED',
      message: expect.stringMatching(
        /^Bulk API job 750\w{15} Failed: InternalServerError : An internal server error occurred/,
      ),
    });
    expect(await sf.records('Account')).toEqual([]);
    // The next job goes through.
    expect((await adapter.bulkUpsert('Account', 'Odoo_Id__c', accounts(0, 50))).every((o) => o.ok)).toBe(true);
  });

  it('clears a field sent as null (#N/A) and leaves a field a record lacks as it is', async () => {
    await adapter.bulkUpsert('Account', 'Odoo_Id__c', [
      { Name: 'Keep', Website: 'https://keep.example', Phone: '+32 1', Odoo_Id__c: 'a-1' },
      { Name: 'Clear', Website: 'https://clear.example', Phone: '+32 2', Odoo_Id__c: 'a-2' },
    ]);
    await adapter.bulkUpsert('Account', 'Odoo_Id__c', [
      { Name: 'Keep', Odoo_Id__c: 'a-1' },
      { Name: 'Clear', Website: null, Phone: '', Odoo_Id__c: 'a-2' },
    ]);
    const saved = await byKey('Account');
    expect(saved.get('a-1')).toMatchObject({ Website: 'https://keep.example', Phone: '+32 1' });
    expect(saved.get('a-2')).toMatchObject({ Website: null, Phone: null });
  });

  it("counts a job's calls in the API usage it reports until the org's next reading includes them", async () => {
    await adapter.readApiUsage();
    const before = adapter.apiUsage()!.used;
    await adapter.bulkUpsert('Account', 'Odoo_Id__c', accounts(0, 10));
    expect(adapter.apiUsage()!.used).toBe(before + (await bulkCalls()));
    await adapter.readApiUsage();
    expect(adapter.apiUsage()!.used).toBe((await sf.stats()).apiCalls);
  });

  it('is what SalesforceTarget.applyBulk sends, with what a refused row means to the engine', async () => {
    const target = new SalesforceTarget(adapter, { maxBatchSize: 200, lingerMs: () => 0, parentWaitMs: 0 });
    const write = (key: string, kind: TargetWrite['kind'], fields: Row): OutgoingRecord => ({
      write: {
        scope: 'Customer:Account',
        object: 'Account',
        keyField: 'Odoo_Id__c',
        key,
        fields,
        createOnly: {},
        kind,
        parents: [],
      },
      payload: fields,
    });
    const results = await target.applyBulk('Account', 'Odoo_Id__c', [
      write('odoo-partner-1', 'upsert', { Name: 'Made', Odoo_Deleted__c: false }),
      write('odoo-partner-2', 'flag', { Odoo_Deleted__c: true }),
    ]);
    expect(results[0]).toEqual({ ok: true });
    expect(results[1]).toMatchObject({
      ok: false,
      because: 'not-found',
      error: { vendorCode: 'REQUIRED_FIELD_MISSING' },
    });
    expect((await byKey('Account')).get('odoo-partner-1')).toMatchObject({ Name: 'Made', Odoo_Deleted__c: false });
  });
});

/**
 * Authentication through the adapter against the sandbox's token endpoint: the client secret is read for each token
 * request (a rotated secret file), a refused one is a configuration error, an expired session is renewed in place.
 */
describe('JsforceSalesforceAdapter credentials against the sandbox', () => {
  jest.setTimeout(60_000);
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let secret: string;
  const adapterWithSecret = () =>
    new JsforceSalesforceAdapter({
      loginUrl: sandbox.url,
      clientId: 'hub-client',
      clientSecret: () => secret,
      apiVersion: '62.0',
      callClient: 'odoo-hub',
      log: pino({ level: 'silent' }),
    });
  const account = (i: number) => [{ Name: `Cred Co ${i}`, Odoo_Id__c: `odoo-partner-cred-${i}` }];

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null });
    sf = new SandboxClient(sandbox.url);
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    secret = 'hub-secret';
    await sf.rotateClientSecret('hub-secret');
    await sf.reset();
  });

  it('refuses a wrong client secret as a configuration error naming SF_CLIENT_SECRET, and recovers with the right one', async () => {
    secret = 'not-the-secret';
    const adapter = adapterWithSecret();
    expect(await adapter.credentialsProblem()).toBe(
      "Salesforce refused the hub's credentials (invalid_client: invalid client credentials): check SF_CLIENT_SECRET",
    );
    const refused = await adapter.upsert('Account', 'Odoo_Id__c', account(1)).catch((e: unknown) => e);
    // Not an unknown transient failure: the record is not at fault, so the consumer pauses without counting a retry.
    expect(refused).toBeInstanceOf(SalesforceCredentialsError);
    expect(refused).toMatchObject({
      code: 'SALESFORCE_CREDENTIALS_REFUSED',
      targetUnavailable: true,
      retryAfterMs: CREDENTIALS_RETRY_MS,
      oauthError: 'invalid_client',
      setting: 'SF_CLIENT_SECRET',
    });
    secret = 'hub-secret';
    expect(await adapter.upsert('Account', 'Odoo_Id__c', account(1))).toEqual([
      expect.objectContaining({ ok: true, created: true }),
    ]);
    expect(await adapter.credentialsProblem()).toBeUndefined();
  });

  it('renews an expired session with the rotated secret, and reports a refusal met while renewing', async () => {
    const adapter = adapterWithSecret();
    expect(await adapter.credentialsProblem()).toBeUndefined();
    const issuedBefore = Number((await sf.stats())['tokensIssued']);
    await adapter.upsert('Account', 'Odoo_Id__c', account(1));

    // The secret is rotated at Salesforce and in the file, and every session ends: the next call renews in place.
    const pastRefreshGuard = () => new Promise((r) => setTimeout(r, 1_100)); // the adapter's guard against loops
    await pastRefreshGuard();
    await sf.rotateClientSecret('second-secret');
    secret = 'second-secret';
    await sf.setFaults({ expireTokens: true });
    expect(await adapter.upsert('Account', 'Odoo_Id__c', account(2))).toEqual([
      expect.objectContaining({ ok: true, created: true }),
    ]);
    expect(Number((await sf.stats())['tokensIssued'])).toBe(issuedBefore + 1);

    // Rotated at Salesforce only: the renewal is refused, and that is the configuration error, not an unknown failure.
    await pastRefreshGuard();
    await sf.rotateClientSecret('third-secret');
    await sf.setFaults({ expireTokens: true });
    const refused = await adapter.upsert('Account', 'Odoo_Id__c', account(3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SalesforceCredentialsError);
    expect(await adapter.credentialsProblem()).toMatch(/check SF_CLIENT_SECRET$/);
    secret = 'third-secret';
    await pastRefreshGuard();
    expect(await adapter.upsert('Account', 'Odoo_Id__c', account(3))).toEqual([
      expect.objectContaining({ ok: true, created: true }),
    ]);
    expect(await adapter.credentialsProblem()).toBeUndefined();
  });
});

const codeOf = (e: TransientError | PermanentError) => (e instanceof PermanentError ? e.vendorCode : e.code);
