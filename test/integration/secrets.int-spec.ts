import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, ReadyBody, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import {
  AUDIT_TEST_HASH_KEY,
  AUDIT_TEST_TOKEN,
  ingressSalesforceEnv,
  odooCdcEnv,
  projectorSalesforceEnv,
} from './support/app-env';
import { readTopic } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, runId, stack } from './support/stack';

/**
 * Secrets as Kubernetes mounts them, through the hub: odoo-cdc, projector-salesforce and ingress read their database
 * URL (with a password of the run's own database role) and the Salesforce client secret from files (`<NAME>_FILE`).
 * Partners written into Odoo travel to the Salesforce sandbox while the client secret is rotated twice there and in
 * the file, each time with every session expired: a staged rotation goes unnoticed; a rotation at Salesforce before
 * the file is a configuration error (readiness fails naming SF_CLIENT_SECRET, nothing is dead-lettered) that ends
 * when the file has the new secret. Every record lands once. Last, every line the apps logged is searched for the
 * secrets they were given or were issued (client secrets, access tokens, the database password, the audit key and
 * token) and for the personal fields of the partners (emails, phone numbers): none is there.
 */
describe('secrets read from files, rotated without a restart, and kept out of the logs', () => {
  const run = runId('secrets');
  const prefix = `it-${run}.`;
  const secret = () => `sf-${randomBytes(18).toString('base64url')}`;
  const clientSecrets = [secret(), secret(), secret()];
  const dbPassword = `pw-${randomBytes(18).toString('hex')}`;
  const dbRole = `it_${run.replace(/-/g, '_')}`;
  /** Tokens the sandbox issued: the apps hold them, so they are secrets too. */
  const issuedTokens: string[] = [];
  /** Each partner's email and phone: personal data, which no log line may carry. */
  const personal: string[] = [];
  const partnerIds: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hub-secrets-'));
  const secretFile = join(dir, 'sf-client-secret');
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let odoo: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[];
  let projector: RunningApp;

  const rotateFile = (value: string) => {
    // As kubelet does, the new content replaces the file at once (a rename), never a half-written one.
    writeFileSync(`${secretFile}.new`, `${value}\n`);
    renameSync(`${secretFile}.new`, secretFile);
  };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, clientSecret: clientSecrets[0] });
    const issue = sandbox.state.tokens.issueAccessToken.bind(sandbox.state.tokens);
    sandbox.state.tokens.issueAccessToken = (clientId: string) => {
      const issued = issue(clientId);
      issuedTokens.push(issued.token);
      return issued;
    };
    sf = new SandboxClient(sandbox.url, { clientSecret: clientSecrets[0] });
    odoo = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    // The apps connect as a role of their own, whose password is this run's: the stack's is too common to search for.
    const server = new Client({ connectionString: stack().postgres.hub });
    await server.connect();
    const owner = new URL(stack().postgres.hub).username;
    await server.query(`CREATE ROLE ${dbRole} LOGIN PASSWORD '${dbPassword}' IN ROLE ${owner}`);
    await server.end();
    const appDbUrl = new URL(hubDb.url);
    appDbUrl.username = dbRole;
    appDbUrl.password = dbPassword;
    writeFileSync(join(dir, 'hub-database-url'), `${appDbUrl.toString()}\n`);
    writeFileSync(secretFile, `${clientSecrets[0]}\n`);
    const fromFiles = (env: Record<string, string>) => {
      const { HUB_DATABASE_URL: _db, SF_CLIENT_SECRET: _sf, ...rest } = env;
      return {
        ...rest,
        HUB_DATABASE_URL_FILE: join(dir, 'hub-database-url'),
        ...(_sf === undefined ? {} : { SF_CLIENT_SECRET_FILE: secretFile }),
      };
    };
    apps = await startApps([
      { name: 'odoo-cdc', env: fromFiles(odooCdcEnv(prefix, hubDb.url)) },
      {
        name: 'projector-salesforce',
        env: fromFiles(projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, { SF_BREAKER_RESET_MS: '2000' })),
      },
      { name: 'ingress', env: fromFiles(ingressSalesforceEnv(prefix, hubDb.url, sandbox)) },
    ]);
    projector = apps.find((a) => a.name === 'projector-salesforce')!;
  });

  afterAll(async () => {
    await Promise.all((apps ?? []).map((a) => a.kill()));
    await odoo?.end();
    await hubDb?.drop();
    const server = new Client({ connectionString: stack().postgres.hub });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${dbRole}`).finally(() => server.end());
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A company and a person of it, with an email and a phone number each. */
  const insertCustomers = async (batch: string) => {
    const tag = randomBytes(4).toString('hex');
    const digits = String(randomInt(100_000, 1_000_000));
    const phone = (n: number) => `+32 47${n} ${digits.slice(0, 3)} ${digits.slice(3)}`;
    const company = await insertPartner(odoo, {
      name: `Secret Co ${run} ${batch}`,
      is_company: true,
      email: `office.${tag}@secret-co.example`,
      phone: phone(1),
    });
    const person = await insertPartner(odoo, {
      name: `Jane Doe${tag}`,
      is_company: false,
      parent_id: company,
      email: `jane.${tag}@secret-co.example`,
      phone: phone(2),
    });
    personal.push(`office.${tag}@secret-co.example`, `jane.${tag}@secret-co.example`, phone(1), phone(2));
    partnerIds.push(company, person);
    return [company, person];
  };
  /** Rows in the org with one of these Odoo ids, by id (read through the admin API: it needs no token). */
  const landed = async (ids: number[]) => {
    const keys = new Set(ids.map((id) => `odoo-partner-${id}`));
    const rows = [...(await sf.records('Account')), ...(await sf.records('Contact'))];
    return rows.filter((r) => keys.has(String(r['Odoo_Id__c'])));
  };
  const allLanded = (ids: number[], timeoutMs: number, what: string) =>
    eventually(async () => ((await landed(ids)).length === ids.length ? true : undefined), timeoutMs, what);
  const readiness = async () => {
    const res = await fetch(`${projector.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as ReadyBody };
  };

  it('starts with its database URL and client secret read from files, and projects Odoo partners', async () => {
    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body.info?.['salesforceCredentials']).toEqual({ status: 'up' });
    const ids = await insertCustomers('first');
    await allLanded(ids, 180_000, 'the first partners in Salesforce');
    const contact = (await landed(ids)).find((r) => r['Email']);
    expect(contact).toMatchObject({ Email: personal[1], Phone: personal[3] });
  }, 200_000);

  it('goes on through a staged rotation of the client secret, renewing the expired session with the new one', async () => {
    const tokensBefore = issuedTokens.length;
    await sf.rotateClientSecret(clientSecrets[1], { keepPrevious: true });
    rotateFile(clientSecrets[1]);
    // The hub reads a secret file again at most every 5 s: past that, Salesforce stops accepting the old secret.
    await new Promise((r) => setTimeout(r, 6_000));
    await sf.rotateClientSecret(clientSecrets[1]);
    await sf.setFaults({ expireTokens: true });
    const ids = await insertCustomers('second');
    await allLanded(ids, 60_000, 'the partners written after the staged rotation');
    expect(issuedTokens.length).toBeGreaterThan(tokensBefore);
    expect((await readiness()).status).toBe(200);
  }, 90_000);

  it('fails readiness naming SF_CLIENT_SECRET while Salesforce refuses it, loses nothing, and recovers from the file', async () => {
    await sf.rotateClientSecret(clientSecrets[2]);
    await sf.setFaults({ expireTokens: true });
    const ids = await insertCustomers('third');
    const down = await eventually(
      async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      },
      60_000,
      'readiness to fail on the refused secret',
    );
    expect(down.body.error?.['salesforceCredentials']).toEqual({
      status: 'down',
      message:
        "Salesforce refused the hub's credentials (invalid_client: invalid client credentials): check SF_CLIENT_SECRET",
    });
    expect(await landed(ids)).toEqual([]);

    rotateFile(clientSecrets[2]);
    await allLanded(ids, 90_000, 'the partners held while the secret was refused');
    await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 30_000, 'readiness again');
  }, 200_000);

  it('wrote every partner once and dead-lettered none', async () => {
    const rows = await landed(partnerIds);
    expect(rows.map((r) => r['Odoo_Id__c']).sort()).toEqual(partnerIds.map((id) => `odoo-partner-${id}`).sort());
    for (const topic of [`${prefix}dlq.projector-salesforce`, `${prefix}dlq.odoo-cdc`]) {
      const dead = await readTopic(topic).catch(() => []);
      const ours = dead.filter((d) => partnerIds.some((id) => d.message.key?.toString() === `odoo-partner-${id}`));
      expect(ours).toEqual([]);
    }
  });

  it('refuses to start on a missing secret file or a malformed database URL, naming them and printing no secret', async () => {
    const missing = join(dir, 'no-such-secret');
    const malformed = join(dir, 'malformed-database-url');
    const password = `pw-${randomBytes(18).toString('hex')}`;
    writeFileSync(malformed, `postgress://hub:${password}@db:5432/hub\n`);
    const {
      HUB_DATABASE_URL: _db,
      SF_CLIENT_SECRET: _sf,
      ...env
    } = projectorSalesforceEnv(prefix, hubDb.url, sandbox.url);
    const failure = await startApps([
      {
        name: 'projector-salesforce',
        env: { ...env, SF_CLIENT_SECRET_FILE: missing, HUB_DATABASE_URL_FILE: malformed },
      },
    ]).then(
      () => undefined,
      (e: Error) => e.message,
    );
    // EX_CONFIG, before anything connects.
    expect(failure).toMatch(/^projector-salesforce exited with 78 before it was ready; see /);
    const log = readFileSync(failure!.replace(/^.*; see /, ''), 'utf8');
    expect(log).toContain(`SF_CLIENT_SECRET_FILE=${missing}: cannot read the file (ENOENT)`);
    expect(log).toContain(
      `HUB_DATABASE_URL (from HUB_DATABASE_URL_FILE=${malformed})=<redacted>: expected a postgres:// connection string`,
    );
    expect(log).not.toContain(password);
  });

  it('logged none of the secrets nor the personal fields, in any app', async () => {
    // SIGTERM: each app flushes its log before it exits.
    for (const app of apps) expect(await app.stop()).toBe(0);
    const secrets = [...clientSecrets, ...issuedTokens, dbPassword, AUDIT_TEST_HASH_KEY, AUDIT_TEST_TOKEN];
    expect(issuedTokens.length).toBeGreaterThanOrEqual(3);
    const found: string[] = [];
    for (const app of apps) {
      const log = readFileSync(app.logFile, 'utf8');
      // The scan reads the real logs: each app logged its start, and projector-salesforce the refusal and rotation.
      expect(log).toContain(`${app.name} ready`);
      if (app === projector) {
        expect(log).toContain('check SF_CLIENT_SECRET');
        expect(log).toContain('SF_CLIENT_SECRET changed in its file');
      }
      for (const value of [...secrets, ...personal]) {
        if (log.includes(value)) found.push(`${app.name}: ${value}`);
      }
      // A phone number written another way (digits only) counts too.
      for (const phone of personal.filter((p) => p.startsWith('+'))) {
        if (log.includes(phone.replace(/\D/g, ''))) found.push(`${app.name}: ${phone} (digits)`);
      }
    }
    expect(found).toEqual([]);
  }, 60_000);
});
