import type { TargetWrite } from '@hub/projection';
import { compare, expectedRecords, orphans, recordRef, sameValue, selectList } from './drift';

const write = (over: Partial<TargetWrite>): TargetWrite => ({
  scope: 'SalesOrder:Order',
  object: 'Order',
  keyField: 'Odoo_Id__c',
  key: 'odoo-sale-order-7',
  fields: {},
  createOnly: {},
  kind: 'upsert',
  parents: [],
  ...over,
});

const order = write({
  fields: {
    Account: { Odoo_Id__c: 'odoo-partner-3' },
    Status: 'Confirmed',
    Odoo_Amount_Total__c: 681.8,
    Odoo_Commitment_Date__c: '2026-12-01T10:00:00.000Z',
    PoNumber: null,
  },
  createOnly: { Pricebook2Id: '01s000000000001AAA' },
});
const item = write({
  scope: 'SalesOrder:OrderItem',
  object: 'OrderItem',
  key: 'odoo-sale-order-line-70',
  fields: { Quantity: 2, UnitPrice: 199.9 },
  createOnly: { Order: { Odoo_Id__c: 'odoo-sale-order-7' }, PricebookEntry: { Odoo_Id__c: 'odoo-product-4' } },
});
const expected = expectedRecords('odoo-sale-order-7', [[order], [item]]);
const inSalesforce = (records: Record<string, unknown>[]) =>
  new Map(records.map((r) => [recordRef(String(r.object), String(r.Odoo_Id__c)), r]));
const sfOrder = {
  object: 'Order',
  Id: '801000000000001AAA',
  Odoo_Id__c: 'odoo-sale-order-7',
  Account: { attributes: { type: 'Account' }, Odoo_Id__c: 'odoo-partner-3' },
  Status: 'Confirmed',
  Odoo_Amount_Total__c: 681.8,
  Odoo_Commitment_Date__c: '2026-12-01T10:00:00.000+0000',
  PoNumber: null,
};
const sfItem = {
  object: 'OrderItem',
  Id: '802000000000001AAA',
  Odoo_Id__c: 'odoo-sale-order-line-70',
  Order: { Odoo_Id__c: 'odoo-sale-order-7' },
  PricebookEntry: { Odoo_Id__c: 'odoo-product-4' },
  Quantity: 2,
  UnitPrice: 199.9,
};

describe('expected records', () => {
  it('splits lookups from scalar fields, and leaves create-only scalars (the price book) out', () => {
    expect(expected[0]).toMatchObject({
      object: 'Order',
      fields: { Status: 'Confirmed', Odoo_Amount_Total__c: 681.8 },
      links: [{ relationship: 'Account', keyField: 'Odoo_Id__c', key: 'odoo-partner-3' }],
    });
    expect(expected[0].fields).not.toHaveProperty('Pricebook2Id');
    expect(expected[1].links.map((l) => l.relationship)).toEqual(['Order', 'PricebookEntry']);
  });

  it("leaves out a rep's record linked by its Id, and removals", () => {
    const linked = write({ linkedBy: { field: 'Id', value: '801000000000009AAA' } });
    expect(expectedRecords('odoo-sale-order-7', [[linked, write({ kind: 'remove' })]])).toEqual([]);
  });

  it('selects the fields and lookups to compare', () => {
    expect(selectList([expected[0]], 'Odoo_Id__c')).toEqual(
      expect.arrayContaining(['Id', 'Odoo_Id__c', 'Status', 'Account.Odoo_Id__c']),
    );
  });
});

describe('compare', () => {
  it('finds no drift when Salesforce holds what the mapping writes', () => {
    expect(compare(expected, inSalesforce([sfOrder, sfItem]))).toEqual([]);
  });

  it('classifies a record not in Salesforce as missing', () => {
    expect(compare(expected, inSalesforce([sfOrder]))).toEqual([
      expect.objectContaining({ kind: 'missing', object: 'OrderItem', key: 'odoo-sale-order-line-70' }),
    ]);
  });

  it('classifies a changed field the hub owns as stale, naming the field and both values', () => {
    const [finding] = compare(expected, inSalesforce([{ ...sfOrder, Status: 'Draft' }, sfItem]));
    expect(finding).toMatchObject({
      kind: 'stale',
      salesforceId: sfOrder.Id,
      differences: [{ field: 'Status', expected: 'Confirmed', actual: 'Draft' }],
    });
  });

  it('classifies a lookup to another record, or to none, as a broken link', () => {
    const moved = compare(expected, inSalesforce([{ ...sfOrder, Account: { Odoo_Id__c: 'odoo-partner-4' } }, sfItem]));
    expect(moved).toEqual([
      expect.objectContaining({
        kind: 'link-broken',
        differences: [{ field: 'Account', expected: 'odoo-partner-3', actual: 'odoo-partner-4' }],
      }),
    ]);
    expect(compare(expected, inSalesforce([{ ...sfOrder, Account: null }, sfItem]))[0].kind).toBe('link-broken');
  });

  it("does not look at fields the mapping does not write (a person's Salesforce-owned field)", () => {
    expect(compare(expected, inSalesforce([{ ...sfOrder, Industry: 'Retail', Description: 'x' }, sfItem]))).toEqual([]);
  });

  it('does not miss a deletion flag whose record is not there, and compares it when it is', () => {
    const flag = expectedRecords('odoo-partner-3', [
      [write({ object: 'Account', key: 'odoo-partner-3', kind: 'flag', fields: { Odoo_Deleted__c: true } })],
    ]);
    expect(compare(flag, new Map())).toEqual([]);
    const found = inSalesforce([{ object: 'Account', Odoo_Id__c: 'odoo-partner-3', Odoo_Deleted__c: false }]);
    expect(compare(flag, found)[0]).toMatchObject({ kind: 'stale', differences: [{ field: 'Odoo_Deleted__c' }] });
  });
});

describe('orphans', () => {
  it('reports hub-keyed records no expected record claims', () => {
    const claimed = new Set([recordRef('Account', 'odoo-partner-3')]);
    const found = [
      { Id: 'a1', Odoo_Id__c: 'odoo-partner-3' },
      { Id: 'a2', Odoo_Id__c: 'odoo-partner-999' },
    ];
    expect(orphans('Account', 'Odoo_Id__c', found, claimed)).toEqual([
      { kind: 'orphan', object: 'Account', key: 'odoo-partner-999', aggregateId: null, salesforceId: 'a2' },
    ]);
  });
});

describe('sameValue', () => {
  it.each([
    [null, ''],
    [undefined, null],
    [12, '12.0000'],
    [199.9, 199.9],
    [true, true],
    ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.000+0000'],
    ['2026-12-01', '2026-12-01'],
  ])('%p is %p', (a, b) => expect(sameValue(a, b)).toBe(true));

  it.each([
    ['Confirmed', 'Draft'],
    [null, 'x'],
    [2, 3],
    [true, false],
    ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:01.000+0000'],
    [0, null],
  ])('%p is not %p', (a, b) => expect(sameValue(a, b)).toBe(false));
});
