import { isGap, readChangePayload, restFieldName, UndecodableChangeError } from './salesforce-change';

const ACCOUNT_CHANNEL = '/data/AccountChangeEvent';
const COMMITTED_AT = Date.UTC(2026, 0, 5, 10, 0, 0);

/** The header of a change event as salesforce-pubsub-api-client delivers it (bitmaps already field names). */
const header = (overrides: Record<string, unknown> = {}) => ({
  entityName: 'Account',
  recordIds: ['001AP00000Xk3MzYAJ'],
  changeType: 'UPDATE',
  changeOrigin: 'com/salesforce/api/rest/62.0;client=odoo-hub',
  transactionKey: '0002f6a1-8c1e-4b7e-2f44-3c9d0e6e1a11',
  sequenceNumber: 1,
  commitTimestamp: COMMITTED_AT,
  commitNumber: 11657372702432,
  commitUser: '005AP000003nJ0BYAU',
  nulledFields: ['Phone'],
  diffFields: [],
  changedFields: ['Name', 'Phone', 'BillingAddress.City', 'LastModifiedDate'],
  ...overrides,
});

/** An Account update: the fields not changed are null, the address is a compound with every component. */
const accountUpdate = (headerOverrides: Record<string, unknown> = {}) => ({
  ChangeEventHeader: header(headerOverrides),
  Name: 'Brasserie Lupulus',
  Type: null,
  ParentId: null,
  BillingAddress: {
    Street: null,
    City: 'Gent',
    State: null,
    PostalCode: null,
    Country: null,
    StateCode: null,
    CountryCode: null,
    Latitude: null,
    Longitude: null,
    GeocodeAccuracy: null,
  },
  ShippingAddress: null,
  Phone: null,
  LastModifiedDate: COMMITTED_AT,
});

/** The error `readChangePayload` throws for this payload (the spec fails when it decodes). */
function undecodable(payload: unknown, replayId = '4711'): UndecodableChangeError {
  try {
    readChangePayload(ACCOUNT_CHANNEL, replayId, payload);
  } catch (error) {
    if (error instanceof UndecodableChangeError) return error;
    throw error;
  }
  throw new Error('the payload decoded');
}

describe('readChangePayload', () => {
  it('reads the header and flattens a compound address to its REST names, leaving out null fields', () => {
    expect(readChangePayload(ACCOUNT_CHANNEL, '4711', accountUpdate())).toEqual({
      channel: ACCOUNT_CHANNEL,
      replayId: '4711',
      entityName: 'Account',
      recordIds: ['001AP00000Xk3MzYAJ'],
      changeType: 'UPDATE',
      changeOrigin: 'com/salesforce/api/rest/62.0;client=odoo-hub',
      commitUser: '005AP000003nJ0BYAU',
      commitTimestamp: COMMITTED_AT,
      transactionKey: '0002f6a1-8c1e-4b7e-2f44-3c9d0e6e1a11',
      sequenceNumber: 1,
      changedFields: ['Name', 'Phone', 'BillingCity', 'LastModifiedDate'],
      nulledFields: ['Phone'],
      fields: { Name: 'Brasserie Lupulus', BillingCity: 'Gent', LastModifiedDate: COMMITTED_AT },
    });
  });

  it("flattens a Contact's Name to FirstName and LastName and its MailingAddress to Mailing* fields", () => {
    const change = readChangePayload('/data/ContactChangeEvent', '4712', {
      ChangeEventHeader: header({
        entityName: 'Contact',
        recordIds: ['003AP00000Ab1CdYAJ'],
        changeType: 'CREATE',
        changeOrigin: '',
        nulledFields: [],
        changedFields: [],
      }),
      Name: { Salutation: null, FirstName: 'Ada', LastName: 'Peeters' },
      AccountId: '001AP00000Xk3MzYAJ',
      Email: 'ada.peeters@lupulus.example',
      HasOptedOutOfEmail: false,
      MailingAddress: { Street: 'Korenmarkt 1', City: 'Gent', PostalCode: '9000', Country: 'Belgium', Latitude: null },
      Title: null,
      CreatedDate: COMMITTED_AT,
    });

    expect(change.changeType).toBe('CREATE');
    expect(change.changeOrigin).toBe('');
    expect(change.changedFields).toEqual([]);
    expect(change.fields).toEqual({
      FirstName: 'Ada',
      LastName: 'Peeters',
      AccountId: '001AP00000Xk3MzYAJ',
      Email: 'ada.peeters@lupulus.example',
      HasOptedOutOfEmail: false,
      MailingStreet: 'Korenmarkt 1',
      MailingCity: 'Gent',
      MailingPostalCode: '9000',
      MailingCountry: 'Belgium',
      CreatedDate: COMMITTED_AT,
    });
  });

  it('reads a commitTimestamp delivered as a bigint as epoch milliseconds', () => {
    const change = readChangePayload(ACCOUNT_CHANNEL, '4711', accountUpdate({ commitTimestamp: BigInt(COMMITTED_AT) }));

    expect(change.commitTimestamp).toBe(COMMITTED_AT);
  });

  it('defaults what the header may leave out: origin, user, transaction key, sequence number, field lists', () => {
    const change = readChangePayload(ACCOUNT_CHANNEL, '4711', {
      ChangeEventHeader: {
        entityName: 'Account',
        recordIds: ['001AP00000Xk3MzYAJ'],
        changeType: 'DELETE',
        commitTimestamp: COMMITTED_AT,
      },
    });

    expect(change).toMatchObject({
      changeType: 'DELETE',
      changeOrigin: '',
      commitUser: '',
      transactionKey: '',
      sequenceNumber: 0,
      changedFields: [],
      nulledFields: [],
      fields: {},
    });
  });

  it('names the replay id and the missing header when the payload has none', () => {
    expect(undecodable({ Name: 'Brasserie Lupulus' })).toMatchObject({
      name: 'UndecodableChangeError',
      replayId: '4711',
      message: 'change event 4711: the payload has no ChangeEventHeader',
    });
  });

  it('names the replay id when the payload is not a record', () => {
    expect(undecodable(null, '99')).toMatchObject({
      replayId: '99',
      message: 'change event 99: the payload is not a record',
    });
  });

  it('names an unknown changeType', () => {
    expect(undecodable(accountUpdate({ changeType: 'MERGE' }))).toMatchObject({
      replayId: '4711',
      message: 'change event 4711: unknown changeType MERGE',
    });
  });

  it.each([
    ['text that is not a number', '2026-01-05T10:00:00Z'],
    ['missing', undefined],
    ['not finite', Number.NaN],
  ])('names a commitTimestamp that is %s', (_case, commitTimestamp) => {
    expect(undecodable(accountUpdate({ commitTimestamp }))).toMatchObject({
      replayId: '4711',
      message: `change event 4711: ChangeEventHeader.commitTimestamp is ${String(commitTimestamp)}, not a number`,
    });
  });

  it('names recordIds that are not a list', () => {
    expect(undecodable(accountUpdate({ recordIds: '001AP00000Xk3MzYAJ' }))).toMatchObject({
      replayId: '4711',
      message: 'change event 4711: ChangeEventHeader.recordIds is not a list of field names',
    });
  });

  it('names an entityName that is not text', () => {
    expect(undecodable(accountUpdate({ entityName: 42 }))).toMatchObject({
      message: 'change event 4711: ChangeEventHeader.entityName is 42, not text',
    });
  });
});

describe('restFieldName', () => {
  it.each([
    ['Name', 'Name'],
    ['Odoo_Id__c', 'Odoo_Id__c'],
    ['BillingAddress.City', 'BillingCity'],
    ['ShippingAddress.PostalCode', 'ShippingPostalCode'],
    ['MailingAddress.Street', 'MailingStreet'],
    ['BillingAddress.Latitude', 'BillingLatitude'],
    ['Address.City', 'City'],
    ['Name.FirstName', 'FirstName'],
    ['Name.LastName', 'LastName'],
  ])('%s is %s', (name, expected) => {
    expect(restFieldName(name)).toBe(expected);
  });
});

describe('isGap', () => {
  it.each([
    ['GAP_CREATE', true],
    ['GAP_UPDATE', true],
    ['GAP_DELETE', true],
    ['GAP_UNDELETE', true],
    ['GAP_OVERFLOW', true],
    ['CREATE', false],
    ['UPDATE', false],
    ['DELETE', false],
    ['SNAPSHOT', false],
  ])('%s is a gap: %s', (changeType, expected) => {
    expect(isGap(readChangePayload(ACCOUNT_CHANNEL, '4711', accountUpdate({ changeType })))).toBe(expected);
  });
});
