import { ChangeEventSchema, ChangeEventSchemas, changeEventName, hexBitmap } from './change-event.schema';
import { ACCOUNT, CONTACT, DEFAULT_SOBJECTS, ORDER_ITEM, SObjectCatalogue } from '../sobject.catalogue';

const catalogue = new SObjectCatalogue(DEFAULT_SOBJECTS);
const schemaOf = (name: string) => new ChangeEventSchema(catalogue.get(name)!);

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

function fields(schema: ChangeEventSchema): AvroField[] {
  return (JSON.parse(schema.schemaJson) as { fields: AvroField[] }).fields;
}

describe('change event schemas', () => {
  it('puts the header first, then every field as a nullable union, without Id, IsDeleted and SystemModstamp', () => {
    const account = fields(schemaOf('Account'));
    expect(account.map((f) => f.name)).toEqual([
      'ChangeEventHeader',
      'Name',
      'AccountNumber',
      'Phone',
      'Website',
      'BillingAddress',
      'Industry',
      'Description',
      'Odoo_Id__c',
      'Odoo_Active__c',
      'Odoo_Deleted__c',
      'VAT_Number__c',
      'Open_Support_Tickets__c',
      'Urgent_Support_Tickets__c',
      'Oldest_Open_Ticket__c',
      'CreatedDate',
      'LastModifiedDate',
    ]);
    expect(account[1]).toEqual({ name: 'Name', type: ['null', 'string'], doc: 'Data:Text', default: null });
    expect(account[9]).toMatchObject({ type: ['null', 'boolean'] });
    expect(account[15]).toEqual({
      name: 'CreatedDate',
      type: ['null', 'long'],
      doc: 'CreatedDate:DateTime',
      default: null,
    });
    expect(account[5]?.type).toEqual([
      'null',
      {
        type: 'record',
        name: 'Address',
        fields: ['Street', 'City', 'PostalCode', 'Country'].map((name) => ({
          name,
          type: ['null', 'string'],
          default: null,
        })),
      },
    ]);
  });

  it('has the header fields of ChangeEventHeader in Salesforce’s order, changeType an enum with the gap types', () => {
    const header = fields(schemaOf('Account'))[0]?.type as { name: string; fields: AvroField[] };
    expect(header.name).toBe('ChangeEventHeader');
    expect(header.fields.map((f) => f.name)).toEqual([
      'entityName',
      'recordIds',
      'changeType',
      'changeOrigin',
      'transactionKey',
      'sequenceNumber',
      'commitTimestamp',
      'commitNumber',
      'commitUser',
      'nulledFields',
      'diffFields',
      'changedFields',
    ]);
    expect(header.fields[2]?.type).toMatchObject({
      type: 'enum',
      symbols: expect.arrayContaining(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_UPDATE', 'GAP_OVERFLOW']),
    });
  });

  it('carries a Contact’s FirstName and LastName as the compound Name, and leaves computed fields out', () => {
    const contact = fields(schemaOf('Contact'));
    expect(contact.map((f) => f.name)).toEqual(expect.arrayContaining(['AccountId', 'Name', 'Email']));
    expect(contact.map((f) => f.name)).not.toEqual(expect.arrayContaining(['FirstName']));
    expect(contact.find((f) => f.name === 'Name')?.type).toMatchObject([
      'null',
      { type: 'record', fields: [{ name: 'FirstName' }, { name: 'LastName' }] },
    ]);
    // OrderItem.TotalPrice is Quantity × UnitPrice (computed); Order.TotalAmount, a roll-up, is kept.
    expect(fields(schemaOf('OrderItem')).map((f) => f.name)).not.toContain('TotalPrice');
    expect(fields(schemaOf('Order')).map((f) => f.name)).toContain('TotalAmount');
  });

  it('names standard and custom change events and channels as Salesforce does', () => {
    expect(changeEventName('Account')).toBe('AccountChangeEvent');
    expect(changeEventName('Odoo_Invoice__c')).toBe('Odoo_Invoice__ChangeEvent');
    const schemas = new ChangeEventSchemas(catalogue);
    expect(schemas.forTopic('/data/Odoo_Invoice__ChangeEvent')?.object.name).toBe('Odoo_Invoice__c');
    expect(schemas.forTopic('/data/accountchangeevent')).toBeUndefined();
  });

  it('keeps a schema id while the object’s fields stay, and changes it when they change', () => {
    const a = schemaOf('Account');
    expect(a.schemaId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new ChangeEventSchema(new SObjectCatalogue([ACCOUNT]).get('Account')!).schemaId).toBe(a.schemaId);
    const extended = new SObjectCatalogue([
      { ...ACCOUNT, fields: [...ACCOUNT.fields, { name: 'Rating', label: 'Rating', type: 'string' }] },
    ]);
    expect(new ChangeEventSchema(extended.get('Account')!).schemaId).not.toBe(a.schemaId);
    expect(JSON.parse(a.schemaJson)).toMatchObject({ uuid: a.schemaId, namespace: 'com.sforce.eventbus' });
  });
});

describe('field bitmaps', () => {
  const account = schemaOf('Account');

  it('sets bit i for the i-th schema field, the header being field 0, in upper-case hex of whole bytes', () => {
    // Phone is field 3, Website 4, LastModifiedDate 16.
    expect(account.bitmap(['Phone', 'Website', 'LastModifiedDate'])).toEqual(['0x010018']);
    expect(account.bitmap(['Name'])).toEqual(['0x02']);
    expect(account.bitmap(['Odoo_Id__c'])).toEqual(['0x0100']);
    // The example of Salesforce's "Event Deserialization Considerations".
    expect(hexBitmap([5, 6, 7, 10, 24, 26, 29, 30])).toBe('0x650004E0');
    expect(account.bitmap([])).toEqual([]);
  });

  it('gives compound components as "{position}-{bitmap}" elements, without a top-level element when none is set', () => {
    expect(account.bitmap(['BillingCity'])).toEqual(['5-0x02']);
    expect(account.bitmap(['LastModifiedDate', 'BillingCountry', 'BillingStreet'])).toEqual(['0x010000', '5-0x09']);
    const contact = schemaOf('Contact');
    expect(contact.bitmap(['LastName', 'Email'])).toEqual([expect.stringMatching(/^0x/), '2-0x02']);
  });

  it('decodes back to names, compound components as Parent.Component', () => {
    const names = ['Phone', 'LastModifiedDate', 'BillingCity', 'BillingCountry'];
    expect(account.fieldNames(account.bitmap(names))).toEqual([
      'Phone',
      'LastModifiedDate',
      'BillingAddress.City',
      'BillingAddress.Country',
    ]);
    // Salesforce's documented example decodes against a schema with that many fields.
    expect(account.fieldNames(['0x02'])).toEqual(['Name']);
  });

  it('ignores fields the event does not carry', () => {
    expect(account.bitmap(['SystemModstamp', 'IsDeleted', 'Id'])).toEqual([]);
    expect(schemaOf('OrderItem').bitmap(['TotalPrice'])).toEqual([]);
    expect(new ChangeEventSchema(catalogue.get(ORDER_ITEM.name)!).carries('Quantity')).toBe(true);
    expect(new ChangeEventSchema(catalogue.get(CONTACT.name)!).carries('Name')).toBe(false);
  });
});

describe('payloads', () => {
  const header = {
    entityName: 'Account',
    recordIds: ['001000000000001AAA'],
    changeType: 'UPDATE' as const,
    changeOrigin: '',
    transactionKey: 'k',
    sequenceNumber: 1,
    commitTimestamp: 1_714_000_000_000,
    commitNumber: 1,
    commitUser: '005000000000001AAA',
    nulledFields: [],
    diffFields: [],
    changedFields: ['0x1000'],
  };

  it('encodes the given fields and leaves the others null; dates and datetimes as epoch milliseconds', () => {
    const account = schemaOf('Account');
    const values = new Map<string, string | null>([
      ['BillingCity', 'Lyon'],
      ['Phone', null],
      ['LastModifiedDate', '2024-05-01T12:00:00.000+0000'],
    ]);
    const payload = account.payload(header, values);
    expect(payload).toMatchObject({
      Name: null,
      Phone: null,
      BillingAddress: { Street: null, City: 'Lyon', PostalCode: null, Country: null },
      LastModifiedDate: Date.UTC(2024, 4, 1, 12),
    });
    const decoded = account.type.fromBuffer(account.type.toBuffer(payload)) as Record<string, unknown>;
    expect(decoded['ChangeEventHeader']).toMatchObject({ changeType: 'UPDATE', changedFields: ['0x1000'] });
    expect(decoded['LastModifiedDate']).toBe(Date.UTC(2024, 4, 1, 12));

    const order = schemaOf('Order');
    expect(order.payload(header, new Map([['EffectiveDate', '2025-03-01']]))['EffectiveDate']).toBe(
      Date.UTC(2025, 2, 1),
    );
  });
});
