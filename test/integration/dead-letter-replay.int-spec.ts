import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { ACCOUNT, CONTACT } from '../../sandboxes/salesforce/sobject.catalogue';
import { insertPartner, odooDb } from './support/odoo';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { findDeadLetter } from './support/dead-letters';
import { runCaughtUp } from './support/kafka';
import { odooCdcEnv, operatorAuth, projectorSalesforceEnv } from './support/app-env';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

/**
 * A record Salesforce refuses for a reason retrying cannot fix is parked in the dead-letter topic with Salesforce's
 * answer; once the cause is fixed (here: the org gets the custom fields the hub writes), replaying it lands it, and
 * replaying it again changes nothing more.
 */
describe('dead letters: list, fix, replay', () => {
  const run = runId('dlq');
  const prefix = `it-${run}.`;
  const deadLetters = `${prefix}dlq.projector-salesforce`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let apps: RunningApp[] = [];
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;

  beforeAll(async () => {
    // An org whose Account lacks the hub's flag fields: every Account upsert is refused with INVALID_FIELD.
    const unprepared = {
      ...ACCOUNT,
      fields: ACCOUNT.fields.filter((f) => !['Odoo_Active__c', 'Odoo_Deleted__c'].includes(f.name)),
    };
    sandbox = await startSalesforceSandbox({ port: 0, objects: [unprepared, CONTACT] });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
    ]);
    // This org refuses every Account, so the run's replay of the shared Odoo history is dead-lettered record by record
    // first: the waits below time this file's own record, after it.
    await runCaughtUp(prefix);
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('parks the refused record with Salesforce’s error, and lands it when replayed after the fix, once', async () => {
    const projector = apps[1];
    const company = await insertPartner(db, { name: `Refused ${run}`, is_company: true });
    const key = `odoo-partner-${company}`;
    const parked = await eventually(
      () => findDeadLetter(projector.url, 'REJECTED_BY_TARGET', (e) => e.key === key),
      30_000,
      'the refused record in the dead-letter topic',
    );
    expect(parked).toMatchObject({ reason: 'REJECTED_BY_TARGET', vendorCode: 'INVALID_FIELD' });
    // The org lacks both hub fields, and an unknown field fails the whole collection request: the message names the
    // first one in the request's first record, which is this company's upsert (Odoo_Active__c) or a deletion flag of
    // an earlier test's partner replayed with it (Odoo_Deleted__c only), depending on what the Odoo database holds.
    expect(parked.message).toMatch(/No such column 'Odoo_(Active|Deleted)__c' on sobject of type Account/);
    const accounts = () =>
      sf.query<{ Id: string; Name: string }>(`SELECT Id, Name FROM Account WHERE Odoo_Id__c = '${key}'`);
    expect(await accounts()).toEqual([]);

    // The fix: the org admin adds the custom fields. Then replay with the CLI, by offset.
    sandbox.state.catalogue.add(ACCOUNT);
    const cli = spawnSync(
      join(ROOT, 'scripts/dlq'),
      [
        'replay',
        '--topic',
        deadLetters,
        '--offset',
        `${parked.partition}:${parked.offset}`,
        '--brokers',
        stack().kafka.brokers,
      ],
      {
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`replayed 1 record(s) of ${deadLetters}`);
    const landed = await eventually(
      async () => ((await accounts()).length ? await accounts() : undefined),
      30_000,
      'the replayed account',
    );
    expect(landed).toEqual([expect.objectContaining({ Name: `Refused ${run}` })]);

    // Replaying again, through the HTTP endpoint, is harmless: still one Account.
    const again = await fetch(`${projector.url}/dead-letters/replay`, {
      method: 'POST',
      headers: { ...operatorAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ offsets: [`${parked.partition}:${parked.offset}`] }),
    });
    expect(((await again.json()) as { replayed: number }).replayed).toBe(1);
    const metric = async () =>
      Number(
        /^hub_projection_records\{[^}]*outcome="applied"[^}]*\} (\S+)$/m.exec(
          await (await fetch(`${projector.url}/metrics`)).text(),
        )?.[1],
      );
    const appliedBefore = await metric();
    await eventually(
      async () => ((await metric()) > appliedBefore ? true : undefined),
      30_000,
      'the second replay to be applied',
    );
    expect(await accounts()).toHaveLength(1);
  });

  it('refuses a replay that names nothing', async () => {
    const res = await fetch(`${apps[1].url}/dead-letters/replay`, {
      method: 'POST',
      headers: { ...operatorAuth(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(
      'say what to replay with exactly one of offsets, reason or all',
    );
  });
});
