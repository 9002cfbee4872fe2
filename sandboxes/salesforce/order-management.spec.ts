/**
 * The objects the hub's projector writes (Product2, Pricebook2, PricebookEntry, Order, OrderItem and
 * the Odoo_*__c custom objects), driven over HTTP as the hub does: jsforce collections upserts, and
 * raw requests where status codes matter.
 */
import type { Connection } from 'jsforce';

import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import { admin, connect, dump, fetchToken, raw, VERSION } from './sandbox.test-client';

interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}
interface Result {
  id?: string;
  success: boolean;
  created: boolean;
  errors: SaveError[];
}

const BASE = `/services/data/v${VERSION}`;

/** A failed per-record result with one error; `message` omitted matches any text. */
function failure(statusCode: string, message?: string | RegExp) {
  const text =
    message === undefined ? expect.any(String) : typeof message === 'string' ? message : expect.stringMatching(message);
  return { success: false, created: false, errors: [expect.objectContaining({ statusCode, message: text })] };
}

async function upsert(
  conn: Connection,
  object: string,
  records: Record<string, unknown>[],
  field = 'Odoo_Id__c',
  options: { allOrNone?: boolean } = {},
): Promise<Result[]> {
  return (await conn.sobject(object).upsert(records, field, options)) as unknown as Result[];
}

async function upsertAll(conn: Connection, object: string, records: Record<string, unknown>[], field?: string) {
  const results = await upsert(conn, object, records, field);
  expect(results).toEqual(records.map(() => expect.objectContaining({ success: true })));
  return results;
}

async function standardPricebookId(conn: Connection): Promise<string> {
  const result = await conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true');
  expect(result.totalSize).toBe(1);
  return (result.records[0] as { Id: string }).Id;
}

/** An account, two products with standard prices (19.99 and 5), and the standard price book's Id. */
async function seedCatalogue(conn: Connection): Promise<string> {
  const standard = await standardPricebookId(conn);
  await upsertAll(conn, 'Account', [{ Odoo_Id__c: 'cust-1', Name: 'Acme' }]);
  await upsertAll(conn, 'Product2', [
    { Odoo_Id__c: 'prod-1', Name: 'Widget', ProductCode: 'W-1', IsActive: true, Odoo_On_Hand__c: 12.5 },
    { Odoo_Id__c: 'prod-2', Name: 'Gadget', IsActive: true },
  ]);
  await upsertAll(conn, 'PricebookEntry', [
    { Odoo_Id__c: 'pbe-1', Pricebook2Id: standard, Product2: { Odoo_Id__c: 'prod-1' }, UnitPrice: 19.99 },
    { Odoo_Id__c: 'pbe-2', Pricebook2Id: standard, Product2: { Odoo_Id__c: 'prod-2' }, UnitPrice: 5 },
  ]);
  return standard;
}

function order(name: string, pricebookId: string | null, extra: Record<string, unknown> = {}) {
  return {
    Odoo_Id__c: `so-${name}`,
    Odoo_Name__c: name,
    Name: name,
    Account: { Odoo_Id__c: 'cust-1' },
    Pricebook2Id: pricebookId,
    EffectiveDate: '2025-03-01',
    Status: 'Draft',
    ...extra,
  };
}

function line(id: string, orderName: string, entry: string, quantity: number, unitPrice: number) {
  return {
    Odoo_Id__c: id,
    Order: { Odoo_Name__c: orderName },
    PricebookEntry: { Odoo_Id__c: entry },
    Quantity: quantity,
    UnitPrice: unitPrice,
  };
}

async function orderRow(conn: Connection, name: string): Promise<Record<string, unknown>> {
  const result = await conn.query(
    `SELECT Id, Status, StatusCode, TotalAmount, Odoo_State__c FROM Order WHERE Odoo_Name__c = '${name}'`,
  );
  return result.records[0] as Record<string, unknown>;
}

describe('Salesforce sandbox: products, price books and orders', () => {
  let sandbox: SalesforceSandbox;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
    conn = await connect(sandbox);
  });

  describe('catalogue', () => {
    it('serves the objects the projector writes, with their key prefixes', async () => {
      const global = await conn.describeGlobal();
      const prefixes = Object.fromEntries(global.sobjects.map((o) => [o.name, o.keyPrefix]));
      expect(prefixes).toEqual({
        Account: '001',
        Contact: '003',
        Product2: '01t',
        Task: '00T',
        User: '005',
        Pricebook2: '01s',
        PricebookEntry: '01u',
        Order: '801',
        OrderItem: '802',
        Odoo_Invoice__c: 'a01',
        Odoo_Payment__c: 'a02',
        Odoo_Shipment__c: 'a03',
      });
      expect(global.sobjects.find((o) => o.name === 'Odoo_Invoice__c')).toMatchObject({ custom: true });
    });

    it('describes writability, relationships and the Order status picklist as Salesforce does', async () => {
      const item = await conn.sobject('OrderItem').describe();
      const field = (name: string) => item.fields.find((f) => f.name === name);
      expect(field('OrderId')).toMatchObject({ createable: true, updateable: false, relationshipName: 'Order' });
      expect(field('PricebookEntryId')).toMatchObject({ createable: true, updateable: false, nillable: false });
      expect(field('Product2Id')).toMatchObject({ createable: true, updateable: false, referenceTo: ['Product2'] });
      expect(field('TotalPrice')).toMatchObject({ createable: false, updateable: false, calculated: true });

      const orders = await conn.sobject('Order').describe();
      const status = orders.fields.find((f) => f.name === 'Status');
      expect(status).toMatchObject({ restrictedPicklist: true, nillable: false });
      expect(status?.picklistValues?.map((v) => v.value)).toEqual([
        'Draft',
        'Sent',
        'Confirmed',
        'Cancelled',
        'Activated',
      ]);
      expect(orders.fields.find((f) => f.name === 'Odoo_Name__c')).toMatchObject({
        externalId: true,
        unique: true,
        caseSensitive: true,
      });
      expect(orders.fields.find((f) => f.name === 'TotalAmount')).toMatchObject({
        createable: false,
        updateable: false,
      });
      expect(orders.childRelationships).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ childSObject: 'OrderItem', relationshipName: 'OrderItems', cascadeDelete: true }),
          expect.objectContaining({
            childSObject: 'Odoo_Invoice__c',
            field: 'Order__c',
            relationshipName: 'Odoo_Invoices__r',
          }),
        ]),
      );

      const invoice = await conn.sobject('Odoo_Invoice__c').describe();
      expect(invoice.fields.find((f) => f.name === 'Account__c')).toMatchObject({
        relationshipName: 'Account__r',
        referenceTo: ['Account'],
        custom: true,
      });
      expect(invoice.fields.find((f) => f.name === 'Name')).toMatchObject({ nillable: false, defaultedOnCreate: true });
    });
  });

  describe('Pricebook2', () => {
    it('holds the standard price book from the start and after every reset, found with a boolean literal', async () => {
      const first = await standardPricebookId(conn);
      const books = await conn.query('SELECT Name, IsActive, IsStandard FROM Pricebook2 WHERE IsStandard = TRUE');
      expect(books.records).toEqual([
        expect.objectContaining({ Name: 'Standard Price Book', IsActive: true, IsStandard: true }),
      ]);
      await admin(sandbox, 'POST', '/reset');
      expect(await standardPricebookId(await connect(sandbox))).toBe(first);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        apiCalls: 1,
        recordsByObject: { Pricebook2: 1 },
      });
    });

    it('refuses IsStandard on create; a created price book is not standard', async () => {
      const token = await fetchToken(sandbox);
      const path = `${BASE}/sobjects/Pricebook2`;
      const custom = await raw(sandbox, 'POST', path, { token, body: { Name: 'Wholesale', IsActive: true } });
      expect(custom.status).toBe(201);
      const flagged = await raw(sandbox, 'POST', path, { token, body: { Name: 'Fake', IsStandard: true } });
      expect(flagged.status).toBe(400);
      expect(flagged.body).toEqual([
        expect.objectContaining({
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          message: expect.stringMatching(/^Unable to create\/update fields: IsStandard\./),
        }),
      ]);
      const standard = await standardPricebookId(conn);
      const update = await raw(sandbox, 'PATCH', `${path}/${standard}`, { token, body: { IsStandard: false } });
      expect(update.status).toBe(400);
      const nonStandard = await conn.query('SELECT Name FROM Pricebook2 WHERE IsStandard = false');
      expect(nonStandard.records.map((r) => r['Name'])).toEqual(['Wholesale']);
    });
  });

  describe('PricebookEntry', () => {
    it('allows one entry per price book and product: DUPLICATE_VALUE per record, in order', async () => {
      const standard = await seedCatalogue(conn);
      const results = await upsert(conn, 'PricebookEntry', [
        { Odoo_Id__c: 'pbe-1', UnitPrice: 21 },
        { Odoo_Id__c: 'pbe-dup', Pricebook2Id: standard, Product2: { Odoo_Id__c: 'prod-1' }, UnitPrice: 1 },
      ]);
      expect(results).toEqual([
        { id: expect.stringMatching(/^01u/), success: true, errors: [], created: false },
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'DUPLICATE_VALUE',
              message: 'This price definition already exists in this price book',
              fields: [],
            },
          ],
        },
      ]);
      const entries = await conn.query(
        "SELECT UnitPrice, Product2.Name FROM PricebookEntry WHERE Odoo_Id__c = 'pbe-1'",
      );
      expect(entries.records[0]).toMatchObject({
        UnitPrice: 21,
        Product2: expect.objectContaining({ Name: 'Widget' }),
      });
    });

    it('needs a standard price before a custom one (STANDARD_PRICE_NOT_DEFINED)', async () => {
      await seedCatalogue(conn);
      await upsertAll(conn, 'Product2', [{ Odoo_Id__c: 'prod-3', Name: 'Unpriced' }]);
      const token = await fetchToken(sandbox);
      const wholesale = await raw(sandbox, 'POST', `${BASE}/sobjects/Pricebook2`, {
        token,
        body: { Name: 'Wholesale' },
      });
      const wholesaleId = (wholesale.body as { id: string }).id;
      const results = await upsert(conn, 'PricebookEntry', [
        { Odoo_Id__c: 'w-1', Pricebook2Id: wholesaleId, Product2: { Odoo_Id__c: 'prod-1' }, UnitPrice: 15 },
        { Odoo_Id__c: 'w-3', Pricebook2Id: wholesaleId, Product2: { Odoo_Id__c: 'prod-3' }, UnitPrice: 15 },
      ]);
      expect(results).toEqual([
        expect.objectContaining({ success: true }),
        failure('STANDARD_PRICE_NOT_DEFINED', 'Before creating a custom price, create a standard price.'),
      ]);
    });

    it('refuses Pricebook2Id or Product2 on an upsert that matches an existing entry, and accepts them on insert', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Product2', [{ Odoo_Id__c: 'prod-3', Name: 'New' }]);
      const results = await upsert(conn, 'PricebookEntry', [
        { Odoo_Id__c: 'pbe-1', Pricebook2Id: standard, UnitPrice: 20 },
        { Odoo_Id__c: 'pbe-2', Product2: { Odoo_Id__c: 'prod-2' }, UnitPrice: 6 },
        { Odoo_Id__c: 'pbe-3', Pricebook2Id: standard, Product2: { Odoo_Id__c: 'prod-3' }, UnitPrice: 7 },
      ]);
      expect(results).toEqual([
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
              message:
                'Unable to create/update fields: Pricebook2Id. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
              fields: ['Pricebook2Id'],
            },
          ],
        },
        failure('INVALID_FIELD_FOR_INSERT_UPDATE', /^Unable to create\/update fields: Product2Id\. /),
        { id: expect.stringMatching(/^01u/), success: true, errors: [], created: true },
      ]);
      expect((await dump(sandbox, 'PricebookEntry')).map((e) => e['UnitPrice'])).toEqual([19.99, 5, 7]);
    });
  });

  describe('Order', () => {
    it('links the account by external id and the price book by Id; upserts by Odoo_Name__c too', async () => {
      const standard = await seedCatalogue(conn);
      const [created] = await upsertAll(conn, 'Order', [order('S00042', standard, { PoNumber: 'PO-1' })]);
      expect(created?.id).toMatch(/^801/);

      const token = await fetchToken(sandbox);
      const byName = await raw(sandbox, 'PATCH', `${BASE}/sobjects/Order/Odoo_Name__c/S00042`, {
        token,
        body: { Odoo_State__c: 'sent', Status: 'Sent', Odoo_Commitment_Date__c: '2025-03-05T10:00:00Z' },
      });
      expect(byName.status).toBe(200);
      expect(byName.body).toMatchObject({ id: created?.id, created: false });
      const lower = await raw(sandbox, 'GET', `${BASE}/sobjects/Order/Odoo_Name__c/s00042`, { token });
      expect(lower.status).toBe(404);

      const result = await conn.query(
        'SELECT Name, Status, StatusCode, TotalAmount, Account.Odoo_Id__c, Pricebook2.IsStandard, Odoo_Commitment_Date__c FROM Order ORDER BY Name',
      );
      expect(result.records).toEqual([
        expect.objectContaining({
          Name: 'S00042',
          Status: 'Sent',
          StatusCode: 'Draft',
          TotalAmount: 0,
          Account: expect.objectContaining({ Odoo_Id__c: 'cust-1' }),
          Pricebook2: expect.objectContaining({ IsStandard: true }),
          Odoo_Commitment_Date__c: '2025-03-05T10:00:00.000+0000',
        }),
      ]);
    });

    it('refuses a status outside the picklist, and an order created in the Activated category', async () => {
      const standard = await seedCatalogue(conn);
      const results = await upsert(conn, 'Order', [
        order('S1', standard, { Status: 'Shipped' }),
        order('S2', standard, { Status: 'Activated' }),
        order('S3', standard, { Status: 'Confirmed' }),
      ]);
      expect(results).toEqual([
        failure('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Status: bad value for restricted picklist field: Shipped'),
        failure('FAILED_ACTIVATION'),
        expect.objectContaining({ success: true, created: true }),
      ]);
    });
  });

  describe('owners and tasks', () => {
    it("gives a new order its creator as owner, and a Task on it upserts by the hub's exception id", async () => {
      const standard = await seedCatalogue(conn);
      const [created] = await upsertAll(conn, 'Order', [order('S00077', standard)]);
      const identity = await conn.identity();
      const [owned] = (await conn.query(`SELECT OwnerId, Owner.Username FROM Order WHERE Id = '${created!.id}'`))
        .records as Record<string, unknown>[];
      expect(owned).toMatchObject({
        OwnerId: identity.user_id,
        Owner: expect.objectContaining({ Username: identity.username }),
      });

      const task = (status: string) => ({
        Hub_Exception_Id__c: 'exc-1',
        Subject: 'Odoo did not take the order (credit-hold)',
        Status: status,
        Priority: 'High',
        WhatId: created!.id,
        OwnerId: identity.user_id,
      });
      const [first] = await upsert(conn, 'Task', [task('Not Started')], 'Hub_Exception_Id__c');
      expect(first).toMatchObject({ success: true, created: true });
      const { WhatId: _what, OwnerId: _owner, ...update } = task('Completed');
      const [again] = await upsert(conn, 'Task', [update], 'Hub_Exception_Id__c');
      expect(again).toMatchObject({ success: true, created: false, id: first!.id });
      const tasks = (await conn.query(`SELECT Status, WhatId, OwnerId FROM Task`)).records;
      expect(tasks).toEqual([expect.objectContaining({ Status: 'Completed', WhatId: created!.id })]);

      const [refused] = await upsert(
        conn,
        'Task',
        [{ ...task('Not Started'), Hub_Exception_Id__c: 'exc-2', Status: 'Done' }],
        'Hub_Exception_Id__c',
      );
      expect(refused).toEqual(
        failure('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Status: bad value for restricted picklist field: Done'),
      );
    });
  });

  describe('OrderItem', () => {
    it('takes its order and entry by external id, its product from the entry, and rolls up into TotalAmount', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S00042', standard)]);
      await upsertAll(conn, 'OrderItem', [
        line('sol-1', 'S00042', 'pbe-1', 3, 19.99),
        line('sol-2', 'S00042', 'pbe-2', 2, 5),
      ]);

      const items = await conn.query(
        "SELECT Odoo_Id__c, TotalPrice, Product2.Name, Order.Odoo_Name__c, PricebookEntry.Odoo_Id__c FROM OrderItem WHERE Order.Odoo_Name__c = 'S00042' ORDER BY Odoo_Id__c",
      );
      expect(items.records).toEqual([
        expect.objectContaining({
          Odoo_Id__c: 'sol-1',
          TotalPrice: 59.97,
          Product2: expect.objectContaining({ Name: 'Widget' }),
          Order: expect.objectContaining({ Odoo_Name__c: 'S00042' }),
          PricebookEntry: expect.objectContaining({ Odoo_Id__c: 'pbe-1' }),
        }),
        expect.objectContaining({ Odoo_Id__c: 'sol-2', TotalPrice: 10 }),
      ]);
      expect(await orderRow(conn, 'S00042')).toMatchObject({ TotalAmount: 69.97 });

      await upsertAll(conn, 'OrderItem', [{ Odoo_Id__c: 'sol-2', Quantity: 4, Odoo_Quantity_Delivered__c: 1 }]);
      expect(await orderRow(conn, 'S00042')).toMatchObject({ TotalAmount: 79.97 });

      const token = await fetchToken(sandbox);
      const deleted = await raw(sandbox, 'DELETE', `${BASE}/sobjects/OrderItem/Odoo_Id__c/sol-1`, { token });
      expect(deleted.status).toBe(204);
      expect(await orderRow(conn, 'S00042')).toMatchObject({ TotalAmount: 20 });
    });

    it('refuses an entry from another price book, or an order without one (FIELD_INTEGRITY_EXCEPTION)', async () => {
      const standard = await seedCatalogue(conn);
      const token = await fetchToken(sandbox);
      const wholesale = await raw(sandbox, 'POST', `${BASE}/sobjects/Pricebook2`, {
        token,
        body: { Name: 'Wholesale' },
      });
      await upsertAll(conn, 'PricebookEntry', [
        {
          Odoo_Id__c: 'w-1',
          Pricebook2Id: (wholesale.body as { id: string }).id,
          Product2: { Odoo_Id__c: 'prod-1' },
          UnitPrice: 15,
        },
      ]);
      await upsertAll(conn, 'Order', [order('S1', standard), order('S2', null)]);
      const results = await upsert(conn, 'OrderItem', [
        line('a', 'S1', 'w-1', 1, 15),
        line('b', 'S2', 'pbe-1', 1, 19.99),
        line('c', 'S1', 'pbe-1', 1, 19.99),
      ]);
      const mismatch = {
        success: false,
        created: false,
        errors: [
          {
            statusCode: 'FIELD_INTEGRITY_EXCEPTION',
            message:
              'field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the order)',
            fields: ['PricebookEntryId'],
          },
        ],
      };
      expect(results).toEqual([mismatch, mismatch, expect.objectContaining({ success: true })]);
    });

    it('refuses OrderId, the Order relationship or PricebookEntry on an upsert that matches an existing item', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      const [first] = await upsertAll(conn, 'OrderItem', [line('sol-1', 'S1', 'pbe-1', 1, 19.99)]);
      const orderId = (await orderRow(conn, 'S1'))['Id'];
      const results = await upsert(conn, 'OrderItem', [
        line('sol-1', 'S1', 'pbe-1', 2, 19.99),
        { Odoo_Id__c: 'sol-2', OrderId: orderId, PricebookEntry: { Odoo_Id__c: 'pbe-2' }, Quantity: 1, UnitPrice: 5 },
      ]);
      expect(results).toEqual([
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
              message:
                'Unable to create/update fields: OrderId, PricebookEntryId. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
              fields: ['OrderId', 'PricebookEntryId'],
            },
          ],
        },
        { id: expect.stringMatching(/^802/), success: true, errors: [], created: true },
      ]);
      const [byId] = await upsert(conn, 'OrderItem', [{ Odoo_Id__c: 'sol-2', OrderId: orderId, Quantity: 3 }]);
      expect(byId).toEqual(failure('INVALID_FIELD_FOR_INSERT_UPDATE', /^Unable to create\/update fields: OrderId\. /));
      const [quantityOnly] = await upsert(conn, 'OrderItem', [{ Odoo_Id__c: 'sol-1', Quantity: 2 }]);
      expect(quantityOnly).toEqual({ id: first?.id, success: true, errors: [], created: false });
    });
  });

  describe('order activation', () => {
    async function activatedOrder(): Promise<string> {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      await upsertAll(conn, 'OrderItem', [line('sol-1', 'S1', 'pbe-1', 1, 19.99)]);
      await upsertAll(conn, 'Order', [{ Odoo_Id__c: 'so-S1', Status: 'Activated' }]);
      return (await orderRow(conn, 'S1'))['Id'] as string;
    }

    it('needs at least one product, and Status alone may change when activating', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard), order('S2', standard)]);
      await upsertAll(conn, 'OrderItem', [line('sol-1', 'S2', 'pbe-1', 1, 19.99)]);
      const results = await upsert(conn, 'Order', [
        { Odoo_Id__c: 'so-S1', Status: 'Activated' },
        { Odoo_Id__c: 'so-S2', Status: 'Activated', Odoo_State__c: 'sale', Name: 'S2' },
      ]);
      expect(results).toEqual([
        failure('FAILED_ACTIVATION'),
        {
          success: false,
          created: false,
          errors: [expect.objectContaining({ statusCode: 'FAILED_ACTIVATION', fields: ['Odoo_State__c'] })],
        },
      ]);
      // Unchanged values may come along; that is how an upsert replays the whole record.
      await upsertAll(conn, 'Order', [{ Odoo_Id__c: 'so-S2', Status: 'Activated', Name: 'S2' }]);
      expect(await orderRow(conn, 'S2')).toMatchObject({ Status: 'Activated', StatusCode: 'Activated' });
    });

    it("locks an activated order's products: no add (ENTITY_IS_LOCKED), edit (FIELD_INTEGRITY_EXCEPTION) or delete", async () => {
      const orderId = await activatedOrder();
      const results = await upsert(conn, 'OrderItem', [
        line('sol-2', 'S1', 'pbe-2', 1, 5),
        { Odoo_Id__c: 'sol-1', Quantity: 5 },
      ]);
      expect(results).toEqual([
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'ENTITY_IS_LOCKED',
              message:
                'Unable to modify activated or superseded Order: cannot delete Order, or add or remove Order Products',
              fields: [],
            },
          ],
        },
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'FIELD_INTEGRITY_EXCEPTION',
              message: "You can't edit an activated order's products.",
              fields: [],
            },
          ],
        },
      ]);

      const token = await fetchToken(sandbox);
      for (const path of [`${BASE}/sobjects/OrderItem/Odoo_Id__c/sol-1`, `${BASE}/sobjects/Order/${orderId}`]) {
        const refused = await raw(sandbox, 'DELETE', path, { token });
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual([expect.objectContaining({ errorCode: 'ENTITY_IS_LOCKED', fields: [] })]);
      }
      expect(await orderRow(conn, 'S1')).toMatchObject({ TotalAmount: 19.99 });

      // Back in a Draft-category status, the order takes products again.
      await upsertAll(conn, 'Order', [{ Odoo_Id__c: 'so-S1', Status: 'Draft' }]);
      await upsertAll(conn, 'OrderItem', [line('sol-2', 'S1', 'pbe-2', 1, 5)]);
      expect(await orderRow(conn, 'S1')).toMatchObject({ TotalAmount: 24.99 });
    });

    it('deletes a draft order with its products (cascade), counted in recordsByObject', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      await upsertAll(conn, 'OrderItem', [line('sol-1', 'S1', 'pbe-1', 1, 19.99), line('sol-2', 'S1', 'pbe-2', 1, 5)]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        recordsByObject: { Account: 1, Product2: 2, Pricebook2: 1, PricebookEntry: 2, Order: 1, OrderItem: 2 },
      });

      const token = await fetchToken(sandbox);
      expect((await raw(sandbox, 'DELETE', `${BASE}/sobjects/Order/Odoo_Name__c/S1`, { token })).status).toBe(204);
      expect((await dump(sandbox, 'OrderItem')).map((r) => r['IsDeleted'])).toEqual([true, true]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        recordsByObject: { Order: 0, OrderItem: 0, Odoo_Invoice__c: 0 },
      });
    });

    it('keeps an all-or-none collection whole: a refused product leaves TotalAmount as it was', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      const results = await upsert(
        conn,
        'OrderItem',
        [line('sol-1', 'S1', 'pbe-1', 1, 19.99), { Odoo_Id__c: 'sol-2', Order: { Odoo_Name__c: 'S1' }, Quantity: 1 }],
        'Odoo_Id__c',
        { allOrNone: true },
      );
      expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'REQUIRED_FIELD_MISSING',
      ]);
      expect(await orderRow(conn, 'S1')).toMatchObject({ TotalAmount: 0 });
      expect(await dump(sandbox, 'OrderItem')).toEqual([]);
    });
  });

  describe('custom objects', () => {
    it('links Account__r and Order__r by external ids, names the record by its Id when Name is empty', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S00042', standard)]);
      const [invoice] = await upsertAll(conn, 'Odoo_Invoice__c', [
        {
          Odoo_Id__c: 'inv-1',
          Account__r: { Odoo_Id__c: 'cust-1' },
          Order__r: { Odoo_Name__c: 'S00042' },
          Move_Type__c: 'out_invoice',
          Invoice_Date__c: '2025-03-02',
          Amount_Total__c: 69.97,
        },
      ]);
      await upsertAll(conn, 'Odoo_Payment__c', [
        { Odoo_Id__c: 'pay-1', Name: 'PBNK1/2025/0001', Account__r: { Odoo_Id__c: 'cust-1' }, Amount__c: 69.97 },
      ]);
      await upsertAll(conn, 'Odoo_Shipment__c', [
        {
          Odoo_Id__c: 'pick-1',
          Name: 'WH/OUT/00001',
          Account__r: { Odoo_Id__c: 'cust-1' },
          Order__r: { Odoo_Name__c: 'S00042' },
          Scheduled_Date__c: '2025-03-03T08:00:00.000+0000',
          Quantity_Ordered__c: 5,
        },
      ]);

      const invoices = await conn.query(
        'SELECT Id, Name, Account__c, Account__r.Name, Order__r.Odoo_Name__c, Order__r.Account.Odoo_Id__c FROM Odoo_Invoice__c',
      );
      expect(invoices.records).toEqual([
        expect.objectContaining({
          Name: invoice?.id,
          Account__r: expect.objectContaining({ Name: 'Acme' }),
          Order__r: expect.objectContaining({
            Odoo_Name__c: 'S00042',
            Account: expect.objectContaining({ Odoo_Id__c: 'cust-1' }),
          }),
        }),
      ]);
      const shipments = await conn.query("SELECT Name, Order__r.Name FROM Odoo_Shipment__c WHERE Name LIKE 'WH/OUT/%'");
      expect(shipments.records).toEqual([expect.objectContaining({ Name: 'WH/OUT/00001' })]);

      // Name is not nillable: an update cannot clear it.
      const [cleared] = await upsert(conn, 'Odoo_Invoice__c', [{ Odoo_Id__c: 'inv-1', Name: null }]);
      expect(cleared).toEqual(failure('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]'));
    });

    it("answers Salesforce's INVALID_FIELD per record for a missing parent, custom relationship or not", async () => {
      await seedCatalogue(conn);
      const results = await upsert(conn, 'Odoo_Shipment__c', [
        { Odoo_Id__c: 'pick-1', Order__r: { Odoo_Name__c: 'S404' } },
        { Odoo_Id__c: 'pick-2', Account__r: { Odoo_Id__c: 'cust-404' } },
        { Odoo_Id__c: 'pick-3', Account__r: { Odoo_Id__c: 'cust-1' } },
      ]);
      expect(results).toEqual([
        failure('INVALID_FIELD', 'Foreign key external ID: S404 not found for field Odoo_Name__c in entity Order'),
        failure('INVALID_FIELD', 'Foreign key external ID: cust-404 not found for field Odoo_Id__c in entity Account'),
        expect.objectContaining({ success: true }),
      ]);
      const items = await upsert(conn, 'OrderItem', [line('sol-1', 'S404', 'pbe-404', 1, 1)]);
      expect(items[0]).toEqual(
        failure('INVALID_FIELD', 'Foreign key external ID: S404 not found for field Odoo_Name__c in entity Order'),
      );
    });
  });

  describe('validation errors through sObject Collections upsert', () => {
    it('answers REQUIRED_FIELD_MISSING, INVALID_CROSS_REFERENCE_KEY, ENTITY_IS_DELETED and DUPLICATE_VALUE per record, in order', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Account', [{ Odoo_Id__c: 'gone', Name: 'Gone' }]);
      const goneId = (await dump(sandbox, 'Account')).find((a) => a['Odoo_Id__c'] === 'gone')?.['Id'] as string;
      const token = await fetchToken(sandbox);
      expect((await raw(sandbox, 'DELETE', `${BASE}/sobjects/Account/${goneId}`, { token })).status).toBe(204);
      await upsertAll(conn, 'Order', [order('S1', standard)]);

      const res = await raw(sandbox, 'PATCH', `${BASE}/composite/sobjects/Order/Odoo_Id__c`, {
        token,
        body: {
          allOrNone: false,
          records: [
            { attributes: { type: 'Order' }, ...order('S2', standard) },
            { attributes: { type: 'Order' }, ...order('S3', standard, { EffectiveDate: null }) },
            {
              attributes: { type: 'Order' },
              ...order('S4', standard, { Account: undefined, AccountId: '001Hb00000000zzAAA' }),
            },
            { attributes: { type: 'Order' }, ...order('S5', standard, { Account: undefined, AccountId: goneId }) },
            { attributes: { type: 'Order' }, ...order('S1', standard, { Odoo_Id__c: 'so-other' }) },
            { attributes: { type: 'Order' }, ...order('S6', standard) },
          ],
        },
      });
      expect(res.status).toBe(200);
      const orderOne = (await orderRow(conn, 'S1'))['Id'] as string;
      expect(res.body).toEqual([
        { id: expect.stringMatching(/^801/), success: true, errors: [], created: true },
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'REQUIRED_FIELD_MISSING',
              message: 'Required fields are missing: [EffectiveDate]',
              fields: ['EffectiveDate'],
            },
          ],
        },
        {
          success: false,
          created: false,
          errors: [
            { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['AccountId'] },
          ],
        },
        {
          success: false,
          created: false,
          errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
        },
        {
          success: false,
          created: false,
          errors: [
            {
              statusCode: 'DUPLICATE_VALUE',
              message: `duplicate value found: Odoo_Name__c duplicates value on record with id: ${orderOne}`,
              fields: [],
            },
          ],
        },
        { id: expect.stringMatching(/^801/), success: true, errors: [], created: true },
      ]);
    });

    it('answers REQUIRED_FIELD_MISSING for Product2 and OrderItem like for Account', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      const products = await upsert(conn, 'Product2', [{ Odoo_Id__c: 'prod-9', ProductCode: 'X' }]);
      expect(products[0]).toEqual(failure('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]'));
      const items = await upsert(conn, 'OrderItem', [{ Odoo_Id__c: 'sol-9', Order: { Odoo_Name__c: 'S1' } }]);
      expect(items[0]).toEqual(
        failure('REQUIRED_FIELD_MISSING', 'Required fields are missing: [PricebookEntryId, Quantity, UnitPrice]'),
      );
    });
  });

  describe('limits and faults', () => {
    it('counts calls on the new objects against the daily allowance, and answers 403 past it', async () => {
      const standard = await seedCatalogue(conn);
      const { used, max } = (await admin(sandbox, 'GET', '/limits')).body as { used: number; max: number };
      // The allowance survives a reset, so it is given back whatever happens.
      await admin(sandbox, 'POST', '/limits', { max: used + 1 });
      try {
        await upsertAll(conn, 'Order', [order('S1', standard)]);
        await expect(upsert(conn, 'OrderItem', [line('sol-1', 'S1', 'pbe-1', 1, 19.99)])).rejects.toMatchObject({
          errorCode: 'REQUEST_LIMIT_EXCEEDED',
        });
      } finally {
        await admin(sandbox, 'POST', '/limits', { max });
      }
      expect(await dump(sandbox, 'OrderItem')).toEqual([]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        apiUsage: { used: used + 1 },
        callsByRoute: { 'PATCH /composite/sobjects/{sobject}/{field}': 4 },
      });
    });

    it('status503Rate and unableToLockRowRate apply to the new objects as to Account', async () => {
      const standard = await seedCatalogue(conn);
      await admin(sandbox, 'POST', '/faults', { status503Rate: 1 });
      await expect(upsert(conn, 'Order', [order('S1', standard)])).rejects.toMatchObject({
        errorCode: 'SERVER_UNAVAILABLE',
      });
      await admin(sandbox, 'POST', '/faults', { unableToLockRowRate: 1 });
      const locked = await upsert(conn, 'Order', [order('S1', standard), order('S2', standard)]);
      expect(locked).toEqual([
        failure('UNABLE_TO_LOCK_ROW', /^unable to obtain exclusive access to this record or 1 records: 801/),
        failure('UNABLE_TO_LOCK_ROW'),
      ]);
      await admin(sandbox, 'DELETE', '/faults');
      expect(await dump(sandbox, 'Order')).toEqual([]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        faultsInjected: { status503: 1, unableToLockRow: 2 },
      });
    });

    it('commitThenTimeout commits an order product and its roll-up; the retry is an update', async () => {
      const standard = await seedCatalogue(conn);
      await upsertAll(conn, 'Order', [order('S1', standard)]);
      await admin(sandbox, 'POST', '/faults', { commitThenTimeoutRate: 1, commitThenTimeoutMs: 50 });
      await expect(upsert(conn, 'OrderItem', [line('sol-1', 'S1', 'pbe-1', 2, 19.99)])).rejects.toThrow(
        /socket hang up|ECONNRESET/,
      );
      await admin(sandbox, 'DELETE', '/faults');
      expect(await orderRow(conn, 'S1')).toMatchObject({ TotalAmount: 39.98 });
      const [retry] = await upsert(conn, 'OrderItem', [{ Odoo_Id__c: 'sol-1', Quantity: 2, UnitPrice: 19.99 }]);
      expect(retry).toMatchObject({ success: true, created: false });
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({ faultsInjected: { commitThenTimeout: 1 } });
    });
  });
});
