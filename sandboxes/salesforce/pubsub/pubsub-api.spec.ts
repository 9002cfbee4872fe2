/**
 * The Pub/Sub API end to end: records written through the sandbox's REST API with jsforce, change events received
 * with the npm client the hub may use (salesforce-pubsub-api-client) and with a plain gRPC client that trusts the
 * sandbox's certificate, decoded with the schemas the API serves.
 */
import { status } from '@grpc/grpc-js';
import { Type } from 'avsc';
import type { Connection } from 'jsforce';
import type PubSubApiClient from 'salesforce-pubsub-api-client';

import { startSalesforceSandbox, type SalesforceSandbox } from '../salesforce-sandbox';
import { SandboxClient } from '../sandbox.client';
import { admin, fetchToken, raw, VERSION } from '../sandbox.test-client';
import { decodeReplayId, encodeReplayId } from './event-bus';
import {
  authHeaders,
  connectAs,
  errorCode,
  npmClient,
  rawClient,
  RawSubscription,
  recorder,
  unary,
  waitUntil,
  type RawClient,
  type RawFetchResponse,
} from './pubsub.test-client';

const ACCOUNTS = '/data/AccountChangeEvent';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Salesforce sandbox: Pub/Sub API (Change Data Capture)', () => {
  jest.setTimeout(20_000);
  let sandbox: SalesforceSandbox;
  let conn: Connection;
  let grpc: RawClient;
  const npmClients: { client: PubSubApiClient; rec?: ReturnType<typeof recorder> }[] = [];
  const streams: RawSubscription[] = [];

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, pubSubKeepaliveMs: 150, pubSubIdleTimeoutMs: 800 });
  });

  afterAll(async () => {
    grpc?.close();
    await sandbox.close();
  });

  beforeEach(async () => {
    expect((await admin(sandbox, 'POST', '/reset')).status).toBe(204);
    conn = await connectAs(sandbox, 'hub-test');
    grpc = rawClient(sandbox, await authHeaders(sandbox));
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.cancel();
    // The npm client drops its listeners on close without cancelling its calls: end the streams on the server first.
    await admin(sandbox, 'POST', '/pubsub/streams/close', { status: { code: 'CANCELLED' } });
    for (const { client, rec } of npmClients.splice(0)) {
      await rec?.waitFor((calls) => calls.some((c) => c.type === 'error' || c.type === 'end'), 2000).catch(() => {});
      client.close();
    }
    grpc.close();
  });

  async function subscribeNpm(topic: string, numRequested: number, from?: number) {
    const client = await npmClient(sandbox);
    const rec = recorder();
    npmClients.push({ client, rec });
    if (from === undefined) client.subscribeFromEarliestEvent(topic, rec.callback, numRequested);
    else client.subscribeFromReplayId(topic, rec.callback, numRequested, from);
    return rec;
  }

  function subscribeRaw(first: ConstructorParameters<typeof RawSubscription>[1], client = grpc): RawSubscription {
    const s = new RawSubscription(client, first);
    streams.push(s);
    return s;
  }

  /** Decodes raw events with the schema GetSchema serves for each. */
  async function decode(events: RawFetchResponse['events']): Promise<Record<string, unknown>[]> {
    const types = new Map<string, Type>();
    const out = [];
    for (const e of events) {
      let type = types.get(e.event.schema_id);
      if (!type) {
        const info = await unary(grpc, 'GetSchema', { schema_id: e.event.schema_id });
        type = Type.forSchema(JSON.parse(info['schema_json'] as string) as Parameters<typeof Type.forSchema>[0]);
        types.set(e.event.schema_id, type);
      }
      out.push(type.fromBuffer(e.event.payload) as Record<string, unknown>);
    }
    return out;
  }

  const header = (payload: Record<string, unknown>) => payload['ChangeEventHeader'] as Record<string, unknown>;

  describe('with the npm client (salesforce-pubsub-api-client)', () => {
    it('delivers a CREATE with every field, a faithful header and the writer’s client id in changeOrigin', async () => {
      const events = await subscribeNpm(ACCOUNTS, 1);
      const before = Date.now();
      const created = await conn.sobject('Account').create({
        Name: 'Acme',
        Phone: '+33 1 23',
        BillingStreet: '1 rue de la Paix',
        BillingCity: 'Paris',
        Odoo_Id__c: 'cust-1',
      });
      await events.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));

      const [event] = events.events();
      expect(event?.id).toMatch(UUID);
      expect(event?.schemaId).toBe(sandbox.state.changeEvents.forObject('Account')?.schemaId);
      expect(event?.replayId).toBe(sandbox.state.bus.latestReplayId);
      expect(event?.payload.ChangeEventHeader).toEqual({
        entityName: 'Account',
        recordIds: [created.id],
        changeType: 'CREATE',
        changeOrigin: `com/salesforce/api/rest/${VERSION};client=hub-test`,
        transactionKey: expect.stringMatching(UUID),
        sequenceNumber: 1,
        commitTimestamp: expect.any(Number),
        commitNumber: expect.any(Number),
        commitUser: sandbox.state.identity.userId,
        nulledFields: [],
        diffFields: [],
        changedFields: [],
      });
      const commitTimestamp = event?.payload.ChangeEventHeader['commitTimestamp'] as number;
      expect(commitTimestamp).toBeGreaterThanOrEqual(before);
      expect(commitTimestamp).toBeLessThanOrEqual(Date.now());
      const [row] = (await conn.query<Record<string, string>>(`SELECT CreatedDate FROM Account`)).records;
      expect(event?.payload).toMatchObject({
        Name: 'Acme',
        Phone: '+33 1 23',
        Website: null,
        BillingAddress: { Street: '1 rue de la Paix', City: 'Paris', PostalCode: null, Country: null },
        Odoo_Id__c: 'cust-1',
        Odoo_Deleted__c: false,
        CreatedDate: Date.parse((row?.['CreatedDate'] ?? '').replace('+0000', 'Z')),
      });
      expect(event?.payload).not.toHaveProperty('Id');
      expect(event?.payload).not.toHaveProperty('SystemModstamp');
      expect(event?.payload).not.toHaveProperty('IsDeleted');
    });

    it('delivers an UPDATE with only the changed fields, decoded from the changedFields and nulledFields bitmaps', async () => {
      const { id } = await conn
        .sobject('Account')
        .create({ Name: 'Acme', Website: 'acme.example', BillingCity: 'Paris' });
      const events = await subscribeNpm(ACCOUNTS, 2);
      await conn.sobject('Account').update({ Id: id as string, Phone: '+33 9', Website: null, BillingCity: 'Lyon' });
      await events.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));

      const update = events.events()[1];
      expect(update?.payload.ChangeEventHeader).toMatchObject({
        changeType: 'UPDATE',
        recordIds: [id],
        changedFields: ['Phone', 'Website', 'LastModifiedDate', 'BillingAddress.City'],
        nulledFields: ['Website'],
        diffFields: [],
      });
      expect(update?.payload).toMatchObject({
        Name: null,
        Phone: '+33 9',
        Website: null,
        BillingAddress: { Street: null, City: 'Lyon', PostalCode: null, Country: null },
        CreatedDate: null,
        LastModifiedDate: expect.any(Number),
      });
    });

    it('delivers a DELETE with no field values, and an UNDELETE made in the org with every field', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Acme', Phone: '1' });
      await conn.sobject('Account').destroy(id as string);
      const restored = await admin(sandbox, 'POST', `/records/Account/${id}/undelete`);
      expect(restored.body).toEqual({ id, success: true, errors: [] });
      const events = await subscribeNpm(ACCOUNTS, 3);
      await events.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));

      const [, deleted, undeleted] = events.events();
      expect(deleted?.payload.ChangeEventHeader).toMatchObject({
        changeType: 'DELETE',
        recordIds: [id],
        changedFields: [],
      });
      expect(deleted?.payload).toMatchObject({ Name: null, Phone: null, CreatedDate: null, LastModifiedDate: null });
      expect(undeleted?.payload.ChangeEventHeader).toMatchObject({
        changeType: 'UNDELETE',
        recordIds: [id],
        commitUser: sandbox.state.identity.adminUserId,
        changeOrigin: '',
      });
      expect(undeleted?.payload).toMatchObject({ Name: 'Acme', Phone: '1', CreatedDate: expect.any(Number) });
    });

    it('resumes after a stored replay id with subscribeFromReplayId', async () => {
      for (const name of ['A', 'B', 'C', 'D']) await conn.sobject('Account').create({ Name: name });
      const first = await subscribeNpm(ACCOUNTS, 4);
      await first.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));
      const second = first.events()[1] as { replayId: number };

      const resumed = await subscribeNpm(ACCOUNTS, 2, second.replayId);
      await resumed.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));
      expect(resumed.events().map((e) => e.payload['Name'])).toEqual(['C', 'D']);
    });

    it('reports a refused replay id through its error callback', async () => {
      await conn.sobject('Account').create({ Name: 'Old' });
      const old = sandbox.state.bus.latestReplayId;
      await admin(sandbox, 'DELETE', '/pubsub/events');
      await conn.sobject('Account').create({ Name: 'New' });

      const events = await subscribeNpm(ACCOUNTS, 1, old - 1);
      await events.waitFor((calls) => calls.some((c) => c.type === 'error'));
      expect(events.calls.find((c) => c.type === 'error')?.data).toMatchObject({ code: status.INVALID_ARGUMENT });
    });
  });

  describe('events of every write path', () => {
    it('gives the writes of one request one transactionKey and increasing sequence numbers (collections upsert)', async () => {
      const results = await conn.sobject('Account').upsert(
        [1, 2, 3].map((n) => ({ Odoo_Id__c: `cust-${n}`, Name: `Customer ${n}` })),
        'Odoo_Id__c',
        { allOrNone: false },
      );
      expect(results).toHaveLength(3);
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 10 });
      await s.waitForEvents(3);
      const headers = (await decode(s.events)).map(header);
      expect(new Set(headers.map((h) => h['transactionKey'])).size).toBe(1);
      expect(headers.map((h) => h['sequenceNumber'])).toEqual([1, 2, 3]);
      expect(new Set(headers.map((h) => h['commitNumber'])).size).toBe(1);
      expect(headers.map((h) => h['changeType'])).toEqual(['CREATE', 'CREATE', 'CREATE']);
    });

    it('carries a Contact’s name as the compound Name, and a collection delete as DELETE events', async () => {
      const { id } = await conn
        .sobject('Contact')
        .create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@x.org' });
      const deleted = await raw(sandbox, 'DELETE', `/services/data/v${VERSION}/composite/sobjects?ids=${id}`, {
        token: await fetchToken(sandbox),
      });
      expect(deleted.status).toBe(200);
      const s = subscribeRaw({ topic_name: '/data/ContactChangeEvent', replay_preset: 'EARLIEST', num_requested: 5 });
      await s.waitForEvents(2);
      const [created, removed] = await decode(s.events);
      expect(created).toMatchObject({ Name: { FirstName: 'Ada', LastName: 'Lovelace' }, Email: 'ada@x.org' });
      expect(header(removed ?? {})).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
      expect(header(removed ?? {})['changeOrigin']).toBe(`com/salesforce/api/rest/${VERSION}`);
    });

    it('reports an order product and the roll-up it causes on its order in one transaction (/data/ChangeEvents)', async () => {
      const [standard] = (await conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true'))
        .records;
      await conn.sobject('Account').upsert({ Odoo_Id__c: 'cust-1', Name: 'Acme' }, 'Odoo_Id__c');
      await conn.sobject('Product2').upsert({ Odoo_Id__c: 'prod-1', Name: 'Widget', IsActive: true }, 'Odoo_Id__c');
      await conn
        .sobject('PricebookEntry')
        .upsert(
          { Odoo_Id__c: 'pbe-1', Pricebook2Id: standard?.Id, Product2: { Odoo_Id__c: 'prod-1' }, UnitPrice: 10 },
          'Odoo_Id__c',
        );
      await conn.sobject('Order').upsert(
        {
          Odoo_Id__c: 'so-1',
          Odoo_Name__c: 'S00001',
          Account: { Odoo_Id__c: 'cust-1' },
          Pricebook2Id: standard?.Id,
          EffectiveDate: '2025-03-01',
          Status: 'Draft',
        },
        'Odoo_Id__c',
      );
      const tip = sandbox.state.bus.latestReplayId;
      await conn.sobject('OrderItem').upsert(
        {
          Odoo_Id__c: 'sol-1',
          Order: { Odoo_Name__c: 'S00001' },
          PricebookEntry: { Odoo_Id__c: 'pbe-1' },
          Quantity: 3,
          UnitPrice: 10,
        },
        'Odoo_Id__c',
      );

      const s = subscribeRaw({
        topic_name: '/data/ChangeEvents',
        replay_preset: 'CUSTOM',
        replay_id: encodeReplayId(tip),
        num_requested: 10,
      });
      await s.waitForEvents(2);
      const [item, order] = await decode(s.events);
      expect(header(item ?? {})).toMatchObject({ entityName: 'OrderItem', changeType: 'CREATE', sequenceNumber: 1 });
      expect(item).toMatchObject({ Quantity: 3, UnitPrice: 10 });
      expect(header(order ?? {})).toMatchObject({ entityName: 'Order', changeType: 'UPDATE', sequenceNumber: 2 });
      expect(header(order ?? {})['transactionKey']).toBe(header(item ?? {})['transactionKey']);
      expect(order).toMatchObject({ TotalAmount: 30, EffectiveDate: null, Status: null });
      const schema = sandbox.state.changeEvents.forObject('Order');
      expect(schema?.fieldNames(header(order ?? {})['changedFields'] as string[])).toEqual([
        'TotalAmount',
        'LastModifiedDate',
      ]);
    });

    it('reports rows seeded and edited through the admin API as a person’s changes', async () => {
      const seeded = await admin(sandbox, 'POST', '/records/Account', [{ Name: 'Seeded' }]);
      const [{ id }] = seeded.body as { id: string }[];
      expect((await admin(sandbox, 'PATCH', `/records/Account/${id}`, { Phone: '42' })).status).toBe(200);
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 5 });
      await s.waitForEvents(2);
      const headers = (await decode(s.events)).map(header);
      expect(headers).toEqual([
        expect.objectContaining({
          changeType: 'CREATE',
          commitUser: sandbox.state.identity.adminUserId,
          changeOrigin: '',
        }),
        expect.objectContaining({
          changeType: 'UPDATE',
          commitUser: sandbox.state.identity.adminUserId,
          changeOrigin: '',
        }),
      ]);
    });

    it('produces no event for a write that fails', async () => {
      await expect(conn.sobject('Account').create({ Phone: '1' })).rejects.toMatchObject({
        errorCode: 'REQUIRED_FIELD_MISSING',
      });
      expect(sandbox.state.bus.size).toBe(0);
    });
  });

  describe('subscriptions, with a plain gRPC client trusting the sandbox’s certificate', () => {
    it('honours num_requested: delivers what was asked for, reports what is pending, and waits for more requests', async () => {
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 2 });
      for (const name of ['A', 'B', 'C', 'D', 'E']) await conn.sobject('Account').create({ Name: name });
      await s.waitForEvents(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(s.events).toHaveLength(2);
      expect(s.responses.filter((r) => r.events.length).at(-1)?.pending_num_requested).toBe(0);

      s.request(10);
      await s.waitForEvents(5);
      const names = (await decode(s.events)).map((p) => p['Name']);
      expect(names).toEqual(['A', 'B', 'C', 'D', 'E']);
      const last = s.responses.filter((r) => r.events.length).at(-1);
      expect(last?.pending_num_requested).toBe(7);
      expect(decodeReplayId(last?.latest_replay_id)).toBe(decodeReplayId(s.events.at(-1)?.replay_id));
      for (const e of s.events) expect(e.replay_id).toHaveLength(8);
    });

    it('caps what is pending at 100 events', async () => {
      const s = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 80 });
      s.request(80);
      await waitUntil(() => s.keepalives.length > 0);
      expect(s.keepalives[0]?.pending_num_requested).toBe(100);
    });

    it('sends keepalives with the latest replay id while events are pending, then starts a LATEST subscription at the tip', async () => {
      await conn.sobject('Account').create({ Name: 'Before' });
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'LATEST', num_requested: 5 });
      await waitUntil(() => s.keepalives.length >= 2);
      const keepalive = s.keepalives[0];
      expect(keepalive?.events).toEqual([]);
      expect(keepalive?.pending_num_requested).toBe(5);
      expect(decodeReplayId(keepalive?.latest_replay_id)).toBe(sandbox.state.bus.latestReplayId);
      expect(keepalive?.rpc_id).toMatch(UUID);

      await conn.sobject('Account').create({ Name: 'After' });
      await s.waitForEvents(1);
      expect((await decode(s.events)).map((p) => p['Name'])).toEqual(['After']);
    });

    it('moves a per-object channel past other objects’ events, and sends them on /data/ChangeEvents', async () => {
      await conn.sobject('Contact').create({ LastName: 'Other' });
      await conn.sobject('Account').create({ Name: 'Mine' });
      const accounts = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 5 });
      const all = subscribeRaw({ topic_name: '/data/ChangeEvents', replay_preset: 'EARLIEST', num_requested: 5 });
      await accounts.waitForEvents(1);
      await all.waitForEvents(2);
      expect((await decode(accounts.events)).map((p) => header(p)['entityName'])).toEqual(['Account']);
      expect((await decode(all.events)).map((p) => header(p)['entityName'])).toEqual(['Contact', 'Account']);
    });

    it('ends a stream with nothing pending when no FetchRequest comes within the idle timeout', async () => {
      await conn.sobject('Account').create({ Name: 'A' });
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 1 });
      const ended = await s.ended(3000);
      expect(ended.code).toBe(status.OK);
      expect(s.events).toHaveLength(1);
    });

    it('ends a call that never sends its first FetchRequest after the idle timeout', async () => {
      const silent = grpc.Subscribe();
      silent.on('error', () => undefined);
      const ended = await new Promise<{ code: number }>((resolve) => silent.on('status', resolve));
      expect(ended.code).toBe(status.OK);
    });

    it('refuses a replay id older than the retention window with INVALID_ARGUMENT and the documented error code', async () => {
      expect((await admin(sandbox, 'POST', '/pubsub/retention', { maxEvents: 2 })).body).toEqual({
        seconds: 72 * 3600,
        maxEvents: 2,
      });
      for (const name of ['A', 'B', 'C', 'D']) await conn.sobject('Account').create({ Name: name });
      const purged = (await admin(sandbox, 'GET', '/pubsub')).body as Record<string, number>;
      expect(purged['retainedEvents']).toBe(2);

      const tooOld = subscribeRaw({
        topic_name: ACCOUNTS,
        replay_preset: 'CUSTOM',
        replay_id: encodeReplayId((purged['purgedThroughReplayId'] as number) - 1),
        num_requested: 1,
      });
      const refused = await tooOld.ended();
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect(errorCode(refused)).toBe('sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted');
      expect(refused.details).toMatch(/^The Replay ID validation failed\..* rpcId: [0-9a-f-]{36}$/);

      const atTheEdge = subscribeRaw({
        topic_name: ACCOUNTS,
        replay_preset: 'CUSTOM',
        replay_id: encodeReplayId(purged['purgedThroughReplayId'] as number),
        num_requested: 5,
      });
      await atTheEdge.waitForEvents(2);
      expect((await decode(atTheEdge.events)).map((p) => p['Name'])).toEqual(['C', 'D']);
    });

    it('refuses a malformed or future replay id, and CUSTOM without one', async () => {
      const cases: [Buffer | undefined, string][] = [
        [Buffer.from('12345'), 'replayid.corrupted'],
        [encodeReplayId(sandbox.state.bus.latestReplayId + 10), 'replayid.corrupted'],
        [undefined, 'replayid.validation.failed'],
      ];
      for (const [replayId, code] of cases) {
        const s = subscribeRaw({
          topic_name: ACCOUNTS,
          replay_preset: 'CUSTOM',
          replay_id: replayId,
          num_requested: 1,
        });
        const ended = await s.ended();
        expect(ended.code).toBe(status.INVALID_ARGUMENT);
        expect(errorCode(ended)).toBe(`sfdc.platform.eventbus.grpc.subscription.fetch.${code}`);
      }
    });

    it('ends a subscription whose unread events were purged', async () => {
      await conn.sobject('Account').create({ Name: 'A' });
      const s = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 1 });
      await s.waitForEvents(1);
      await conn.sobject('Account').create({ Name: 'B' });
      await admin(sandbox, 'DELETE', '/pubsub/events');
      s.request(1);
      const ended = await s.ended();
      expect(errorCode(ended)).toBe('sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted');
    });

    it('refuses an unknown topic, a topic change within a stream, and a request for no events', async () => {
      const unknown = subscribeRaw({ topic_name: '/data/accountchangeevent', num_requested: 1 });
      expect((await unknown.ended()).code).toBe(status.NOT_FOUND);
      expect(errorCode(unknown.status)).toBe('sfdc.platform.eventbus.grpc.topic.not.found');

      const switching = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 1 });
      switching.request(1, '/data/ContactChangeEvent');
      expect(errorCode(await switching.ended())).toBe('sfdc.platform.eventbus.grpc.subscription.fetch.topic.mismatch');

      const none = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 0 });
      expect(errorCode(await none.ended())).toBe(
        'sfdc.platform.eventbus.grpc.subscription.fetch.requested.events.invalid',
      );
    });
  });

  describe('authentication', () => {
    it('refuses a token the sandbox did not issue, or one that expired, with UNAUTHENTICATED on every RPC', async () => {
      const auth = await authHeaders(sandbox);
      const forged = rawClient(sandbox, { ...auth, accesstoken: `${auth.tenantid.slice(0, 15)}!forged` });
      try {
        const s = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 1 }, forged);
        const ended = await s.ended();
        expect(ended.code).toBe(status.UNAUTHENTICATED);
        expect(ended.details).toMatch(
          /^An authentication exception occurred\. Provide valid authentication via metadata headers\. rpcId: /,
        );
        expect(errorCode(ended)).toBe('sfdc.platform.eventbus.grpc.service.auth.error');
        await expect(unary(forged, 'GetTopic', { topic_name: ACCOUNTS })).rejects.toMatchObject({
          code: status.UNAUTHENTICATED,
        });
        await expect(unary(forged, 'GetSchema', { schema_id: 'x' })).rejects.toMatchObject({
          code: status.UNAUTHENTICATED,
        });
      } finally {
        forged.close();
      }

      await admin(sandbox, 'POST', '/faults', { expireTokens: true });
      await expect(unary(grpc, 'GetTopic', { topic_name: ACCOUNTS })).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
    });

    it('refuses a call without tenantid, or for another org', async () => {
      const auth = await authHeaders(sandbox);
      const headerless = rawClient(sandbox, { ...auth, tenantid: undefined });
      const otherOrg = rawClient(sandbox, { ...auth, tenantid: '00D000000000002AAA' });
      try {
        const err = await unary(headerless, 'GetTopic', { topic_name: ACCOUNTS }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: status.UNAUTHENTICATED });
        expect(errorCode(err as never)).toBe('sfdc.platform.eventbus.grpc.service.auth.headers.invalid');
        await expect(unary(otherOrg, 'GetTopic', { topic_name: ACCOUNTS })).rejects.toMatchObject({
          code: status.UNAUTHENTICATED,
        });
        // The 15-character org id is accepted too.
        const short = rawClient(sandbox, { ...auth, tenantid: auth.tenantid.slice(0, 15) });
        await expect(unary(short, 'GetTopic', { topic_name: ACCOUNTS })).resolves.toMatchObject({
          can_subscribe: true,
        });
        short.close();
      } finally {
        headerless.close();
        otherOrg.close();
      }
    });

    it('is refused by the npm client with a bad token', async () => {
      const events = recorder();
      const client = await npmClient(sandbox, `${sandbox.state.identity.orgId.slice(0, 15)}!bad`);
      npmClients.push({ client, rec: events });
      client.subscribe(ACCOUNTS, events.callback, 1);
      await events.waitFor((calls) => calls.some((c) => c.type === 'error'));
      expect(events.calls.find((c) => c.type === 'error')?.data).toMatchObject({ code: status.UNAUTHENTICATED });
    });
  });

  describe('topics and schemas', () => {
    it('describes every object’s channel, with a stable schema id that GetSchema resolves', async () => {
      const topics = (await admin(sandbox, 'GET', '/pubsub')).body as { topics: string[] };
      expect(topics.topics).toEqual(
        expect.arrayContaining([
          '/data/ChangeEvents',
          '/data/AccountChangeEvent',
          '/data/ContactChangeEvent',
          '/data/OrderChangeEvent',
          '/data/OrderItemChangeEvent',
          '/data/Product2ChangeEvent',
          '/data/Odoo_Invoice__ChangeEvent',
        ]),
      );
      const topic = await unary(grpc, 'GetTopic', { topic_name: '/data/OrderItemChangeEvent' });
      expect(topic).toMatchObject({
        topic_name: '/data/OrderItemChangeEvent',
        tenant_guid: sandbox.state.identity.orgId,
        can_publish: false,
        can_subscribe: true,
        schema_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      });
      const schema = await unary(grpc, 'GetSchema', { schema_id: topic['schema_id'] });
      const json = JSON.parse(schema['schema_json'] as string) as {
        name: string;
        namespace: string;
        fields: { name: string }[];
        uuid: string;
      };
      expect(json).toMatchObject({
        name: 'OrderItemChangeEvent',
        namespace: 'com.sforce.eventbus',
        uuid: topic['schema_id'],
      });
      expect(json.fields[0]?.name).toBe('ChangeEventHeader');

      const again = await startSalesforceSandbox({ port: 0, pubSubPort: null });
      try {
        expect(again.state.changeEvents.forObject('OrderItem')?.schemaId).toBe(topic['schema_id']);
        expect(again.pubSub).toBeUndefined();
      } finally {
        await again.close();
      }
      await expect(unary(grpc, 'GetSchema', { schema_id: 'nope' })).rejects.toMatchObject({ code: status.NOT_FOUND });
      await expect(unary(grpc, 'GetTopic', { topic_name: '/event/Foo__e' })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
    });

    it('serves its certificate PEM over the admin API', async () => {
      const res = await admin(sandbox, 'GET', '/pubsub/certificate');
      expect(res.status).toBe(200);
      expect(res.body).toBe(sandbox.pubSub?.certificatePem);
      expect(res.body).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    });
  });

  describe('gap events and injected faults', () => {
    it('appends gap events for given records, and GAP_OVERFLOW without record ids', async () => {
      const { id } = await conn.sobject('Account').create({ Name: 'Acme' });
      const gap = await admin(sandbox, 'POST', '/pubsub/gaps', { changeType: 'GAP_UPDATE', recordIds: [id] });
      expect(gap.status).toBe(200);
      const overflow = await admin(sandbox, 'POST', '/pubsub/gaps', {
        changeType: 'GAP_OVERFLOW',
        entityName: 'Account',
      });
      expect(overflow.status).toBe(200);
      expect((await admin(sandbox, 'POST', '/pubsub/gaps', { changeType: 'UPDATE', recordIds: [id] })).status).toBe(
        400,
      );

      const events = await subscribeNpm(ACCOUNTS, 3);
      await events.waitFor((calls) => calls.some((c) => c.type === 'lastEvent'));
      const [, gapUpdate, gapOverflow] = events.events();
      expect(gapUpdate?.payload.ChangeEventHeader).toMatchObject({
        changeType: 'GAP_UPDATE',
        recordIds: [id],
        changedFields: [],
      });
      expect(gapUpdate?.payload).toMatchObject({ Name: null, LastModifiedDate: null });
      expect(gapOverflow?.payload.ChangeEventHeader).toMatchObject({
        changeType: 'GAP_OVERFLOW',
        entityName: 'Account',
        recordIds: [],
      });
    });

    it('are driven by SandboxClient, as the integration tests and the demo use it', async () => {
      const sf = new SandboxClient(sandbox.url);
      const { id } = await conn.sobject('Account').create({ Name: 'Acme' });
      await sf.editAsPerson('Account', id as string, { Phone: '7' });
      await sf.deleteAsPerson('Account', id as string);
      await sf.undelete('Account', id as string);
      await sf.gap('GAP_DELETE', { recordIds: [id as string] });
      const events = await sf.changeEvents(ACCOUNTS);
      expect(events.map((e) => e.header.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_DELETE']);
      expect(events[1]?.header).toMatchObject({ changedFieldNames: ['Phone', 'LastModifiedDate'], changeOrigin: '' });
      expect(events[1]?.payload).toMatchObject({ Phone: '7', Name: null });
      expect(await sf.changeEvents('/data/ContactChangeEvent')).toEqual([]);

      const info = await sf.pubSub();
      expect(info).toMatchObject({ endpoint: sandbox.pubSub?.endpoint, retainedEvents: 5, openStreams: 0 });
      expect(await sf.pubSubCertificate()).toBe(sandbox.pubSub?.certificatePem);
      await sf.setPubSubRetention({ maxEvents: 1 });
      expect((await sf.pubSub()).retainedEvents).toBe(1);
      await sf.purgeChangeEvents();
      expect((await sf.pubSub()).purgedThroughReplayId).toBe(info.latestReplayId);
      await sf.setPubSubFaults({ refuseSubscribes: 1 });
      expect(sandbox.state.pubSubFaults.config.refuseSubscribes).toBe(1);
      await sf.clearPubSubFaults();
      expect(await sf.closePubSubStreams()).toBe(0);
      await expect(sf.editAsPerson('Account', id as string, { Name: null })).rejects.toMatchObject({ status: 400 });
    });

    it('closes open streams with a chosen status, refuses the next subscribes, and closes after N events', async () => {
      const s = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 5 });
      await waitUntil(() => s.keepalives.length > 0);
      const closed = await admin(sandbox, 'POST', '/pubsub/streams/close', {});
      expect(closed.body).toEqual({ closed: 1 });
      const ended = await s.ended();
      expect(ended.code).toBe(status.INTERNAL);
      expect(errorCode(ended)).toBe('sfdc.platform.eventbus.grpc.service.unavailable');

      await admin(sandbox, 'POST', '/pubsub/faults', {
        refuseSubscribes: 1,
        closeAfterEvents: 2,
        status: { code: 'UNAVAILABLE', message: 'maintenance' },
      });
      const refused = subscribeRaw({ topic_name: ACCOUNTS, num_requested: 5 });
      expect((await refused.ended()).code).toBe(status.UNAVAILABLE);

      for (const name of ['A', 'B', 'C']) await conn.sobject('Account').create({ Name: name });
      const cut = subscribeRaw({ topic_name: ACCOUNTS, replay_preset: 'EARLIEST', num_requested: 1 });
      await cut.waitForEvents(1);
      cut.request(5);
      const status2 = await cut.ended();
      expect(status2.code).toBe(status.UNAVAILABLE);
      expect(status2.details).toMatch(/^maintenance rpcId: /);
      expect(cut.events.length).toBeGreaterThanOrEqual(2);
    });
  });
});
