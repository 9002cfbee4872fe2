/**
 * A sandbox with a data directory keeps its org across a restart: records written through the REST and Bulk APIs are
 * read back by SOQL with the same Ids, new Ids do not collide with old ones, the API usage goes on from where it was.
 * The kill -9 case (the process gone without closing) is in main.spec.ts.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'jsforce';

import { JOURNAL_FILE } from './record.journal';
import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import { admin, connect, dump } from './sandbox.test-client';

interface AccountRow {
  Id: string;
  Name: string;
  Odoo_Id__c: string | null;
  BillingCity: string | null;
}

const SOQL = 'SELECT Id, Name, Odoo_Id__c, BillingCity FROM Account ORDER BY Odoo_Id__c';

describe('Salesforce sandbox with a data directory', () => {
  jest.setTimeout(60_000);
  const started: SalesforceSandbox[] = [];
  const start = async (dataDir: string | undefined, options: { dataCompactAfterBytes?: number } = {}) => {
    const sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null, dataDir, ...options });
    started.push(sandbox);
    return sandbox;
  };
  const stop = async (sandbox: SalesforceSandbox) => {
    started.splice(started.indexOf(sandbox), 1);
    await sandbox.close();
  };

  afterEach(async () => {
    for (const sandbox of started.splice(0)) await sandbox.close();
  });

  const accounts = async (conn: Connection) => (await conn.query<AccountRow>(SOQL)).records;

  it('keeps records, Ids, deletes and the API usage across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-persist-'));
    const first = await start(dataDir);
    const conn = await connect(first);
    const acme = await conn.sobject('Account').create({ Name: 'Acme', Odoo_Id__c: 'cust-1', BillingCity: 'Lyon' });
    await conn.sobject('Account').upsert({ Odoo_Id__c: 'cust-2', Name: 'Globex' }, 'Odoo_Id__c');
    await conn.sobject('Account').update({ Id: acme.id as string, BillingCity: 'Paris' });
    const doomed = await conn.sobject('Account').create({ Name: 'Doomed', Odoo_Id__c: 'cust-3' });
    const contact = await conn.sobject('Contact').create({ LastName: 'Smith', AccountId: acme.id });
    await conn.sobject('Account').destroy(doomed.id as string);
    const before = await accounts(conn);
    const usageBefore = conn.limitInfo.apiUsage?.used as number;
    const priceBooks = (await conn.query('SELECT Id FROM Pricebook2')).records;
    await stop(first);

    const second = await start(dataDir);
    const again = await connect(second);
    expect(await accounts(again)).toEqual(before);
    expect(before.map((a) => a.Odoo_Id__c)).toEqual(['cust-1', 'cust-2']);
    expect(before[0]).toMatchObject({ Id: acme.id, BillingCity: 'Paris' });
    // The delete is kept too: the row is in the Recycle Bin, not back among live rows.
    expect(await dump(second, 'Account')).toContainEqual(expect.objectContaining({ Id: doomed.id, IsDeleted: true }));
    const smith = await again.sobject('Contact').retrieve(contact.id as string);
    expect(smith).toMatchObject({ LastName: 'Smith', AccountId: acme.id });
    // The seed rows are not written a second time.
    expect((await again.query('SELECT Id FROM Pricebook2')).records).toEqual(priceBooks);
    // The usage counter went on (the restart's own calls on top of the tally before it).
    expect(again.limitInfo.apiUsage?.used).toBeGreaterThan(usageBefore);

    // Ids handed out after the restart continue the sequence: no new record takes an old record's Id.
    const later = await again.sobject('Account').create({ Name: 'Initech', Odoo_Id__c: 'cust-4' });
    const ids = [acme.id, doomed.id, ...before.map((a) => a.Id)];
    expect(ids).not.toContain(later.id);
    expect((later.id as string).slice(0, 5)).toBe((acme.id as string).slice(0, 5));
  });

  it('keeps the rows a Bulk API 2.0 job wrote', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-persist-'));
    const first = await start(dataDir);
    const conn = await connect(first);
    const rows = ['Name,Odoo_Id__c,BillingCity'];
    for (let i = 0; i < 500; i++) rows.push(`Bulk ${i},bulk-${String(i).padStart(3, '0')},City ${i % 5}`);
    const results = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Odoo_Id__c',
      input: `${rows.join('\n')}\n`,
      pollInterval: 50,
      pollTimeout: 30_000,
    });
    expect(results.successfulResults).toHaveLength(500);
    const before = await accounts(conn);
    expect(before).toHaveLength(500);
    await stop(first);

    const second = await start(dataDir);
    expect(await accounts(await connect(second))).toEqual(before);
  });

  it('compacts its journal while running, between requests, and restarts from the compacted file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-persist-'));
    const journalFile = join(dataDir, JOURNAL_FILE);
    const first = await start(dataDir, { dataCompactAfterBytes: 20_000 });
    const conn = await connect(first);
    const { id } = await conn.sobject('Account').create({ Name: 'Version 0', Odoo_Id__c: 'compact-1' });
    let largest = 0;
    for (let i = 1; i <= 200; i++) {
      await conn.sobject('Account').update({ Id: id as string, Name: `Version ${i}` });
      largest = Math.max(largest, statSync(journalFile).size);
    }
    await new Promise((resolve) => setImmediate(resolve));
    // 200 versions of the row were appended (about 128 KB); compaction kept the file near its 20 KB threshold.
    expect(largest).toBeLessThan(60_000);
    await stop(first);

    const second = await start(dataDir);
    expect(await accounts(await connect(second))).toEqual([
      { attributes: expect.any(Object), Id: id, Name: 'Version 200', Odoo_Id__c: 'compact-1', BillingCity: null },
    ]);
  });

  it('keeps an admin reset: the org starts again empty but for its seed rows', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-persist-'));
    const first = await start(dataDir);
    const conn = await connect(first);
    await conn.sobject('Account').create({ Name: 'Before the reset' });
    expect((await admin(first, 'POST', '/reset')).status).toBe(204);
    await stop(first);

    const second = await start(dataDir);
    const again = await connect(second);
    expect(await accounts(again)).toEqual([]);
    expect((await again.query('SELECT Id FROM Pricebook2')).records).toHaveLength(1);
  });

  it('refuses a second sandbox on a data directory in use', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-persist-'));
    await start(dataDir);
    await expect(start(dataDir)).rejects.toThrow(/in use by process/);
  });

  it('without a data directory, starts a new, empty org every time', async () => {
    const first = await start(undefined);
    await (await connect(first)).sobject('Account').create({ Name: 'Ephemeral' });
    await stop(first);
    const second = await start(undefined);
    expect(await accounts(await connect(second))).toEqual([]);
  });
});
