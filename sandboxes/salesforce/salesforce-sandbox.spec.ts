/**
 * The sandbox driven through jsforce, the client the hub uses, plus raw HTTP where status codes and
 * headers matter (jsforce hides them).
 */
import { Connection } from 'jsforce';

import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import {
  admin,
  CLIENT_ID,
  CLIENT_SECRET,
  connect,
  connectWithToken,
  dump,
  fetchToken,
  raw,
  VERSION,
} from './sandbox.test-client';

describe('Salesforce sandbox', () => {
  let sandbox: SalesforceSandbox;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
  });

  describe('OAuth 2.0 token endpoint', () => {
    it('issues a client-credentials token that jsforce accepts', async () => {
      const conn = new Connection({
        oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: sandbox.url },
        loginUrl: sandbox.url,
        version: VERSION,
      });
      const user = await conn.authorize({ grant_type: 'client_credentials' });

      expect(user.organizationId).toBe(sandbox.state.identity.orgId);
      expect(user.id).toMatch(/^005[A-Za-z0-9]{15}$/);
      expect(conn.instanceUrl).toBe(sandbox.url);
      expect(conn.accessToken).toMatch(/^00D[A-Za-z0-9]{12}!/);
    });

    it('answers the documented token body with the exact JSON content type', async () => {
      const before = Date.now();
      const res = await raw(sandbox, 'POST', '/services/oauth2/token', {
        form: { grant_type: 'client_credentials' },
        headers: { Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}` },
      });

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      const body = res.body as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(
        ['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type'].sort(),
      );
      expect(body['token_type']).toBe('Bearer');
      expect(body['instance_url']).toBe(sandbox.url);
      expect(body['id']).toMatch(new RegExp(`^${sandbox.url}/id/00D[A-Za-z0-9]{15}/005[A-Za-z0-9]{15}$`));
      expect(Number(body['issued_at'])).toBeGreaterThanOrEqual(before);
      expect(body['signature']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    });

    it('refuses a wrong secret with invalid_client, which jsforce raises as the error name', async () => {
      const conn = new Connection({
        oauth2: { clientId: CLIENT_ID, clientSecret: 'wrong', loginUrl: sandbox.url },
        loginUrl: sandbox.url,
        version: VERSION,
      });
      await expect(conn.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({
        name: 'invalid_client',
        message: 'invalid client credentials',
      });
      const res = await raw(sandbox, 'POST', '/services/oauth2/token', {
        form: { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'wrong' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
    });

    it('refuses an unknown client id and an unsupported grant type', async () => {
      const unknown = await raw(sandbox, 'POST', '/services/oauth2/token', {
        form: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: CLIENT_SECRET },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ error: 'invalid_client_id', error_description: 'client identifier invalid' });

      const grant = await raw(sandbox, 'POST', '/services/oauth2/token', {
        form: { grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
      });
      expect(grant.status).toBe(400);
      expect(grant.body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    });

    it('rotates the consumer secret through the admin API, staged (both accepted) or at once', async () => {
      const token = (secret: string) =>
        raw(sandbox, 'POST', '/services/oauth2/token', {
          form: { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: secret },
        });
      const issued = await fetchToken(sandbox);
      try {
        const staged = await admin(sandbox, 'POST', '/oauth/client-secret', { secret: 'second', keepPrevious: true });
        expect(staged.status).toBe(204);
        expect((await token(CLIENT_SECRET)).status).toBe(200);
        expect((await token('second')).status).toBe(200);

        expect((await admin(sandbox, 'POST', '/oauth/client-secret', { secret: 'third' })).status).toBe(204);
        expect((await token('second')).body).toEqual({
          error: 'invalid_client',
          error_description: 'invalid client credentials',
        });
        expect((await token(CLIENT_SECRET)).status).toBe(400);
        expect((await token('third')).status).toBe(200);
        // A token issued before the rotation is still valid.
        expect((await raw(sandbox, 'GET', '/services/data/v62.0/limits', { token: issued })).status).toBe(200);

        const bad = await admin(sandbox, 'POST', '/oauth/client-secret', { secret: '', keepPrevious: 'yes' });
        expect(bad.status).toBe(400);
        expect(bad.body).toEqual({
          error: 'invalid client secret rotation',
          details: ['secret must be a non-empty string', 'keepPrevious must be a boolean'],
        });
      } finally {
        await admin(sandbox, 'POST', '/oauth/client-secret', { secret: CLIENT_SECRET });
      }
    });

    it('supports the username-password flow through conn.login', async () => {
      const conn = new Connection({
        oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: sandbox.url },
        loginUrl: sandbox.url,
        version: VERSION,
      });
      await expect(conn.login('integration@hub.example', 'wrong')).rejects.toMatchObject({ name: 'invalid_grant' });
      await conn.login('integration@hub.example', 'hub-password');
      const result = await conn.query('SELECT COUNT() FROM Account');
      expect(result.totalSize).toBe(0);
    });

    it('exchanges a refresh token when the sandbox is told to issue them', async () => {
      const other = await startSalesforceSandbox({ issueRefreshTokens: true });
      try {
        const first = await raw(other, 'POST', '/services/oauth2/token', {
          form: { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
        });
        const refreshToken = (first.body as { refresh_token: string }).refresh_token;
        expect(refreshToken).toBeTruthy();

        const refreshed = await raw(other, 'POST', '/services/oauth2/token', {
          form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID },
        });
        expect(refreshed.status).toBe(200);
        expect(refreshed.body).not.toHaveProperty('refresh_token');

        const bad = await raw(other, 'POST', '/services/oauth2/token', {
          form: { grant_type: 'refresh_token', refresh_token: 'nope', client_id: CLIENT_ID },
        });
        expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
      } finally {
        await other.close();
      }
    });

    it('expires tokens after their lifetime', async () => {
      let now = Date.parse('2025-01-01T00:00:00Z');
      const other = await startSalesforceSandbox({ tokenTtlMs: 60_000, clock: () => new Date(now) });
      try {
        const token = await fetchToken(other);
        expect((await raw(other, 'GET', `/services/data/v${VERSION}/limits`, { token })).status).toBe(200);
        now += 60_000;
        expect((await raw(other, 'GET', `/services/data/v${VERSION}/limits`, { token })).status).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('REST basics', () => {
    it('rejects calls without a valid bearer token with INVALID_SESSION_ID', async () => {
      const none = await raw(sandbox, 'GET', `/services/data/v${VERSION}/limits`);
      expect(none.status).toBe(401);
      expect(none.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      const bad = await raw(sandbox, 'GET', `/services/data/v${VERSION}/limits`, { token: 'forged' });
      expect(bad.status).toBe(401);
    });

    it('lists versions without authentication and refuses versions below 46.0', async () => {
      const versions = await raw(sandbox, 'GET', '/services/data');
      expect(versions.status).toBe(200);
      expect(versions.body).toEqual(
        expect.arrayContaining([{ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' }]),
      );
      expect(versions.headers.get('sforce-limit-info')).toBeNull();

      const token = await fetchToken(sandbox);
      expect((await raw(sandbox, 'GET', '/services/data/v50.0/limits', { token })).status).toBe(200);
      const old = await raw(sandbox, 'GET', '/services/data/v45.0/limits', { token });
      expect(old.status).toBe(404);
      expect(old.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    });

    it('puts Sforce-Limit-Info on every REST answer and counts each call once', async () => {
      const token = await fetchToken(sandbox);
      const first = await raw(sandbox, 'GET', `/services/data/v${VERSION}/limits`, { token });
      expect(first.headers.get('sforce-limit-info')).toBe('api-usage=1/15000');
      expect(first.body).toMatchObject({ DailyApiRequests: { Max: 15000, Remaining: 14999 } });

      const error = await raw(sandbox, 'GET', `/services/data/v${VERSION}/sobjects/Nope/describe`, { token });
      expect(error.status).toBe(404);
      expect(error.headers.get('sforce-limit-info')).toBe('api-usage=2/15000');

      const conn = await connect(sandbox);
      await conn.query('SELECT Id FROM Account');
      expect(conn.limitInfo.apiUsage).toEqual({ used: 3, limit: 15000 });

      const stats = (await admin(sandbox, 'GET', '/stats')).body;
      expect(stats).toMatchObject({
        apiCalls: 3,
        tokensIssued: 2,
        callsByRoute: { 'GET /limits': 1, 'GET /sobjects/{sobject}/describe': 1, 'GET /query': 1 },
      });
    });

    it('answers 405 for a method a resource does not support', async () => {
      const token = await fetchToken(sandbox);
      const res = await raw(sandbox, 'PUT', `/services/data/v${VERSION}/sobjects/Account/001Hb000000000AAAA`, {
        token,
        body: {},
      });
      expect(res.status).toBe(405);
      expect(res.body).toEqual([
        { errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE" },
      ]);
    });

    it('describes objects from the catalogue, including the external id field', async () => {
      const conn = await connect(sandbox);
      const describe = await conn.sobject('Contact').describe();
      const odoo = describe.fields.find((f) => f.name === 'Odoo_Id__c');
      expect(odoo).toMatchObject({ externalId: true, unique: true, caseSensitive: true, type: 'string' });
      expect(describe.fields.find((f) => f.name === 'AccountId')).toMatchObject({
        referenceTo: ['Account'],
        relationshipName: 'Account',
      });
      expect(describe.keyPrefix).toBe('003');
    });
  });

  describe('upsert by external id', () => {
    it('creates with 201 then updates with 200, through jsforce and on the wire', async () => {
      const conn = await connect(sandbox);
      const created = await conn.sobject('Account').upsert({ Odoo_Id__c: 'cust-42', Name: 'Acme' }, 'Odoo_Id__c');
      expect(created).toEqual({
        id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/),
        success: true,
        errors: [],
        created: true,
      });
      const updated = await conn
        .sobject('Account')
        .upsert({ Odoo_Id__c: 'cust-42', Name: 'Acme Ltd', Phone: '+33 1 23' }, 'Odoo_Id__c');
      expect(updated).toEqual({ id: created.id, success: true, errors: [], created: false });

      const token = await fetchToken(sandbox);
      const path = `/services/data/v${VERSION}/sobjects/Account/Odoo_Id__c`;
      const wireCreate = await raw(sandbox, 'PATCH', `${path}/cust-43`, { token, body: { Name: 'Beta' } });
      expect(wireCreate.status).toBe(201);
      expect(wireCreate.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      const wireUpdate = await raw(sandbox, 'PATCH', `${path}/cust-43`, { token, body: { Name: 'Beta 2' } });
      expect(wireUpdate.status).toBe(200);
      expect(wireUpdate.body).toMatchObject({ created: false, success: true });

      const record = await conn.sobject('Account').retrieve(created.id as string);
      expect(record).toMatchObject({ Name: 'Acme Ltd', Phone: '+33 1 23', Odoo_Id__c: 'cust-42', IsDeleted: false });
      expect(record['CreatedDate']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
      expect(await dump(sandbox, 'Account')).toHaveLength(2);
    });

    it('matches the external id case-sensitively', async () => {
      const conn = await connect(sandbox);
      const a = await conn.sobject('Account').upsert({ Odoo_Id__c: 'ABC', Name: 'Upper' }, 'Odoo_Id__c');
      const b = await conn.sobject('Account').upsert({ Odoo_Id__c: 'abc', Name: 'Lower' }, 'Odoo_Id__c');
      expect(b.created).toBe(true);
      expect(b.id).not.toBe(a.id);
    });

    it('reports REQUIRED_FIELD_MISSING, INVALID_FIELD and STRING_TOO_LONG as Salesforce does', async () => {
      const conn = await connect(sandbox);
      const accounts = conn.sobject('Account');
      await expect(accounts.upsert({ Odoo_Id__c: 'x1', Phone: '1' }, 'Odoo_Id__c')).rejects.toMatchObject({
        errorCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [Name]',
        data: { fields: ['Name'] },
      });
      await expect(accounts.upsert({ Odoo_Id__c: 'x2', Name: 'A', Foo__c: 1 }, 'Odoo_Id__c')).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
        message: "No such column 'Foo__c' on sobject of type Account",
      });
      await expect(
        accounts.upsert({ Odoo_Id__c: 'x3', Name: 'A', BillingPostalCode: '1'.repeat(21) }, 'Odoo_Id__c'),
      ).rejects.toMatchObject({ errorCode: 'STRING_TOO_LONG', data: { fields: ['BillingPostalCode'] } });
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });

    it('refuses the external id field or Id in the body, and unknown fields or objects in the URL', async () => {
      const token = await fetchToken(sandbox);
      const base = `/services/data/v${VERSION}/sobjects`;
      const extInBody = await raw(sandbox, 'PATCH', `${base}/Account/Odoo_Id__c/a`, {
        token,
        body: { Name: 'A', Odoo_Id__c: 'a' },
      });
      expect(extInBody.status).toBe(400);
      expect(extInBody.body).toEqual([
        { errorCode: 'INVALID_FIELD', message: 'The Odoo_Id__c field should not be specified in the sobject data.' },
      ]);
      const idInBody = await raw(sandbox, 'PATCH', `${base}/Account/Odoo_Id__c/a`, {
        token,
        body: { Name: 'A', Id: '001Hb000000000AAAA' },
      });
      expect(idInBody.status).toBe(400);
      expect(idInBody.body).toEqual([
        { errorCode: 'INVALID_FIELD', message: 'The Id field should not be specified in the sobject data.' },
      ]);
      for (const path of [`${base}/Account/Nope__c/a`, `${base}/Account/Name/a`, `${base}/Nope__c/Odoo_Id__c/a`]) {
        const res = await raw(sandbox, 'PATCH', path, { token, body: { Name: 'A' } });
        expect(res.status).toBe(404);
        expect(res.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      }
      const malformed = await raw(sandbox, 'PATCH', `${base}/Account/Odoo_Id__c/a`, { token, body: '{"Name":' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual([expect.objectContaining({ errorCode: 'JSON_PARSER_ERROR' })]);
    });

    it('supports updateOnly=true without creating', async () => {
      const token = await fetchToken(sandbox);
      const res = await raw(
        sandbox,
        'PATCH',
        `/services/data/v${VERSION}/sobjects/Account/Odoo_Id__c/zz?updateOnly=true`,
        {
          token,
          body: { Name: 'Z' },
        },
      );
      expect(res.status).toBe(404);
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });

    it('links a Contact to its Account by the parent external id', async () => {
      const conn = await connect(sandbox);
      const account = await conn.sobject('Account').upsert({ Odoo_Id__c: 'cust-42', Name: 'Acme' }, 'Odoo_Id__c');
      const contact = await conn
        .sobject('Contact')
        .upsert(
          { Odoo_Id__c: 'p-7', FirstName: 'Ada', LastName: 'Lovelace', Account: { Odoo_Id__c: 'cust-42' } },
          'Odoo_Id__c',
        );
      const stored = await conn.sobject('Contact').retrieve(contact.id as string);
      expect(stored['AccountId']).toBe(account.id);
      expect(stored['Name']).toBe('Ada Lovelace');

      await expect(
        conn
          .sobject('Contact')
          .upsert({ Odoo_Id__c: 'p-8', LastName: 'Orphan', Account: { Odoo_Id__c: 'cust-404' } }, 'Odoo_Id__c'),
      ).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
        message: 'Foreign key external ID: cust-404 not found for field Odoo_Id__c in entity Account',
      });
      await expect(
        conn.sobject('Contact').upsert({ Odoo_Id__c: 'p-9', LastName: 'X', Account: { Name: 'Acme' } }, 'Odoo_Id__c'),
      ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD', data: { fields: ['Name'] } });
      expect(await dump(sandbox, 'Contact')).toHaveLength(1);
    });
  });

  describe('records by Id', () => {
    it('retrieves, updates, deletes, then answers ENTITY_IS_DELETED', async () => {
      const conn = await connect(sandbox);
      const { id } = await conn.sobject('Account').upsert({ Odoo_Id__c: 'd-1', Name: 'Doomed' }, 'Odoo_Id__c');
      const accountId = id as string;
      await conn.sobject('Account').update({ Id: accountId, Website: 'https://doomed.example' });
      expect(await conn.sobject('Account').retrieve(accountId)).toMatchObject({ Website: 'https://doomed.example' });

      const token = await fetchToken(sandbox);
      const path = `/services/data/v${VERSION}/sobjects/Account/${accountId}`;
      const partial = await raw(sandbox, 'GET', `${path}?fields=Name,Odoo_Id__c`, { token });
      expect(partial.body).toEqual({
        attributes: { type: 'Account', url: path },
        Name: 'Doomed',
        Odoo_Id__c: 'd-1',
      });
      const fifteen = await raw(
        sandbox,
        'GET',
        `/services/data/v${VERSION}/sobjects/Account/${accountId.slice(0, 15)}`,
        {
          token,
        },
      );
      expect(fifteen.status).toBe(200);

      const deleted = await raw(sandbox, 'DELETE', path, { token });
      expect(deleted.status).toBe(204);
      expect(deleted.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
      for (const method of ['GET', 'DELETE', 'PATCH']) {
        const again = await raw(sandbox, method, path, { token, body: method === 'PATCH' ? { Name: 'x' } : undefined });
        expect(again.status).toBe(404);
        expect(again.body).toEqual([{ message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED', fields: [] }]);
      }
      const unknown = await raw(sandbox, 'GET', `/services/data/v${VERSION}/sobjects/Account/not-an-id`, { token });
      expect(unknown.body).toEqual([
        {
          errorCode: 'NOT_FOUND',
          message: 'Provided external ID field does not exist or is not accessible: not-an-id',
        },
      ]);

      // A deleted row no longer owns its external id: an upsert creates a new record.
      const again = await conn.sobject('Account').upsert({ Odoo_Id__c: 'd-1', Name: 'Reborn' }, 'Odoo_Id__c');
      expect(again.created).toBe(true);
      expect(again.id).not.toBe(accountId);
    });
  });

  describe('sObject Collections delete', () => {
    it('deletes by ids in one call with a result per id, in order; a missing id fails alone', async () => {
      const conn = await connect(sandbox);
      const created = await conn.sobject('Account').upsert(
        [
          { Odoo_Id__c: 'x-1', Name: 'One' },
          { Odoo_Id__c: 'x-2', Name: 'Two' },
        ],
        'Odoo_Id__c',
      );
      const ids = created.map((r) => r.id as string);
      const results = await conn
        .sobject('Account')
        .destroy([ids[0], '001000000000000AAA', ids[1]], { allOrNone: false });
      expect(results).toEqual([
        { id: ids[0], success: true, errors: [] },
        {
          id: '001000000000000AAA',
          success: false,
          errors: [expect.objectContaining({ statusCode: 'INVALID_CROSS_REFERENCE_KEY' })],
        },
        { id: ids[1], success: true, errors: [] },
      ]);
      // Deleted rows go to the recycle bin, as in Salesforce: flagged IsDeleted, left out of queries.
      expect((await dump(sandbox, 'Account')).map((r) => r['IsDeleted'])).toEqual([true, true]);
      expect(await conn.query('SELECT Id FROM Account')).toMatchObject({ totalSize: 0 });
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        callsByRoute: { 'DELETE /composite/sobjects': 1 },
      });
    });

    it('with allOrNone, deletes nothing when one id fails', async () => {
      const conn = await connect(sandbox);
      const { id } = await conn.sobject('Account').upsert({ Odoo_Id__c: 'y-1', Name: 'Kept' }, 'Odoo_Id__c');
      const results = await conn.sobject('Account').destroy([id as string, '001000000000000AAA'], { allOrNone: true });
      expect(results.every((r) => !r.success)).toBe(true);
      expect((await dump(sandbox, 'Account')).map((r) => [r['Name'], r['IsDeleted']])).toEqual([['Kept', false]]);
    });
  });

  describe('sObject Collections create', () => {
    it('creates each record on its own, one result per record in order', async () => {
      const conn = await connect(sandbox);
      const results = await conn.sobject('Account').create([{ Name: 'One' }, { Phone: 'no name' }, { Name: 'Three' }]);
      expect(results.map((r) => r.success)).toEqual([true, false, true]);
      expect(results[1]).toMatchObject({ errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })] });
      expect((await dump(sandbox, 'Account')).map((r) => r['Name'])).toEqual(['One', 'Three']);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        callsByRoute: { 'POST /composite/sobjects': 1 },
      });
    });

    it('with allOrNone, creates nothing when one record fails', async () => {
      const conn = await connect(sandbox);
      const results = await conn.sobject('Account').create([{ Name: 'One' }, { Phone: 'x' }], { allOrNone: true });
      expect(results.every((r) => !r.success)).toBe(true);
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });
  });

  describe('sObject Collections update', () => {
    it('updates records of one or several objects by id, each on its own, one result per record in order', async () => {
      const conn = await connect(sandbox);
      const [account] = await conn.sobject('Account').create([{ Name: 'Rep Co' }]);
      const { id: contactId } = await conn.sobject('Contact').create({ LastName: 'Rep' });
      const accountId = account.id as string;
      // jsforce sends the collections update with a lowercase `id` and each record's attributes.type.
      const results = await conn.sobject('Account').update(
        [
          { Id: accountId, Odoo_Id__c: 'odoo-partner-1', Phone: '1' },
          { Id: '001000000000000AAA', Phone: '2' },
          { Id: accountId.slice(0, 14), Phone: '3' },
        ],
        { allOrNone: false },
      );
      expect(results).toEqual([
        { id: accountId, success: true, errors: [] },
        { success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_CROSS_REFERENCE_KEY' })] },
        { success: false, errors: [expect.objectContaining({ statusCode: 'MALFORMED_ID', fields: ['Id'] })] },
      ]);
      const res = await raw(sandbox, 'PATCH', `/services/data/v${VERSION}/composite/sobjects`, {
        token: conn.accessToken!,
        body: {
          records: [
            { attributes: { type: 'Contact' }, id: contactId, Title: 'Buyer' },
            { attributes: { type: 'Account' }, Name: 'no id' },
            { attributes: { type: 'Account' }, id: contactId, Name: 'a contact id' },
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { id: contactId, success: true, errors: [] },
        { success: false, errors: [expect.objectContaining({ statusCode: 'MISSING_ARGUMENT' })] },
        { success: false, errors: [expect.objectContaining({ statusCode: 'MALFORMED_ID' })] },
      ]);
      expect((await dump(sandbox, 'Account')).map((r) => [r['Name'], r['Odoo_Id__c'], r['Phone']])).toEqual([
        ['Rep Co', 'odoo-partner-1', '1'],
      ]);
      expect((await dump(sandbox, 'Contact')).map((r) => r['Title'])).toEqual(['Buyer']);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        callsByRoute: { 'PATCH /composite/sobjects': 2 },
      });
    });

    it('never creates, refuses a deleted record, and with allOrNone updates nothing when one record fails', async () => {
      const conn = await connect(sandbox);
      const [kept, gone] = await conn.sobject('Account').create([{ Name: 'Kept' }, { Name: 'Gone' }]);
      await conn.sobject('Account').destroy(gone.id as string);
      const one = await conn.sobject('Account').update([{ Id: gone.id as string, Phone: '1' }], { allOrNone: false });
      expect(one).toEqual([{ success: false, errors: [expect.objectContaining({ statusCode: 'ENTITY_IS_DELETED' })] }]);
      const all = await conn.sobject('Account').update(
        [
          { Id: kept.id as string, Phone: '2' },
          { Id: kept.id as string, Name: '' },
        ],
        { allOrNone: true },
      );
      expect(all.every((r) => !r.success)).toBe(true);
      expect((await dump(sandbox, 'Account')).map((r) => [r['Name'], r['Phone'], r['IsDeleted']])).toEqual([
        ['Kept', null, false],
        ['Gone', null, true],
      ]);
    });
  });

  describe('sObject Collections upsert', () => {
    it('answers per-record results in order; a failing record does not stop the others', async () => {
      const conn = await connect(sandbox);
      await conn.sobject('Account').upsert({ Odoo_Id__c: 'c-2', Name: 'Before' }, 'Odoo_Id__c');
      const results = await conn.sobject('Account').upsert(
        [
          { Odoo_Id__c: 'c-1', Name: 'One' },
          { Odoo_Id__c: 'c-2', Name: 'Two' },
          { Odoo_Id__c: 'c-3', Phone: '3' },
        ],
        'Odoo_Id__c',
      );
      expect(results).toEqual([
        { id: expect.stringMatching(/^001/), success: true, errors: [], created: true },
        { id: expect.stringMatching(/^001/), success: true, errors: [], created: false },
        {
          success: false,
          created: false,
          errors: [
            { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
          ],
        },
      ]);
      const names = (await dump(sandbox, 'Account')).map((r) => r['Name']).sort();
      expect(names).toEqual(['One', 'Two']);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        callsByRoute: { 'PATCH /composite/sobjects/{sobject}/{field}': 1 },
      });
    });

    it('reports a field value error (bad email) per record', async () => {
      const conn = await connect(sandbox);
      const results = await conn.sobject('Contact').upsert(
        [
          { Odoo_Id__c: 'p-1', LastName: 'Good', Email: 'good@example.com' },
          { Odoo_Id__c: 'p-2', LastName: 'Bad', Email: 'not-an-email' },
        ],
        'Odoo_Id__c',
      );
      expect(results[0]).toMatchObject({ success: true });
      expect(results[1]).toEqual({
        success: false,
        created: false,
        errors: [
          {
            statusCode: 'INVALID_EMAIL_ADDRESS',
            message: 'Email: invalid email address: not-an-email',
            fields: ['Email'],
          },
        ],
      });
    });

    it('fails the whole request for an unknown column, committing nothing', async () => {
      const conn = await connect(sandbox);
      await expect(
        conn.sobject('Account').upsert(
          [
            { Odoo_Id__c: 'u-1', Name: 'One' },
            { Odoo_Id__c: 'u-2', Name: 'Two', Foo__c: 'x' },
          ],
          'Odoo_Id__c',
        ),
      ).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
        message: "No such column 'Foo__c' on sobject of type Account",
      });
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });

    it('rolls everything back with allOrNone and marks the others ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
      const conn = await connect(sandbox);
      const results = await conn.sobject('Account').upsert(
        [
          { Odoo_Id__c: 'a-1', Name: 'One' },
          { Odoo_Id__c: 'a-2', Website: 'x' },
          { Odoo_Id__c: 'a-3', Name: 'Three' },
        ],
        'Odoo_Id__c',
        { allOrNone: true },
      );
      const rolledBack = {
        success: false,
        created: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      };
      expect(results).toEqual([
        rolledBack,
        expect.objectContaining({
          success: false,
          errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
        }),
        rolledBack,
      ]);
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });

    it('fails every record sharing an external id value within one request', async () => {
      const conn = await connect(sandbox);
      const results = await conn.sobject('Account').upsert(
        [
          { Odoo_Id__c: 'dup', Name: 'First' },
          { Odoo_Id__c: 'solo', Name: 'Solo' },
          { Odoo_Id__c: 'dup', Name: 'Second' },
        ],
        'Odoo_Id__c',
      );
      const duplicate = {
        success: false,
        created: false,
        errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'Duplicate external id specified: dup', fields: [] }],
      };
      expect(results).toEqual([duplicate, expect.objectContaining({ success: true }), duplicate]);
    });

    it('refuses more than 200 records with 400 EXCEEDED_ID_LIMIT', async () => {
      const conn = await connect(sandbox);
      const records = Array.from({ length: 201 }, (_, i) => ({ Odoo_Id__c: `bulk-${i}`, Name: `Bulk ${i}` }));
      await expect(conn.sobject('Account').upsert(records, 'Odoo_Id__c')).rejects.toMatchObject({
        errorCode: 'EXCEEDED_ID_LIMIT',
        message: 'record limit reached. cannot submit more than 200 records into this call',
      });
      expect(await dump(sandbox, 'Account')).toEqual([]);
      const exactly200 = await conn.sobject('Account').upsert(records.slice(0, 200), 'Odoo_Id__c');
      expect(exactly200.every((r) => r.success)).toBe(true);
    });

    it('refuses records without attributes.type or of another type than the URI', async () => {
      const token = await fetchToken(sandbox);
      const path = `/services/data/v${VERSION}/composite/sobjects/Account/Odoo_Id__c`;
      const missing = await raw(sandbox, 'PATCH', path, { token, body: { records: [{ Odoo_Id__c: 'a', Name: 'A' }] } });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_TYPE' })]);
      const other = await raw(sandbox, 'PATCH', path, {
        token,
        body: { records: [{ attributes: { type: 'Contact' }, Odoo_Id__c: 'a', LastName: 'A' }] },
      });
      expect(other.status).toBe(400);
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });
  });

  describe('query', () => {
    async function seed(conn: Connection) {
      await conn.sobject('Account').upsert(
        [
          { Odoo_Id__c: 'cust-1', Name: 'Acme', BillingCity: 'Paris', Industry: 'Retail' },
          { Odoo_Id__c: 'cust-2', Name: 'Globex', BillingCity: 'Lyon' },
          { Odoo_Id__c: 'cust-3', Name: 'Initech', BillingCity: 'Paris' },
        ],
        'Odoo_Id__c',
      );
      await conn.sobject('Contact').upsert(
        [
          { Odoo_Id__c: 'p-1', LastName: 'Ada', Account: { Odoo_Id__c: 'cust-1' } },
          { Odoo_Id__c: 'p-2', LastName: 'Bob', Account: { Odoo_Id__c: 'cust-2' } },
          { Odoo_Id__c: 'p-3', LastName: 'Cy' },
        ],
        'Odoo_Id__c',
      );
    }

    it('filters with WHERE, AND/OR, IN, != null, orders and limits', async () => {
      const conn = await connect(sandbox);
      await seed(conn);
      const paris = await conn.query<{ Name: string }>(
        "SELECT Id, Name FROM Account WHERE BillingCity = 'paris' ORDER BY Name DESC",
      );
      expect(paris.totalSize).toBe(2);
      expect(paris.done).toBe(true);
      expect(paris.records.map((r) => r.Name)).toEqual(['Initech', 'Acme']);
      expect(paris.records[0]).toMatchObject({
        attributes: {
          type: 'Account',
          url: expect.stringMatching(new RegExp(`^/services/data/v${VERSION}/sobjects/Account/001`)),
        },
      });

      const either = await conn.query("SELECT Name FROM Account WHERE Name = 'Acme' OR BillingCity = 'Lyon'");
      expect(either.totalSize).toBe(2);
      const inList = await conn.query("SELECT Name FROM Account WHERE Odoo_Id__c IN ('cust-1', 'cust-3') LIMIT 1");
      expect(inList.records).toHaveLength(1);
      const industry = await conn.query('SELECT Name FROM Account WHERE Industry != null');
      expect(industry.records.map((r) => r['Name'])).toEqual(['Acme']);
      const like = await conn.query("SELECT Name FROM Account WHERE Name LIKE 'g%'");
      expect(like.records.map((r) => r['Name'])).toEqual(['Globex']);
    });

    it('orders by Id as the Ids are stored, case and all, so records made one after another come in that order', async () => {
      // Serials 34 to 37 are the base-62 digits Y, Z, a, b: a case-blind sort would put a and b first.
      const org = await startSalesforceSandbox({
        port: 0,
        pubSubPort: null,
        recordIds: { pod: 'Hb', firstSerial: 34 },
      });
      try {
        const conn = await connect(org);
        const created = await conn
          .sobject('Account')
          .create(['W', 'X', 'Y', 'Z'].map((n) => ({ Name: `Account ${n}` })));
        const ids = created.map((c) => String(c.id));
        expect(ids.map((id) => id.slice(14, 15))).toEqual(['Y', 'Z', 'a', 'b']);
        const asc = await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id');
        expect(asc.records.map((r) => r.Id)).toEqual(ids);
        const desc = await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id DESC');
        expect(desc.records.map((r) => r.Id)).toEqual([...ids].reverse());
      } finally {
        await org.close();
      }
    });

    it('selects parent fields through a relationship and filters on them', async () => {
      const conn = await connect(sandbox);
      await seed(conn);
      const result = await conn.query(
        "SELECT LastName, Account.Odoo_Id__c, Account.Name FROM Contact WHERE Account.BillingCity = 'Paris'",
      );
      expect(result.records).toEqual([
        {
          attributes: { type: 'Contact', url: expect.any(String) },
          LastName: 'Ada',
          Account: { attributes: { type: 'Account', url: expect.any(String) }, Odoo_Id__c: 'cust-1', Name: 'Acme' },
        },
      ]);
      const orphan = await conn.query("SELECT LastName, Account.Name FROM Contact WHERE Odoo_Id__c = 'p-3'");
      expect(orphan.records[0]).toMatchObject({ LastName: 'Cy', Account: null });
    });

    it('counts with COUNT() and leaves deleted rows out (queryAll keeps them)', async () => {
      const conn = await connect(sandbox);
      await seed(conn);
      const acme = await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Odoo_Id__c = 'cust-1'");
      await conn.sobject('Account').destroy((acme.records[0] as { Id: string }).Id);

      const count = await conn.query('SELECT COUNT() FROM Account');
      expect(count).toEqual({ totalSize: 2, done: true, records: [] });
      const all = await conn.query('SELECT Id, IsDeleted FROM Account WHERE IsDeleted = true').scanAll(true);
      expect(all.totalSize).toBe(1);
      expect(all.records[0]).toMatchObject({ IsDeleted: true });
      const contact = await conn.query("SELECT Account.Name FROM Contact WHERE Odoo_Id__c = 'p-1'");
      expect(contact.records[0]).toMatchObject({ Account: null });
    });

    it('answers MALFORMED_QUERY and INVALID_FIELD like Salesforce', async () => {
      const conn = await connect(sandbox);
      await expect(conn.query('SELECT Id FROM Account WHERE')).rejects.toMatchObject({
        errorCode: 'MALFORMED_QUERY',
        message: expect.stringContaining('ERROR at Row:1:Column:29\nunexpected token: <EOF>'),
      });
      await expect(
        conn.query("SELECT Id FROM Account WHERE Name = 'a' AND Phone = 'b' OR Id != null"),
      ).rejects.toMatchObject({
        errorCode: 'MALFORMED_QUERY',
      });
      await expect(conn.query('SELECT Nope__c FROM Account')).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
        message: expect.stringContaining("No such column 'Nope__c' on entity 'Account'"),
      });
      await expect(conn.query('SELECT Id FROM Account WHERE Name = 5')).rejects.toMatchObject({
        errorCode: 'INVALID_FIELD',
        message: expect.stringContaining("value of filter criterion for field 'Name' must be of type string"),
      });
      await expect(conn.query('SELECT Id FROM Nope__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    });

    it('pages results above 2000 rows with nextRecordsUrl, which jsforce follows', async () => {
      const seeded = await admin(
        sandbox,
        'POST',
        '/records/Account',
        Array.from({ length: 2100 }, (_, i) => ({ Name: `Bulk ${i}`, Odoo_Id__c: `b-${i}` })),
      );
      expect(seeded.status).toBe(200);
      const token = await fetchToken(sandbox);
      const first = await raw(
        sandbox,
        'GET',
        `/services/data/v${VERSION}/query?q=${encodeURIComponent('SELECT Id FROM Account')}`,
        {
          token,
        },
      );
      expect(first.body).toMatchObject({
        totalSize: 2100,
        done: false,
        nextRecordsUrl: expect.stringMatching(/\/query\/01g/),
      });

      const conn = await connect(sandbox);
      const result = await conn.query('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 5000 });
      expect(result.records).toHaveLength(2100);
      expect(new Set(result.records.map((r) => r['Id'])).size).toBe(2100);
      expect(((await admin(sandbox, 'GET', '/stats')).body as { callsByRoute: object }).callsByRoute).toMatchObject({
        'GET /query': 2,
        'GET /query/{locator}': 1,
      });
    });
  });

  describe('API limits', () => {
    it('answers 403 REQUEST_LIMIT_EXCEEDED once the daily allowance is spent', async () => {
      expect((await admin(sandbox, 'POST', '/limits', { max: 3 })).status).toBe(200);
      const conn = await connect(sandbox);
      for (let i = 0; i < 3; i++) await conn.query('SELECT COUNT() FROM Account');
      await expect(conn.query('SELECT COUNT() FROM Account')).rejects.toMatchObject({
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
        message: 'TotalRequests Limit exceeded.',
      });
      const token = await fetchToken(sandbox);
      const res = await raw(sandbox, 'GET', `/services/data/v${VERSION}/limits`, { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
      expect(res.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    });
  });

  describe('fault injection', () => {
    it('validates the fault configuration and reports it back', async () => {
      const bad = await admin(sandbox, 'POST', '/faults', { status503Rate: 2, bogus: true });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({
        error: 'invalid fault configuration',
        details: ['status503Rate must be a number in [0, 1]', 'unknown fault: bogus'],
      });
      const ok = await admin(sandbox, 'POST', '/faults', { latencyMs: 5, seed: 7 });
      expect(ok.body).toMatchObject({ faults: { latencyMs: 5, seed: 7, status503Rate: 0 } });
      expect((await admin(sandbox, 'GET', '/faults')).body).toMatchObject({ latencyMs: 5 });
      expect((await admin(sandbox, 'DELETE', '/faults')).status).toBe(204);
      expect((await admin(sandbox, 'GET', '/faults')).body).toMatchObject({ latencyMs: 0 });
    });

    it('expireTokens: the next call gets 401, and a new token works', async () => {
      const conn = await connectWithToken(sandbox);
      await conn.query('SELECT COUNT() FROM Account');
      const set = await admin(sandbox, 'POST', '/faults', { expireTokens: true });
      expect((set.body as { expiredTokens: number }).expiredTokens).toBeGreaterThanOrEqual(1);

      await expect(conn.query('SELECT COUNT() FROM Account')).rejects.toMatchObject({
        errorCode: 'INVALID_SESSION_ID',
      });
      conn.accessToken = await fetchToken(sandbox);
      expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    });

    it('expireTokens: a jsforce connection with a refresh function recovers on its own', async () => {
      const conn = await connect(sandbox);
      const issued = ((await admin(sandbox, 'GET', '/stats')).body as { tokensIssued: number }).tokensIssued;
      await admin(sandbox, 'POST', '/faults', { expireTokens: true });
      const result = await conn.sobject('Account').upsert({ Odoo_Id__c: 'after-expiry', Name: 'A' }, 'Odoo_Id__c');
      expect(result.success).toBe(true);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({ tokensIssued: issued + 1 });
    });

    it('status503Rate: answers 503 SERVER_UNAVAILABLE without committing', async () => {
      const conn = await connect(sandbox);
      await admin(sandbox, 'POST', '/faults', { status503Rate: 1 });
      await expect(
        conn.sobject('Account').upsert({ Odoo_Id__c: 'n-1', Name: 'Never' }, 'Odoo_Id__c'),
      ).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
      const token = await fetchToken(sandbox);
      const res = await raw(sandbox, 'PATCH', `/services/data/v${VERSION}/sobjects/Account/Odoo_Id__c/n-2`, {
        token,
        body: { Name: 'Never' },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(res.body).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
      await admin(sandbox, 'DELETE', '/faults');
      expect(await dump(sandbox, 'Account')).toEqual([]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        faultsInjected: { status503: 2 },
        apiCalls: 0,
      });
    });

    it('unableToLockRowRate: a single upsert answers 400 UNABLE_TO_LOCK_ROW', async () => {
      const conn = await connect(sandbox);
      const { id } = await conn.sobject('Account').upsert({ Odoo_Id__c: 'l-1', Name: 'Locked' }, 'Odoo_Id__c');
      await admin(sandbox, 'POST', '/faults', { unableToLockRowRate: 1 });
      await expect(
        conn.sobject('Account').upsert({ Odoo_Id__c: 'l-1', Name: 'Changed' }, 'Odoo_Id__c'),
      ).rejects.toMatchObject({
        errorCode: 'UNABLE_TO_LOCK_ROW',
        message: `unable to obtain exclusive access to this record or 1 records: ${String(id)}`,
      });
      expect((await dump(sandbox, 'Account'))[0]).toMatchObject({ Name: 'Locked' });
    });

    it('unableToLockRowRate: collections fail per record, deterministically for a seed', async () => {
      const conn = await connect(sandbox);
      const records = Array.from({ length: 20 }, (_, i) => ({ Odoo_Id__c: `s-${i}`, Name: `S ${i}` }));
      const run = async () => {
        await admin(sandbox, 'POST', '/reset');
        await admin(sandbox, 'POST', '/faults', { unableToLockRowRate: 0.5, seed: 42 });
        const results = await conn.sobject('Account').upsert(records, 'Odoo_Id__c');
        return results.map((r) => (r.success ? 'ok' : (r.errors[0] as unknown as { statusCode: string }).statusCode));
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
      expect(first).toContain('ok');
      expect(first).toContain('UNABLE_TO_LOCK_ROW');
      expect(await dump(sandbox, 'Account')).toHaveLength(first.filter((r) => r === 'ok').length);
    });

    it('requestLimitExceeded: every REST call answers 403 until cleared', async () => {
      const conn = await connect(sandbox);
      await admin(sandbox, 'POST', '/faults', { requestLimitExceeded: true });
      await expect(conn.query('SELECT COUNT() FROM Account')).rejects.toMatchObject({
        errorCode: 'REQUEST_LIMIT_EXCEEDED',
      });
      await admin(sandbox, 'DELETE', '/faults');
      expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    });

    it('latencyMs delays REST answers', async () => {
      const conn = await connect(sandbox);
      await admin(sandbox, 'POST', '/faults', { latencyMs: 150 });
      const started = Date.now();
      await conn.query('SELECT COUNT() FROM Account');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('commitThenTimeout: the write commits, yet the client sees the connection drop', async () => {
      const conn = await connect(sandbox);
      await admin(sandbox, 'POST', '/faults', { commitThenTimeoutRate: 1, commitThenTimeoutMs: 100 });
      await expect(
        conn.sobject('Account').upsert({ Odoo_Id__c: 'ghost', Name: 'Committed' }, 'Odoo_Id__c'),
      ).rejects.toThrow(/socket hang up|ECONNRESET/);
      await admin(sandbox, 'DELETE', '/faults');

      expect(await dump(sandbox, 'Account')).toEqual([
        expect.objectContaining({ Odoo_Id__c: 'ghost', Name: 'Committed' }),
      ]);
      // The retry the client should make is an update, not a duplicate.
      const retry = await conn.sobject('Account').upsert({ Odoo_Id__c: 'ghost', Name: 'Committed' }, 'Odoo_Id__c');
      expect(retry.created).toBe(false);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({ faultsInjected: { commitThenTimeout: 1 } });
    });
  });

  describe('admin API', () => {
    it('seeds and dumps records, and reset wipes data and counters', async () => {
      const seeded = await admin(sandbox, 'POST', '/records/Contact', [
        { LastName: 'Seed', Email: 'bad' },
        { LastName: 'Ok' },
      ]);
      expect(seeded.body).toEqual([
        { success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_EMAIL_ADDRESS' })] },
        { id: expect.stringMatching(/^003/), success: true, errors: [] },
      ]);
      expect(await dump(sandbox, 'Contact')).toEqual([
        expect.objectContaining({ attributes: { type: 'Contact' }, LastName: 'Ok', IsDeleted: false }),
      ]);
      expect((await admin(sandbox, 'GET', '/records/Nope')).status).toBe(404);

      await connect(sandbox);
      await admin(sandbox, 'POST', '/reset');
      expect(await dump(sandbox, 'Contact')).toEqual([]);
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({
        apiCalls: 0,
        tokensIssued: 0,
        callsByRoute: {},
      });
    });

    it('adds up the time spent answering API requests, without injected latency, and reset zeroes it', async () => {
      // A reset keeps the allowance's max, which another test may have lowered: this one needs a few calls.
      expect((await admin(sandbox, 'POST', '/limits', { max: 15_000, used: 0 })).status).toBe(200);
      const conn = await connect(sandbox);
      const latencyMs = 40;
      expect((await admin(sandbox, 'POST', '/faults', { latencyMs })).status).toBe(200);
      const calls = 5;
      const started = performance.now();
      for (let call = 0; call < calls; call++) {
        const accounts = Array.from({ length: 200 }, (_, i) => ({ Odoo_Id__c: `t-${call}-${i}`, Name: `T ${i}` }));
        await conn.sobject('Account').upsert(accounts, 'Odoo_Id__c');
      }
      const wallMs = performance.now() - started;
      const stats = (await admin(sandbox, 'GET', '/stats')).body as { apiHandlingMs: number; apiCalls: number };
      // A thousand upserts take some time; the latency the fault added to each call is not the org's work.
      expect(stats.apiHandlingMs).toBeGreaterThan(0);
      expect(stats.apiHandlingMs).toBeLessThanOrEqual(wallMs - stats.apiCalls * latencyMs + 1);

      await admin(sandbox, 'POST', '/reset');
      expect((await admin(sandbox, 'GET', '/stats')).body).toMatchObject({ apiHandlingMs: 0, bulkProcessingMs: 0 });
    });
  });
});
