import { PermanentError } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { checkRow } from '../aggregates/odoo-rows.rules';
import { hubExternalIdChange, linkedRecordsOf, linkedSalesforceId, salesforceLinkOf } from './hub-link.mapper';

const ACCOUNT = '001000000000001AAA';
const ORDER = '801000000000001AAA';

/** An ir_model_data row as Debezium sends it. */
const link = (over: Record<string, unknown> = {}): Record<string, unknown> & { id: number } => ({
  id: 90,
  module: 'hub',
  name: `salesforce_account_${ACCOUNT}`,
  model: 'res.partner',
  res_id: 7,
  noupdate: false,
  ...over,
});

const change = (op: DebeziumChange['op'], before: object | null, after: object | null): DebeziumChange => ({
  op,
  before: before as Record<string, unknown> | null,
  after: after as Record<string, unknown> | null,
  source: {
    connector: 'postgresql',
    name: 'odoo',
    db: 'odoo',
    schema: 'public',
    table: 'ir_model_data',
    lsn: 1000,
    txId: 900,
    ts_ms: 1_700_000_000_000,
  },
});

describe('salesforceLinkOf', () => {
  it('reads the Salesforce record a hub external id links, by the kind its name says', () => {
    expect(salesforceLinkOf(link())).toEqual({
      kind: 'account',
      salesforceId: ACCOUNT,
      model: 'res.partner',
      resId: 7,
    });
    expect(salesforceLinkOf(link({ name: `salesforce_contact_${'003000000000001AAA'}` }))).toMatchObject({
      kind: 'contact',
    });
    expect(salesforceLinkOf(link({ name: `salesforce_order_${ORDER}`, model: 'sale.order', res_id: 12 }))).toEqual({
      kind: 'order',
      salesforceId: ORDER,
      model: 'sale.order',
      resId: 12,
    });
  });

  it('ignores the external ids of other modules and hub ids that name no Salesforce record', () => {
    expect(salesforceLinkOf(link({ module: '__import__' }))).toBeNull();
    expect(salesforceLinkOf(link({ name: 'zendesk_ticket_42' }))).toBeNull();
  });

  it('refuses a hub link that cannot be one, naming the row and the field', () => {
    expect(() => salesforceLinkOf(link({ name: 'salesforce_account_001000000000001' }))).toThrow(
      new PermanentError(
        'INVALID_RECORD',
        'ir_model_data id=90 (hub.salesforce_account_001000000000001): name does not end in an 18-character Salesforce id ("salesforce_account_001000000000001")',
      ),
    );
    expect(() => salesforceLinkOf(link({ model: 'sale.order' }))).toThrow(/model is not res.partner \("sale.order"\)/);
    expect(() => salesforceLinkOf(link({ res_id: null }))).toThrow(/res_id is not a record id \(null\)/);
  });

  it('is what checkRow holds a captured ir_model_data row to, so a bad link is dead-lettered alone', () => {
    expect(() => checkRow('ir_model_data', link())).not.toThrow();
    expect(() => checkRow('ir_model_data', link({ res_id: 0 }))).toThrow(PermanentError);
  });
});

describe('linkedSalesforceId', () => {
  it("takes the record's first link of the kind asked, oldest first", () => {
    const rows = [
      link({ id: 1, name: 'something_else' }),
      link({ id: 2, name: `salesforce_contact_${'003000000000001AAA'}` }),
      link({ id: 3 }),
      link({ id: 4, name: `salesforce_account_${'001000000000002AAA'}` }),
    ];
    expect(linkedSalesforceId(rows, 'account')).toBe(ACCOUNT);
    expect(linkedSalesforceId(rows, 'contact')).toBe('003000000000001AAA');
    expect(linkedSalesforceId(rows, 'order')).toBeNull();
  });
});

describe('hubExternalIdChange', () => {
  it("keeps the hub's rows and drops every other module's", () => {
    const c = change('c', null, link());
    expect(hubExternalIdChange(c)).toBe(c);
    expect(hubExternalIdChange(change('r', null, link({ module: 'base' })))).toBeNull();
    expect(hubExternalIdChange(change('d', link({ module: 'base' }), null))).toBeNull();
  });

  it('turns a row moved out of the hub module into its delete, and keeps a delete whose module is unknown', () => {
    expect(hubExternalIdChange(change('u', link(), link({ module: 'other' })))).toMatchObject({
      op: 'd',
      before: link(),
      after: null,
    });
    const keyOnly = change('d', { id: 90 }, null);
    expect(hubExternalIdChange(keyOnly)).toBe(keyOnly);
  });
});

describe('linkedRecordsOf', () => {
  it('names the record a link names now and the one it named before', () => {
    expect(linkedRecordsOf(change('c', null, link()))).toEqual([{ model: 'res.partner', resId: 7 }]);
    expect(linkedRecordsOf(change('u', link({ res_id: 6 }), link()))).toEqual([
      { model: 'res.partner', resId: 7 },
      { model: 'res.partner', resId: 6 },
    ]);
    expect(
      linkedRecordsOf(change('d', link({ name: `salesforce_order_${ORDER}`, model: 'sale.order', res_id: 12 }), null)),
    ).toEqual([{ model: 'sale.order', resId: 12 }]);
    expect(linkedRecordsOf(change('c', null, link({ name: 'not_a_link' })))).toEqual([]);
  });
});
