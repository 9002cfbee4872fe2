/**
 * Odoo's customers and contacts onto the support desk, on the real stack: Odoo rows (PostgreSQL) → Debezium → odoo-cdc
 * → canonical topics → projector-support → the Zendesk and the Freshdesk sandbox (one projector per platform, as two
 * installations would run it), read back through each vendor's own read API. Nothing but the allow-listed fields
 * arrives, and a projector killed with SIGKILL and restarted duplicates nothing.
 */
import type { Client } from 'pg';
import { eventually, RunningApp, startApp, startApps } from '../../scripts/lib/app-process';
import { startFreshdeskSandbox } from '../../sandboxes/freshdesk/freshdesk-sandbox';
import { startZendeskSandbox } from '../../sandboxes/zendesk/zendesk-sandbox';
import { hubEnv, odooCdcEnv } from './support/app-env';
import { insertCompanies } from '../../scripts/lib/isolated-odoo';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

describe('projector-support: Odoo customers and contacts onto Zendesk and Freshdesk', () => {
  const run = runId('support');
  const prefix = `it-${run}.`;
  let zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  let freshdesk: Awaited<ReturnType<typeof startFreshdeskSandbox>>;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];

  const ZD_AUTH = `Basic ${Buffer.from('integration@hub.example/token:hub-zendesk-token').toString('base64')}`;
  const FD_AUTH = `Basic ${Buffer.from('sandbox-freshdesk-api-key:X').toString('base64')}`;
  const read = async (url: string, authorization: string) => {
    const response = await fetch(url, { headers: { authorization } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Row;
  };
  const zdOrganization = async (externalId: string) =>
    (await read(`${zendesk.url}/api/v2/organizations/search.json?external_id=${externalId}`, ZD_AUTH))
      .organizations as Row[];
  const zdUser = async (externalId: string) =>
    (await read(`${zendesk.url}/api/v2/users/search.json?external_id=${externalId}`, ZD_AUTH)).users as Row[];
  const fdCompany = async (externalId: string) =>
    (
      await read(
        `${freshdesk.url}/api/v2/search/companies?query=${encodeURIComponent(`"hub_external_id:'${externalId}'"`)}`,
        FD_AUTH,
      )
    ).results as Row[];
  const fdContact = async (externalId: string) =>
    (await read(`${freshdesk.url}/api/v2/contacts?unique_external_id=${externalId}`, FD_AUTH)) as unknown as Row[];

  const projectorEnv = (platform: 'zendesk' | 'freshdesk') =>
    hubEnv(prefix, hubDb.url, {
      CONSUMER_GROUP: `${prefix}projector-support-${platform}`,
      DEAD_LETTER_TOPIC: `${prefix}dlq.projector-support-${platform}`,
      SUPPORT_PLATFORM: platform,
      ...(platform === 'zendesk'
        ? { ZENDESK_URL: zendesk.url, ZENDESK_EMAIL: 'integration@hub.example', ZENDESK_API_TOKEN: 'hub-zendesk-token' }
        : { FRESHDESK_URL: freshdesk.url, FRESHDESK_API_KEY: 'sandbox-freshdesk-api-key' }),
      SUPPORT_BATCH_LINGER_MS: '300',
    });

  beforeAll(async () => {
    // The desks' rate limits are raised: odoo-cdc replays every partner of the shared Odoo database onto them.
    zendesk = await startZendeskSandbox({ rateLimitPerMinute: 100_000, jobPollsToComplete: 1 });
    freshdesk = await startFreshdeskSandbox({ rateLimitPerMinute: 100_000 });
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-support', env: projectorEnv('zendesk') },
      { name: 'projector-support', env: projectorEnv('freshdesk') },
    ]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hubDb?.drop();
    await zendesk?.close();
    await freshdesk?.close();
  });

  it('makes an Odoo company and its contact one organization and one user on Zendesk, one company and one contact on Freshdesk, with only the allowed fields', async () => {
    const company = await insertPartner(db, {
      name: `Brasserie ${run}`,
      is_company: true,
      email: `orders@brasserie-${run}.example`,
      phone: '+32 9 555 01 01',
      city: 'Gent',
    });
    await db.query(`UPDATE res_partner SET vat = 'BE0477472701', website = $2 WHERE id = $1`, [
      company,
      `https://www.brasserie-${run}.example`,
    ]);
    const person = await insertPartner(db, {
      name: `Buyer ${run}`,
      is_company: false,
      parent_id: company,
      email: `buyer@brasserie-${run}.example`,
      phone: '+32 470 00 00 01',
      function: 'Buyer',
    });
    const companyKey = `odoo-partner-${company}`;
    const personKey = `odoo-partner-${person}`;

    const [org] = await eventually(
      async () => {
        const found = await zdOrganization(companyKey);
        return found[0]?.domain_names && (found[0].domain_names as string[]).length ? found : undefined;
      },
      90_000,
      'the Zendesk organization',
    );
    expect(org).toMatchObject({ external_id: companyKey, name: `Brasserie ${run}` });
    expect(org.domain_names).toEqual([`brasserie-${run}.example`]);
    const [user] = await eventually(
      async () => ((await zdUser(personKey)).length ? zdUser(personKey) : undefined),
      90_000,
      'the Zendesk user',
    );
    expect(user).toMatchObject({
      external_id: personKey,
      name: `Buyer ${run}`,
      email: `buyer@brasserie-${run}.example`,
      organization_id: org.id,
    });

    const [fdCo] = await eventually(
      async () => ((await fdCompany(companyKey)).length ? fdCompany(companyKey) : undefined),
      90_000,
      'the Freshdesk company',
    );
    expect(fdCo).toMatchObject({ name: `Brasserie ${run}` });
    const [fdPerson] = await eventually(
      async () => ((await fdContact(personKey)).length ? fdContact(personKey) : undefined),
      90_000,
      'the Freshdesk contact',
    );
    expect(fdPerson).toMatchObject({
      name: `Buyer ${run}`,
      email: `buyer@brasserie-${run}.example`,
      company_id: fdCo.id,
    });

    // Neither desk holds the VAT number, the address or the reference: they are not on the allow-list.
    const everything = JSON.stringify([org, user, fdCo, fdPerson]);
    expect(everything).not.toContain('BE0477472701');
    expect(everything).not.toContain('Gent');
  });

  it('duplicates nothing when a projector is killed with SIGKILL mid-load and restarted', async () => {
    const index = 1; // the Zendesk projector (startApps keeps the order it is given)
    const COUNT = 300;
    const ids = await insertCompanies(db, `Kill Co ${run}`, COUNT);
    const rows = ids.map((id) => ({ id }));
    // Killed once the first organizations of the load are in, restarted on the same group.
    await eventually(
      async () => ((await zdOrganization(`odoo-partner-${rows[0].id}`)).length ? true : undefined),
      90_000,
      'the first organization of the load',
    );
    await apps[index].kill();
    apps[index] = await startApp('projector-support', projectorEnv('zendesk'));
    await eventually(
      async () => {
        const last = await zdOrganization(`odoo-partner-${rows[rows.length - 1].id}`);
        return last.length ? true : undefined;
      },
      120_000,
      'the last organization of the load',
    );
    const loaded = [...zendesk.store.organizations.values()].filter((o) =>
      String(o.name).startsWith(`Kill Co ${run} `),
    );
    expect(loaded).toHaveLength(COUNT);
    expect(new Set(loaded.map((o) => o.external_id)).size).toBe(COUNT);
  });
});
