import { EchoRules, hubWrote, originClient } from './echo-filter';
import type { SalesforceChange } from './salesforce-change';

const HUB_USER = '005AP000003nJ0BYAU';
const REP_USER = '005AP000001aBcDYAU';
const rules: EchoRules = { clients: ['odoo-hub', 'projector-salesforce'], users: [HUB_USER] };

const change = (changeOrigin: string, commitUser: string): SalesforceChange => ({
  channel: '/data/AccountChangeEvent',
  replayId: '4711',
  entityName: 'Account',
  recordIds: ['001AP00000Xk3MzYAJ'],
  changeType: 'UPDATE',
  changeOrigin,
  commitUser,
  commitTimestamp: Date.UTC(2026, 0, 5, 10, 0, 0),
  transactionKey: '0002f6a1-8c1e-4b7e-2f44-3c9d0e6e1a11',
  sequenceNumber: 1,
  changedFields: ['Name', 'LastModifiedDate'],
  nulledFields: [],
  fields: { Name: 'Brasserie Lupulus' },
});

describe('originClient', () => {
  it.each([
    ['com/salesforce/api/rest/62.0;client=odoo-hub', 'odoo-hub'],
    ['com/salesforce/api/soap/58.0;client=SfdcInternalAPI/', 'SfdcInternalAPI/'],
    ['com/salesforce/api/rest/62.0; client=odoo-hub', 'odoo-hub'],
    ['com/salesforce/api/rest/62.0;client=odoo-hub=eu=1', 'odoo-hub=eu=1'],
  ])('%s names client %s', (origin, expected) => {
    expect(originClient(origin)).toBe(expected);
  });

  it.each([
    ['an API origin without a client part', 'com/salesforce/api/rest/62.0'],
    ['the empty origin of a change made in the UI', ''],
    ['a part that only starts with client', 'com/salesforce/api/rest/62.0;clientId=odoo-hub'],
  ])('names no client for %s', (_case, origin) => {
    expect(originClient(origin)).toBeUndefined();
  });
});

describe('hubWrote', () => {
  it("is 'client' for a write made with one of the hub's client ids", () => {
    expect(hubWrote(change('com/salesforce/api/rest/62.0;client=odoo-hub', REP_USER), rules)).toBe('client');
  });

  it("is 'client' when both the client and the user are the hub's", () => {
    expect(hubWrote(change('com/salesforce/api/rest/62.0;client=projector-salesforce', HUB_USER), rules)).toBe(
      'client',
    );
  });

  it("is 'user' for a change by the hub's integration user without a hub client id", () => {
    expect(hubWrote(change('com/salesforce/api/rest/62.0;client=SfdcInternalAPI/', HUB_USER), rules)).toBe('user');
    expect(hubWrote(change('', HUB_USER), rules)).toBe('user');
  });

  it("is undefined for a rep's change in the UI or through another client", () => {
    expect(hubWrote(change('', REP_USER), rules)).toBeUndefined();
    expect(hubWrote(change('com/salesforce/api/rest/62.0;client=dataloader', REP_USER), rules)).toBeUndefined();
  });

  it('is undefined for a change without a commit user, even when the rules list an empty user', () => {
    expect(hubWrote(change('', ''), { clients: rules.clients, users: [''] })).toBeUndefined();
  });
});
