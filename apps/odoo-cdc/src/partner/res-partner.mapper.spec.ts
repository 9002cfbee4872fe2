import type { CustomerEvent, ContactEvent } from '@hub/canonical';
import { PermanentError } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import {
  mapResPartnerChange,
  mapResPartnerRow,
  partnerKind,
  partnerRetractions,
  ResPartnerRow,
} from './res-partner.mapper';

const row = (over: Partial<ResPartnerRow> = {}): ResPartnerRow => ({
  id: 7,
  name: 'Azure Interior',
  is_company: true,
  parent_id: null,
  type: 'contact',
  ref: 'AZ1',
  vat: 'BE0477472701',
  email: 'info@azure.example',
  phone: '+32 2 555 01 01',
  mobile: null,
  website: 'https://azure.example',
  function: null,
  street: '4557 De Silva St',
  street2: null,
  zip: '94538',
  city: 'Fremont',
  country_id: 233,
  active: true,
  ...over,
});

const change = (op: DebeziumChange['op'], before: object | null, after: object | null, lsn = 1000): DebeziumChange => ({
  op,
  before: before as Record<string, unknown> | null,
  after: after as Record<string, unknown> | null,
  source: {
    connector: 'postgresql',
    name: 'odoo',
    db: 'odoo',
    schema: 'public',
    table: 'res_partner',
    lsn,
    txId: 900,
    ts_ms: 1_700_000_000_000,
  },
});

describe('mapResPartnerChange', () => {
  it('maps a company to a Customer keyed by its canonical id, with the source position', () => {
    const [record] = mapResPartnerChange(change('c', null, row()), 'US');
    expect(record.topic).toBe('customer');
    expect(record.key).toBe('odoo-partner-7');
    const value = record.value as CustomerEvent;
    expect(value.envelope).toMatchObject({
      eventType: 'customer.upserted',
      aggregateId: 'odoo-partner-7',
      sourceSystem: 'ODOO',
      sourceTable: 'res_partner',
      sourcePrimaryKey: '7',
      sourcePosition: 1000,
      sourceTransactionId: '900',
    });
    expect(value.customer).toMatchObject({
      name: 'Azure Interior',
      vat: 'BE0477472701',
      address: { city: 'Fremont', countryCode: 'US' },
    });
  });

  it('maps a person under a company to a Contact linked to its Customer', () => {
    const [record] = mapResPartnerChange(
      change('r', null, row({ id: 8, is_company: false, parent_id: 7, name: 'Brandon Freeman', function: 'Buyer' })),
      null,
    );
    expect(record.topic).toBe('contact');
    expect((record.value as ContactEvent).contact).toMatchObject({
      id: 'odoo-partner-8',
      customerId: 'odoo-partner-7',
      jobTitle: 'Buyer',
    });
  });

  it('gives the same event id when the same change is read twice, another for another position', () => {
    const a = mapResPartnerChange(change('u', row(), row({ name: 'B' }), 5), 'US')[0].value as CustomerEvent;
    const b = mapResPartnerChange(change('u', row(), row({ name: 'B' }), 5), 'US')[0].value as CustomerEvent;
    const c = mapResPartnerChange(change('u', row(), row({ name: 'B' }), 6), 'US')[0].value as CustomerEvent;
    expect(a.envelope.eventId).toBe(b.envelope.eventId);
    expect(a.envelope.eventId).not.toBe(c.envelope.eventId);
  });

  it('turns a delete into a deletion event followed by a tombstone', () => {
    const out = mapResPartnerChange(change('d', row(), null), null);
    expect(
      out.map((r) => [r.topic, r.value === null ? 'tombstone' : (r.value as CustomerEvent).envelope.eventType]),
    ).toEqual([
      ['customer', 'customer.deleted'],
      ['customer', 'tombstone'],
    ]);
  });

  it('deletes on both topics when the before-image has only the key', () => {
    const out = mapResPartnerChange(change('d', { id: 7 }, null), null);
    expect(out.filter((r) => r.value !== null).map((r) => r.topic)).toEqual(['customer', 'contact']);
  });

  it('retracts the old kind when a company becomes a person', () => {
    const out = mapResPartnerChange(change('u', row(), row({ is_company: false })), null);
    expect(out.map((r) => (r.value as CustomerEvent | ContactEvent).envelope.eventType)).toEqual([
      'customer.deleted',
      'contact.upserted',
    ]);
  });

  it('maps a child delivery address to nothing', () => {
    expect(partnerKind(row({ is_company: false, parent_id: 7, type: 'delivery' }))).toBeNull();
    expect(
      mapResPartnerChange(
        change('c', null, row({ is_company: false, parent_id: 7, type: 'delivery', name: null })),
        null,
      ),
    ).toEqual([]);
  });

  it('names the field when a company has no name', () => {
    expect(() => mapResPartnerChange(change('c', null, row({ name: null })), null)).toThrow(PermanentError);
    expect(() => mapResPartnerChange(change('c', null, row({ name: '  ' })), null)).toThrow(
      /res_partner id=7: name is required/,
    );
  });

  it('carries the Salesforce record the hub links the partner to: an Account for a company, a Contact for a person', () => {
    const links = { account: '001000000000001AAA', contact: '003000000000001AAA' };
    const [company] = mapResPartnerChange(change('c', null, row()), 'US', links);
    expect((company.value as CustomerEvent).customer).toMatchObject({
      id: 'odoo-partner-7',
      salesforceId: links.account,
    });
    const [person] = mapResPartnerChange(
      change('c', null, row({ id: 8, is_company: false, parent_id: 7 })),
      null,
      links,
    );
    expect((person.value as ContactEvent).contact).toMatchObject({ id: 'odoo-partner-8', salesforceId: links.contact });
    const [unlinked] = mapResPartnerChange(change('c', null, row()), 'US');
    expect((unlinked.value as CustomerEvent).customer).toMatchObject({ salesforceId: null });
  });

  it("publishes the partner as it stands at its transaction's END, at the commit's position, with its link", () => {
    const source = { position: 2000, transactionId: '900', occurredAt: 1_700_000_000_500 };
    const [record] = mapResPartnerRow(row(), 'US', { account: '001000000000001AAA', contact: null }, source);
    const value = record.value as CustomerEvent;
    expect(record).toMatchObject({ topic: 'customer', key: 'odoo-partner-7' });
    expect(value.customer).toMatchObject({ name: 'Azure Interior', salesforceId: '001000000000001AAA' });
    expect(value.envelope).toMatchObject({
      eventType: 'customer.upserted',
      sourceTable: 'res_partner',
      sourcePrimaryKey: '7',
      sourcePosition: 2000,
      sourceTransactionId: '900',
      occurredAt: 1_700_000_000_500,
    });
    const again = mapResPartnerRow(row(), 'US', { account: '001000000000001AAA', contact: null }, source)[0];
    expect((again.value as CustomerEvent).envelope.eventId).toBe(value.envelope.eventId);
    expect(
      mapResPartnerRow(row({ is_company: false, type: 'delivery' }), null, { account: null, contact: null }, source),
    ).toEqual([]);
  });

  it('retracts at once only what a change takes away, leaving its upsert for later', () => {
    expect(partnerRetractions(change('u', row(), row({ name: 'B' })))).toEqual([]);
    expect(
      partnerRetractions(change('u', row(), row({ is_company: false }))).map(
        (r) => (r.value as CustomerEvent).envelope.eventType,
      ),
    ).toEqual(['customer.deleted']);
    expect(partnerRetractions(change('d', row(), null)).map((r) => r.topic)).toEqual(['customer', 'customer']);
  });

  it('refuses a non-text email', () => {
    expect(() => mapResPartnerChange(change('c', null, { ...row(), email: 42 }), null)).toThrow(
      /email has an impossible value \(42\)/,
    );
  });
});
