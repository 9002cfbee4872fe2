/**
 * The hub's main job, end to end on this machine: the local stack, every service, and Odoo partners inserted by SQL
 * arriving in the Salesforce sandbox, with progress a person can follow. Run through `scripts/demo`.
 *   scripts/demo          run the scripted demo, then keep watching until Ctrl-C
 *   scripts/demo --once   run the scripted demo and stop the services
 * Whichever way it ends (the end of `--once`, an error, SIGINT, SIGTERM, SIGHUP), it stops the services it started
 * and waits for them; the stack keeps running (`scripts/stack down` stops it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { OdooSandboxClient } from '../sandboxes/odoo/odoo-sandbox.client';
import { SandboxClient, SandboxRequestError } from '../sandboxes/salesforce/sandbox.client';
import { startZendeskSandbox } from '../sandboxes/zendesk/zendesk-sandbox';
import { killStartedAppsNow, startApp, startApps, stopStartedApps } from './lib/app-process';
import { repSession } from './lib/salesforce-rep';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  insertStock,
  payInvoice,
  validateDelivery,
} from './lib/odoo-commerce';

const ROOT = join(__dirname, '..');
const once = process.argv.includes('--once');
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const say = (msg: string) => console.log(`${elapsed()}  ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Salesforce requests that get no answer are retried after these delays (ms), the last one repeating. */
const RETRY_DELAYS_MS = [2_000, 4_000, 8_000, 10_000];
/** Up to this many changes of one object in one poll are printed one by one; more are summarised in one line. */
const INDIVIDUAL_LINES = 5;
const WATCHED_OBJECTS = ['Account', 'Contact'] as const;
/** How long a service has to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

interface Status {
  postgres: { odoo: string; hub: string };
  kafka: { brokers: string };
  registry: { url: string };
  connect: { url: string };
  salesforceSandbox: { url: string; pubSubEndpoint: string };
  odooSandbox: { url: string };
  jaeger?: { up: boolean; url: string; otlpHttp: string };
}

// ---- ending: whatever the cause, the services this run started are stopped and waited for --------------------------

/** Commands running now (stack up, migrations, build), each the leader of its own process group. */
const commands = new Set<ChildProcess>();
let ending: Promise<never> | undefined;
let watching = false;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Stops the commands and services this run started, waits for them, then exits with `code`. Runs once. */
function end(code: number, closing?: string): Promise<never> {
  ending ??= (async () => {
    for (const c of commands) signalGroup(c, 'SIGTERM');
    const stopped = await stopStartedApps(STOP_GRACE_MS);
    if (stopped.length > 0) say(`stopped ${stopped.map((s) => s.name).join(', ')}`);
    for (const { name } of stopped.filter((s) => s.killed))
      say(`  ${name} had not exited ${STOP_GRACE_MS / 1000} s after SIGTERM: killed (SIGKILL)`);
    if (closing) say(closing);
    process.exit(code);
  })();
  return ending;
}

for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
] as const) {
  process.on(signal, () => {
    if (ending) {
      // A second signal while stopping: no more waiting.
      killStartedAppsNow();
      for (const c of commands) signalGroup(c, 'SIGKILL');
      process.exit(128 + number);
    }
    console.log('');
    say(`${signal}: stopping the services (the stack keeps running: scripts/stack down stops it)`);
    // Ctrl-C is how a watching demo is meant to end.
    void end(signal === 'SIGINT' && watching ? 0 : 128 + number);
  });
}
process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (error) => fail(error));
// After a hang-up the terminal is gone: a failed write must not end the process before its services are stopped.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// Last resort if the process exits any other way: nothing it started outlives it.
process.on('exit', () => {
  killStartedAppsNow();
  for (const c of commands) signalGroup(c, 'SIGKILL');
});

function fail(error: unknown): void {
  // While stopping, a service start cut short is expected, not a failure.
  if (ending) return;
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  void end(1);
}

/** Runs a command in its own process group (so stopping it stops what it started); resolves with its stdout if captured. */
function run(command: string, args: string[], options: { capture?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
      detached: true,
    });
    commands.add(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', (e) => {
      commands.delete(child);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      commands.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

// ---- asking Salesforce: a request that gets no answer is retried, not fatal ---------------------------------------

/** Why a request got no usable answer and is worth retrying, or undefined for an answer that retrying cannot change. */
function unanswered(error: unknown): string | undefined {
  if (error instanceof SandboxRequestError) {
    return error.status >= 500 || error.status === 429 ? `HTTP ${error.status}` : undefined;
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return code ? `fetch failed: ${code}` : 'fetch failed';
  }
  return undefined;
}

/** `ask`, retried with a short backoff while Salesforce does not answer, until `deadline` (epoch ms) if one is given. */
async function fromSalesforce<T>(ask: () => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await ask();
      if (attempt > 0) say('Salesforce sandbox answers again');
      return answer;
    } catch (error) {
      const reason = unanswered(error);
      if (reason === undefined) throw error;
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]!;
      if (Date.now() + delay > deadline) throw new Error(`the Salesforce sandbox did not answer (${reason})`);
      say(`Salesforce sandbox did not answer (${reason}); retrying in ${delay / 1000} s`);
      await sleep(delay);
    }
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fromSalesforce(probe, deadline);
    if (v !== undefined) return v;
    await sleep(300);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s: see the logs in .stack/logs/demo/`);
}

/** ingress's counters of Salesforce changes, by outcome (published, notOwned…) and of echoes dropped. */
async function ingressCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^hub_ingress_(salesforce_changes|echo_dropped)\{[^}]*(?:outcome|rule)="(\w+)"[^}]*\} (\S+)$/gm,
  )) {
    out[`${m[1]}.${m[2]}`] = Number(m[3]);
  }
  return out;
}

/** The other direction: a rep's edit in Salesforce reaches the hub; the hub's own writes do not come back. */
async function fromTheCrm(sf: SandboxClient, ingressUrl: string, partnerId: number) {
  const before = await ingressCounters(ingressUrl);
  say(
    `Salesforce → hub: ingress dropped ${before['echo_dropped.client'] ?? 0} changes the hub itself wrote into ` +
      'Salesforce (Sforce-Call-Options client=odoo-hub)',
  );
  const [account] = await sf.query<{ Id: string }>(
    `SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${partnerId}'`,
  );
  say(`a sales rep sets the Industry of Account ${account.Id} in Salesforce`);
  await sf.editAsPerson('Account', account.Id, { Industry: 'Technology' });
  await waitFor("the rep's change on the hub's customer topic", async () => {
    const now = await ingressCounters(ingressUrl);
    return (now['salesforce_changes.published'] ?? 0) > (before['salesforce_changes.published'] ?? 0) ? now : undefined;
  });
  say(
    `  ✔ published on hub.customer.v1 as odoo-partner-${partnerId} from SALESFORCE, with only the fields Salesforce owns`,
  );
}

// ---- the demo ----------------------------------------------------------------------------------------------------

async function main() {
  console.log('Odoo ⇄ Salesforce integration hub: demo\n');
  say(
    'starting the local stack (PostgreSQL, Kafka, Apicurio Registry, Kafka Connect + Debezium, Salesforce and Odoo ' +
      'sandboxes)',
  );
  await run(join(ROOT, 'scripts/stack'), ['up']);
  const status = JSON.parse(await run(join(ROOT, 'scripts/stack'), ['status', '--json'], { capture: true })) as Status;
  await run('node', [join(ROOT, 'scripts/migrate-hub.mjs')]);
  say('building the five services and the console');
  await run('npm', ['run', '--silent', 'build']);

  // Every service exports its spans to the stack's Jaeger, where one record's trace is opened by its canonical id.
  const tracing: Record<string, string> = status.jaeger?.up
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: status.jaeger.otlpHttp }
    : {};
  const common = { KAFKA_BROKERS: status.kafka.brokers, SCHEMA_REGISTRY_URL: status.registry.url, ...tracing };
  const logDir = join(ROOT, '.stack/logs/demo');
  const sf0 = {
    SF_LOGIN_URL: status.salesforceSandbox.url,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
  };
  // The hub's Odoo user logs in by API key, as an Odoo admin would issue one in the user's preferences.
  const odooKey = await new OdooSandboxClient(status.odooSandbox.url).createApiKey({ name: `demo ${Date.now()}` });
  // The support desk: a Zendesk sandbox in this process (its state lives as long as the demo), fed by projector-support.
  const zendesk = await startZendeskSandbox({ port: Number(process.env.HUB_ZENDESK_SANDBOX_PORT ?? 4520) });
  say(`Zendesk sandbox on ${zendesk.url} (organizations and users from Odoo's customers and contacts)`);
  // The order desk's token for the work queue of projector-odoo: new for each demo, printed below.
  const deskToken = demoSecret('desk-token', 24);
  // The operations console's token (it names its signed-in user) and its demo operator's password, printed below.
  const consoleToken = randomBytes(18).toString('base64url');
  const consolePassword = randomBytes(12).toString('base64url');
  // Reconciliation: projector-salesforce reads odoo-cdc's repair API with the first token; an operator runs passes
  // with the second (npm run reconcile, docs/runbook.md).
  const repairToken = randomBytes(18).toString('base64url');
  // Kept in .stack/demo like the audit token below, so docs/runbook.md's commands read it as written.
  const reconcileToken = demoSecret('reconcile-token', 24);
  // The audit trail's hash key (kept across demos, so one value hashes alike in every run) and its reader token, both
  // in .stack/demo (git-ignored) so docs/runbook.md's curl reads the token from there as written.
  const auditHashKey = demoSecret('audit-hash-key', 32);
  const auditToken = demoSecret('audit-token', 24);
  const audit = { AUDIT_HASH_KEY: auditHashKey };
  // Every app's operator API reads its callers from one secret file, as a mounted Kubernetes secret would hold them:
  // the desk and the reconcile operator act, the auditor reads, projector-salesforce repairs through odoo-cdc, and the
  // console acts for its signed-in users.
  const operatorTokensFile = demoFile(
    'operator-tokens',
    [
      `order-desk:operator=${deskToken}`,
      `operator:operator=${reconcileToken}`,
      `auditor:viewer=${auditToken}`,
      `projector-salesforce:operator=${repairToken}`,
      `console:console=${consoleToken}`,
    ].join('\n'),
  );
  const operators = { HUB_OPERATOR_TOKENS_FILE: operatorTokensFile };
  // Each service in its own process group: a Ctrl-C or hang-up reaches the demo alone, which stops them in order.
  const own = { logDir, processGroup: true };
  const apps = await startApps([
    {
      name: 'odoo-cdc',
      env: {
        ...common,
        HUB_DATABASE_URL: status.postgres.hub,
        // The capture watch: Debezium's connector through Kafka Connect's REST API, and its slot in Odoo's database.
        ODOO_CDC_CONNECT_URL: status.connect.url,
        ODOO_MONITOR_DATABASE_URL: status.postgres.odoo,
        ...operators,
      },
      port: 3101,
      ...own,
    },
    {
      name: 'projector-salesforce',
      env: {
        ...common,
        ...sf0,
        ...audit,
        HUB_DATABASE_URL: status.postgres.hub,
        ODOO_CDC_URL: 'http://127.0.0.1:3101',
        ODOO_CDC_TOKEN: repairToken,
        ...operators,
      },
      port: 3102,
      ...own,
    },
    {
      name: 'ingress',
      env: {
        ...common,
        ...sf0,
        HUB_DATABASE_URL: status.postgres.hub,
        // The sandbox's Pub/Sub API, with its self-signed certificate.
        SF_PUBSUB_ENDPOINT: status.salesforceSandbox.pubSubEndpoint,
        SF_PUBSUB_VERIFY_TLS: 'false',
      },
      port: 3100,
      ...own,
    },
    {
      name: 'projector-support',
      env: {
        ...common,
        ...audit,
        HUB_DATABASE_URL: status.postgres.hub,
        SUPPORT_PLATFORM: 'zendesk',
        ZENDESK_URL: zendesk.url,
        ZENDESK_EMAIL: 'integration@hub.example',
        ZENDESK_API_TOKEN: 'hub-zendesk-token',
        ...operators,
        // Return requests from tickets become Odoo returns.
        ODOO_URL: status.odooSandbox.url,
        ODOO_DATABASE: 'odoo',
        ODOO_LOGIN: odooKey.login,
        ODOO_API_KEY: odooKey.key,
      },
      port: 3103,
      ...own,
    },
    {
      name: 'projector-odoo',
      env: {
        ...common,
        HUB_DATABASE_URL: status.postgres.hub,
        ODOO_URL: status.odooSandbox.url,
        ODOO_DATABASE: 'odoo',
        ODOO_LOGIN: odooKey.login,
        ODOO_API_KEY: odooKey.key,
        ...audit,
        ...operators,
      },
      port: 3104,
      ...own,
    },
  ]);
  // The operations console, over the apps' APIs: its demo operator's hash made by its own CLI, as an installation would.
  const consoleHash = execFileSync('node', [join(ROOT, 'dist/apps/console/apps/console/src/cli/hash-password.js')], {
    input: consolePassword,
    encoding: 'utf8',
  }).trim();
  apps.push(
    await startApp(
      'console',
      {
        PROJECTOR_ODOO_URL: 'http://127.0.0.1:3104',
        CONSOLE_OPERATOR_TOKEN: consoleToken,
        JAEGER_UI_URL: status.jaeger?.url ?? 'http://127.0.0.1:16686',
        HUB_SERVICES: apps.map((a) => `${a.name}=${a.url}`).join(','),
        CONSOLE_USERS: `demo:operator:${consoleHash}`,
        CONSOLE_SESSION_SECRET: randomBytes(32).toString('base64url'),
        CONSOLE_COOKIE_SECURE: 'false',
      },
      { port: 3105, ...own },
    ),
  );
  for (const a of apps)
    say(`${a.name.padEnd(21)} ready on ${a.url}/health/ready  (log: ${a.logFile.replace(`${ROOT}/`, '')})`);
  say(
    'docs/runbook.md reads the tokens of its commands from .stack/demo (desk-token, reconcile-token, audit-token); every app reads its callers from .stack/demo/operator-tokens',
  );

  const sf = new SandboxClient(status.salesforceSandbox.url, { timeoutMs: 10_000 });
  const db = new Client({ connectionString: status.postgres.odoo });
  await db.connect();
  const tag = new Date().toISOString().slice(11, 19);
  const companies = [
    { name: `Azure Interior (demo ${tag})`, city: 'Fremont', country: 233, people: ['Brandon Freeman', 'Nicole Ford'] },
    { name: `Deco Addict (demo ${tag})`, city: 'Brussels', country: 20, people: ['Douglas Fletcher'] },
    { name: `Gemini Furniture (demo ${tag})`, city: 'Paris', country: 75, people: ['Edwin Hansen', 'Jesse Brown'] },
  ];
  console.log('');
  say('inserting partners into Odoo (res_partner) by SQL, as Odoo would');
  const inserted: { id: number; name: string; company?: string; at: number }[] = [];
  for (const c of companies) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO res_partner (name, complete_name, is_company, type, city, country_id, active, customer_rank, create_date, write_date)
       VALUES ($1, $1, true, 'contact', $2, $3, true, 1, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
      [c.name, c.city, c.country],
    );
    inserted.push({ id: rows[0].id, name: c.name, at: Date.now() });
    say(`  res_partner ${rows[0].id}: company ${c.name}`);
    for (const person of c.people) {
      const p = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, parent_id, type, active, create_date, write_date)
         VALUES ($1, $2, false, $3, 'contact', true, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
        [person, `${c.name}, ${person}`, rows[0].id],
      );
      inserted.push({ id: p.rows[0].id, name: person, company: c.name, at: Date.now() });
      say(`  res_partner ${p.rows[0].id}:   contact ${person}`);
    }
  }
  console.log('');
  say('waiting for them in Salesforce (Debezium → Kafka → odoo-cdc → canonical Avro → projector → Salesforce API)');
  for (const p of inserted) {
    const object = p.company ? 'Contact' : 'Account';
    const row = await waitFor(
      `${object} for res_partner ${p.id}`,
      async () =>
        (
          await sf.query<{ Id: string; Name: string; Account?: { Name: string } }>(
            `SELECT Id, Name${p.company ? ', Account.Name' : ''} FROM ${object} WHERE Odoo_Id__c = 'odoo-partner-${p.id}'`,
          )
        )[0],
    );
    const link = row.Account ? `  → Account "${row.Account.Name}"` : '';
    say(
      `  ✔ ${object.padEnd(7)} ${row.Id}  "${row.Name}"${link}  (${((Date.now() - p.at) / 1000).toFixed(1)} s after the insert)`,
    );
  }

  console.log('');
  say('and on the support desk (projector-support → the Zendesk sandbox: organizations and users by external id)');
  for (const p of inserted) {
    const org = await waitFor(`Zendesk record for res_partner ${p.id}`, async () => {
      const kind = p.company ? 'users' : 'organizations';
      const response = await fetch(`${zendesk.url}/api/v2/${kind}/search.json?external_id=odoo-partner-${p.id}`, {
        headers: {
          authorization: `Basic ${Buffer.from('integration@hub.example/token:hub-zendesk-token').toString('base64')}`,
        },
      });
      const body = (await response.json()) as Record<string, Array<{ id: number; name: string }>>;
      return body[kind]?.[0];
    });
    say(`  ✔ Zendesk ${p.company ? 'user        ' : 'organization'} ${org.id}  "${org.name}"`);
  }

  console.log('');
  const first = inserted[0];
  say(`renaming res_partner ${first.id} in Odoo`);
  await db.query(
    `UPDATE res_partner SET name = name || ' Ltd', complete_name = complete_name || ' Ltd', write_date = now() at time zone 'utc' WHERE id = $1`,
    [first.id],
  );
  const renamed = await waitFor('the rename', async () => {
    const [a] = await sf.query<{ Name: string }>(
      `SELECT Name FROM Account WHERE Odoo_Id__c = 'odoo-partner-${first.id}'`,
    );
    return a?.Name.endsWith(' Ltd') ? a : undefined;
  });
  say(`  ✔ Account is now "${renamed.Name}"`);
  const last = inserted[inserted.length - 1];
  say(`deleting res_partner ${last.id} (${last.name}) in Odoo`);
  await db.query('DELETE FROM res_partner WHERE id = $1', [last.id]);
  await waitFor('the deletion flag', async () => {
    const [c] = await sf.query<{ Odoo_Deleted__c: boolean }>(
      `SELECT Odoo_Deleted__c FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${last.id}'`,
    );
    return c?.Odoo_Deleted__c ? c : undefined;
  });
  say('  ✔ the Salesforce Contact is kept and flagged Odoo_Deleted__c = true (the hub never deletes CRM records)');
  await orderToCash(db, sf, first.id);
  await fromTheCrm(sf, apps.find((a) => a.name === 'ingress')!.url, first.id);
  const desk = { url: apps.find((a) => a.name === 'projector-odoo')!.url, token: deskToken };
  await fromTheRep(status.salesforceSandbox.url, sf, db, desk);
  await signInToConsole(apps.find((a) => a.name === 'console')!.url, consolePassword);
  await db.end();

  if (once) {
    await end(0, 'demo done; services stopped. The stack is still up: scripts/stack down stops it.');
    return;
  }
  console.log('');
  say('the hub keeps running. Change Odoo yourself and watch, for example:');
  console.log(
    `         psql '${status.postgres.odoo}' -c "INSERT INTO res_partner (name, is_company, type) VALUES ('My Company', true, 'contact')"`,
  );
  say(`the order desk's work queue: curl -H 'Authorization: Bearer ${deskToken}' ${desk.url}/work-queue/exceptions`);
  say(
    `the operations console: ${apps.find((a) => a.name === 'console')!.url}  (user demo, password ${consolePassword})`,
  );
  say(
    `the audit trail (docs/runbook.md): curl -H "Authorization: Bearer $(cat .stack/demo/audit-token)" '${desk.url}/audit/entries?recordId=<id>'`,
  );
  say(`new and changed Salesforce ${WATCHED_OBJECTS.join('s and ')}s appear below. Ctrl-C stops the services.`);
  watching = true;
  await watch(sf);
}

main().then(
  () => end(0),
  (error: unknown) => fail(error),
);

/** The Odoo record the hub created for a Salesforce record: its external id hub.<name> (ir_model_data). */
async function odooRecordOf(db: Client, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ res_id: number }>(
    `SELECT res_id FROM ir_model_data WHERE module = 'hub' AND name = $1`,
    [name],
  );
  return rows[0]?.res_id;
}

/**
 * The reference workflow from the CRM (projector-odoo): a rep's Account and activated Order become Odoo's customer
 * and confirmed sale order with its delivery, and come back onto the rep's own records (odoo-cdc → projector-salesforce)
 * without a second Account or Order. Then a credit hold lands in the order desk's work queue, and is retried once
 * the limit is raised in Odoo.
 */
async function fromTheRep(
  sfUrl: string,
  sf: SandboxClient,
  db: Client,
  desk: { url: string; token: string },
): Promise<void> {
  console.log('');
  const rep = await repSession(sfUrl);
  const tag = Date.now().toString(36);
  const products: number[] = [];
  for (const [name, price] of [
    ['Oak Desk', '320'],
    ['Task Chair', '145'],
  ] as const) {
    const id = await insertProduct(db, `${name} ${tag}`, price, `DEMO-${name.replace(' ', '-').toUpperCase()}-${tag}`);
    await insertStock(db, id, '50');
    products.push(id);
  }
  say('inserted two products with stock in Odoo; they reach Salesforce as products in the standard price book');
  const entries = await waitFor('the price book entries', async () => {
    const ids = products.map((p) => `'odoo-product-${p}'`).join(', ');
    const rows = await sf.query<{ Id: string; UnitPrice: number }>(
      `SELECT Id, UnitPrice FROM PricebookEntry WHERE Odoo_Id__c IN (${ids})`,
    );
    return rows.length === products.length ? rows : undefined;
  });
  const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;

  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  say('a sales rep creates an Account in Salesforce (REST, as the Salesforce UI does)');
  const account = String(
    (
      await rep
        .sobject('Account')
        .create({ Name: `Northwind (demo ${tag})`, BillingCity: 'Antwerp', BillingCountry: 'BE' })
    ).id,
  );
  const partner = await waitFor('the Odoo customer', () => odooRecordOf(db, `salesforce_account_${account}`));
  say(`  ✔ res_partner ${partner} in Odoo, external id hub.salesforce_account_${account} (${since()})`);
  await waitFor('the Odoo id on the Account', async () => {
    const [a] = await sf.query<{ Odoo_Id__c: string | null }>(`SELECT Odoo_Id__c FROM Account WHERE Id = '${account}'`);
    return a?.Odoo_Id__c ? a : undefined;
  });
  say(
    `  ✔ the rep's Account ${account} now carries Odoo_Id__c odoo-partner-${partner} (${since()}); no second Account`,
  );

  const activate = async (name: string, quantity: number): Promise<string> => {
    const order = String(
      (
        await rep.sobject('Order').create({
          AccountId: account,
          Pricebook2Id: pricebook.Id,
          EffectiveDate: new Date().toISOString().slice(0, 10),
          Status: 'Draft',
          Name: name,
        })
      ).id,
    );
    await rep
      .sobject('OrderItem')
      .create(
        entries.map((e) => ({ OrderId: order, PricebookEntryId: e.Id, Quantity: quantity, UnitPrice: e.UnitPrice })),
      );
    await rep.sobject('Order').update({ Id: order, Status: 'Activated' });
    return order;
  };
  const confirmed = (order: string) =>
    waitFor('the confirmed sale order', async () => {
      const id = await odooRecordOf(db, `salesforce_order_${order}`);
      if (id === undefined) return undefined;
      const { rows } = await db.query<{ name: string; state: string; delivery: string | null }>(
        `SELECT so.name, so.state, (SELECT p.name FROM stock_picking p WHERE p.origin = so.name LIMIT 1) AS delivery
           FROM sale_order so WHERE so.id = $1`,
        [id],
      );
      return rows[0]?.state === 'sale' ? rows[0] : undefined;
    });

  const t1 = Date.now();
  const first = await activate(`Northwind first order ${tag}`, 3);
  say(`the rep activates Order ${first} (2 products, 3 each)`);
  const sale = await confirmed(first);
  say(
    `  ✔ sale_order ${sale.name} confirmed in Odoo with its delivery ${sale.delivery} ` +
      `(${((Date.now() - t1) / 1000).toFixed(1)} s after activation)`,
  );
  await waitFor('Odoo’s name and state on the Order', async () => {
    const [o] = await sf.query<{ Odoo_Name__c: string | null }>(
      `SELECT Odoo_Name__c FROM Order WHERE Id = '${first}' AND Odoo_State__c = 'sale'`,
    );
    return o?.Odoo_Name__c ? o : undefined;
  });
  say(`  ✔ the rep's Order ${first} shows Odoo_Name__c ${sale.name}, Odoo_State__c sale`);

  console.log('');
  say(`Odoo's accountant sets a credit limit of 2,000 on res_partner ${partner}; the rep activates a second order`);
  await db.query(
    `INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type)
     VALUES ('credit_limit', $1, 1, 0, 2000, 'float')`,
    [`res.partner,${partner}`],
  );
  const second = await activate(`Northwind second order ${tag}`, 2);
  const api = async (method: 'GET' | 'POST', path: string) => {
    const response = await fetch(`${desk.url}/work-queue/exceptions${path}`, {
      method,
      headers: { authorization: `Bearer ${desk.token}` },
    });
    return (await response.json()) as Record<string, unknown>;
  };
  type Exception = { id: string; salesforceOrderId: string; kind: string; reason: string };
  const held = await waitFor('the credit hold in the work queue', async () =>
    ((await api('GET', '?status=open')).exceptions as Exception[]).find((e) => e.salesforceOrderId === second),
  );
  say(`  ✔ work queue: ${held.kind}: ${held.reason}`);
  const onOrder = await waitFor('the exception on the rep’s Order', async () => {
    const [o] = await sf.query<{ Hub_Exception_Status__c: string | null; OwnerId: string }>(
      `SELECT Hub_Exception_Status__c, OwnerId FROM Order WHERE Id = '${second}'`,
    );
    const [task] = await sf.query<{ Subject: string; Status: string }>(
      `SELECT Subject, Status FROM Task WHERE WhatId = '${second}'`,
    );
    return o?.Hub_Exception_Status__c === 'open' && task ? { ...o, task } : undefined;
  });
  say(
    `  ✔ the rep's Order ${second} shows Hub_Exception_Status__c open with the reason, and its owner ` +
      `${onOrder.OwnerId} has a Task "${onOrder.task.Subject}" (${onOrder.task.Status})`,
  );
  say('the order desk asks Odoo to raise the limit to 10,000, then retries the order through the work queue');
  await db.query(`UPDATE ir_property SET value_float = 10000 WHERE name = 'credit_limit' AND res_id = $1`, [
    `res.partner,${partner}`,
  ]);
  const retried = (await api('POST', `/${held.id}/retry`)).outcome as { status: string } | undefined;
  const again = await confirmed(second);
  say(`  ✔ retry ${retried?.status ?? 'done'}: sale_order ${again.name} confirmed with its delivery ${again.delivery}`);
  await waitFor('the resolved exception on the rep’s Order', async () => {
    const [task] = await sf.query<{ Status: string }>(`SELECT Status FROM Task WHERE WhatId = '${second}'`);
    const [o] = await sf.query<{ Id: string }>(
      `SELECT Id FROM Order WHERE Id = '${second}' AND Hub_Exception_Status__c = 'resolved'`,
    );
    return o && task?.Status === 'Completed' ? o : undefined;
  });
  say(`  ✔ the rep's Order ${second} shows Hub_Exception_Status__c resolved; the Task is Completed`);
}

/** An order's life in Odoo (products, quotation, confirmation, delivery, invoice, payment), each step shown in Salesforce. */
async function orderToCash(db: Client, sf: SandboxClient, customer: number): Promise<void> {
  console.log('');
  const tag = Date.now().toString(36);
  const desk = await insertProduct(db, `Standing Desk ${tag}`, '499');
  const lamp = await insertProduct(db, `Desk Lamp ${tag}`, '39.9');
  say('inserted two products in Odoo (product_template + product_product)');
  const entry = await waitFor('the price book entries', async () => {
    const rows = await sf.query<{ UnitPrice: number; Product2: { Name: string } }>(
      `SELECT UnitPrice, Product2.Name FROM PricebookEntry WHERE Odoo_Id__c = 'odoo-product-${lamp}'`,
    );
    return rows[0];
  });
  say(`  ✔ Product2 "${entry.Product2.Name}" with its standard price ${entry.UnitPrice}`);
  const name = `S-DEMO-${tag}`;
  const order = await insertOrder(db, name, customer, [
    { product: desk, quantity: 2, price: '499' },
    { product: lamp, quantity: 2, price: '39.9' },
  ]);
  await confirmOrder(db, order);
  say(`created and confirmed sale_order ${name} in Odoo (2 lines)`);
  const sfOrder = await waitFor('the confirmed Order', async () => {
    const [o] = await sf.query<{ Id: string; Status: string; Odoo_Amount_Total__c: number }>(
      `SELECT Id, Status, Odoo_Amount_Total__c FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${order}' AND Status = 'Confirmed'`,
    );
    return o;
  });
  const items = await fromSalesforce(() => sf.query(`SELECT Id FROM OrderItem WHERE OrderId = '${sfOrder.Id}'`));
  say(`  ✔ Order ${sfOrder.Status}, total ${sfOrder.Odoo_Amount_Total__c}, ${items.length} OrderItems`);
  const picking = await insertDelivery(db, `WH/OUT/${tag}`, customer, { id: order, name }, [
    { product: desk, quantity: 2 },
    { product: lamp, quantity: 2 },
  ]);
  await validateDelivery(db, picking, `1Z${tag.toUpperCase()}`);
  say('delivered in Odoo with a carrier tracking reference');
  const shipment = await waitFor('the shipment', async () => {
    const [s] = await sf.query<{ Tracking_Reference__c: string | null; State__c: string }>(
      `SELECT Tracking_Reference__c, State__c FROM Odoo_Shipment__c WHERE Odoo_Id__c = 'odoo-shipment-${picking}' AND State__c = 'done'`,
    );
    return s;
  });
  say(`  ✔ Odoo_Shipment__c ${shipment.State__c}, tracking ${shipment.Tracking_Reference__c}`);
  const invoice = await insertPostedInvoice(db, customer, name, `INV/${tag}`);
  await payInvoice(db, customer, invoice, `BNK/${tag}`, '1077.80');
  say('invoiced and paid in Odoo');
  const paid = await waitFor('the paid invoice', async () => {
    const [i] = await sf.query<{ Name: string; Payment_State__c: string; Amount_Residual__c: number }>(
      `SELECT Name, Payment_State__c, Amount_Residual__c FROM Odoo_Invoice__c WHERE Odoo_Id__c = 'odoo-invoice-${invoice}' AND Payment_State__c = 'paid'`,
    );
    return i;
  });
  say(`  ✔ Odoo_Invoice__c ${paid.Name} ${paid.Payment_State__c}, residual ${paid.Amount_Residual__c}`);
}

interface Watched {
  Id: string;
  Odoo_Id__c: string | null;
  Name: string;
  CreatedDate: string;
  LastModifiedDate: string;
  Odoo_Deleted__c: boolean;
}

/**
 * Prints what changes in Salesforce, once a second, until the process ends: each record when a few change, one line
 * per object and kind when many do (an initial snapshot, a bulk import). Polls by LastModifiedDate, so each poll reads
 * only what changed since the last one.
 */
async function watch(sf: SandboxClient): Promise<never> {
  const states = new Map<string, { watermark?: string; atWatermark: Set<string>; since?: number }>();
  const reported = new Set<string>();
  for (const object of WATCHED_OBJECTS) {
    const [latest] = await fromSalesforce(() =>
      sf.query<{ LastModifiedDate: string }>(
        `SELECT LastModifiedDate FROM ${object} ORDER BY LastModifiedDate DESC LIMIT 1`,
      ),
    );
    const watermark = latest?.LastModifiedDate;
    // Records at the watermark are already there: only what changes after it is news.
    const atWatermark = new Set<string>();
    if (watermark) {
      for (const r of await fromSalesforce(() =>
        sf.query<{ Id: string }>(`SELECT Id FROM ${object} WHERE LastModifiedDate = ${watermark}`, { allPages: true }),
      ))
        atWatermark.add(r.Id);
    }
    states.set(object, { watermark, atWatermark, since: watermark ? Date.parse(watermark) : undefined });
  }
  let previousPoll = Date.now();
  for (;;) {
    await sleep(1_000);
    const window = Date.now() - previousPoll;
    previousPoll = Date.now();
    for (const object of WATCHED_OBJECTS) {
      const state = states.get(object)!;
      const rows = await fromSalesforce(() =>
        sf.query<Watched>(
          `SELECT Id, Odoo_Id__c, Name, CreatedDate, LastModifiedDate, Odoo_Deleted__c FROM ${object}` +
            `${state.watermark ? ` WHERE LastModifiedDate >= ${state.watermark}` : ''} ORDER BY LastModifiedDate`,
          { allPages: true },
        ),
      );
      const changes: { row: Watched; isNew: boolean }[] = [];
      for (const row of rows) {
        if (row.LastModifiedDate === state.watermark && state.atWatermark.has(row.Id)) continue;
        if (row.LastModifiedDate !== state.watermark) {
          state.watermark = row.LastModifiedDate;
          state.atWatermark = new Set();
        }
        state.atWatermark.add(row.Id);
        // New: created after the watch began and not shown before.
        const isNew = !reported.has(row.Id) && (state.since === undefined || Date.parse(row.CreatedDate) > state.since);
        reported.add(row.Id);
        changes.push({ row, isNew });
      }
      report(object, changes, window);
    }
  }
}

function report(object: string, changes: { row: Watched; isNew: boolean }[], windowMs: number): void {
  if (changes.length <= INDIVIDUAL_LINES) {
    for (const { row, isNew } of changes) {
      say(
        `  ${isNew ? 'new    ' : 'updated'} ${object} "${row.Name}" (${row.Odoo_Id__c ?? row.Id})${row.Odoo_Deleted__c ? ' [deleted in Odoo]' : ''}`,
      );
    }
    return;
  }
  const during = windowMs < 1_500 ? 'in the last second' : `in the last ${Math.round(windowMs / 1000)} s`;
  const created = changes.filter((c) => c.isNew).length;
  const updated = changes.length - created;
  const count = (n: number) => n.toLocaleString('en-US');
  if (created > 0) say(`  ${count(created)} new ${object}${created === 1 ? '' : 's'} ${during}`);
  if (updated > 0) say(`  ${count(updated)} updated ${object}${updated === 1 ? '' : 's'} ${during}`);
}

/**
 * The order desk signs in to the operations console as a person would (the sign-in form, its CSRF token, the session
 * cookie) and finds the credit hold it just resolved among the resolved exceptions.
 */
async function signInToConsole(url: string, password: string): Promise<void> {
  console.log('');
  say(`the order desk signs in to the operations console at ${url} (user demo, password ${password})`);
  const cookieOf = (response: Response) => /hub_console=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  const form = await fetch(`${url}/sign-in`);
  const formCookie = cookieOf(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!formCookie || !csrf) throw new Error('the console sign-in form has no session cookie or CSRF token');
  const signedIn = await fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie },
    body: new URLSearchParams({ name: 'demo', password, _csrf: csrf, next: '/exceptions?status=resolved' }).toString(),
  });
  const session = cookieOf(signedIn);
  if (signedIn.status !== 303 || !session) throw new Error(`console sign-in answered ${signedIn.status}`);
  const page = await fetch(`${url}/exceptions?status=resolved`, { headers: { cookie: session } });
  const text = await page.text();
  if (page.status !== 200 || !text.includes('credit-hold')) {
    throw new Error(`the console's resolved exceptions answered ${page.status} without the credit hold`);
  }
  say('  ✔ signed in as demo (operator); the resolved credit hold is listed on the exception queue');
}

/** A demo secret kept in .stack/demo/<name> (made once, readable by this user only), for the demo's documented commands. */
/** Writes a demo file of .stack/demo (git-ignored, owner-only) and answers its path. */
function demoFile(name: string, content: string): string {
  const dir = join(ROOT, '.stack/demo');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `${content}\n`, { mode: 0o600 });
  return file;
}

function demoSecret(name: string, bytes: number): string {
  const dir = join(ROOT, '.stack/demo');
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
