/** The create log behind `GET /__admin/creates`: what counts as a duplicate create, over the sandbox's own API. */
import { Connection } from 'jsforce';

import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import { SandboxClient } from './sandbox.client';
import { admin, connect } from './sandbox.test-client';

describe('create log (GET /__admin/creates)', () => {
  let sandbox: SalesforceSandbox;
  let client: SandboxClient;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    client = new SandboxClient(sandbox.url);
    conn = await connect(sandbox);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
  });

  it('counts creates by object and finds no duplicate when upserts by external id update the one record', async () => {
    const upsert = (city: string) =>
      conn.sobject('Account').upsert({ Name: 'Acme', Odoo_Id__c: 'odoo-partner-1', BillingCity: city }, 'Odoo_Id__c');
    await upsert('Gent');
    await upsert('Namur');
    await conn.sobject('Contact').create({ LastName: 'Buyer' });

    const summary = await client.creates();
    expect(summary.createsByObject).toEqual({ Account: 1, Contact: 1 });
    expect(summary.creates).toBe(2);
    expect(summary.duplicates).toEqual([]);
  });

  it('reports a second record created for an external id whose first record was deleted, naming both Ids', async () => {
    const first = await conn.sobject('Account').create({ Name: 'Acme', Odoo_Id__c: 'odoo-partner-7' });
    await client.deleteAsPerson('Account', String(first.id));
    const second = await conn.sobject('Account').create({ Name: 'Acme again', Odoo_Id__c: 'odoo-partner-7' });
    await conn.sobject('Account').create({ Name: 'Other', Odoo_Id__c: 'odoo-partner-8' });

    const summary = await client.creates();
    expect(summary.duplicates).toEqual([
      { object: 'Account', field: 'Odoo_Id__c', value: 'odoo-partner-7', ids: [first.id, second.id] },
    ]);
    expect((await client.creates('Contact')).duplicates).toEqual([]);
    expect((await client.creates('account')).duplicates).toHaveLength(1);
  });

  it('does not count a refused insert of a live external id, nor records without one, and forgets on reset', async () => {
    await conn.sobject('Account').create({ Name: 'Acme', Odoo_Id__c: 'odoo-partner-9' });
    const refused = await conn
      .sobject('Account')
      .create({ Name: 'Acme twice', Odoo_Id__c: 'odoo-partner-9' })
      .catch((e: Error) => e);
    expect(JSON.stringify(refused)).toContain('DUPLICATE_VALUE');
    await conn.sobject('Account').create([{ Name: 'No key 1' }, { Name: 'No key 2' }]);

    expect(await client.creates()).toMatchObject({ creates: 3, duplicates: [] });
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
    expect(await client.creates()).toEqual({ creates: 0, createsByObject: {}, duplicates: [] });
  });
});
