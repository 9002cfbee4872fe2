/**
 * projector-odoo's Odoo client (OdooRpcAdapter) against the stack's Odoo sandbox, over both wire formats: the hub's
 * uid, partner and sales-order calls with their effects, and Odoo's errors and injected faults arriving as the hub's
 * typed errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import pino from 'pino';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { OdooRpcAdapter, type OdooProtocol } from '@hub/odoo';
import { insertProduct } from '../../scripts/lib/odoo-commerce';
import { OdooSandboxClient, type ApiKey } from '../../sandboxes/odoo/odoo-sandbox.client';
import { odooDb } from './support/odoo';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { runId } from './support/stack';

const DB = 'odoo';
const NOT_A_KEY = '0123456789abcdef0123456789abcdef01234567';

describe('Odoo client (projector-odoo)', () => {
  let sandbox: OdooSandboxClient;
  let db: Client;
  let hub: ApiKey;
  const keys: ApiKey[] = [];
  const run = runId('odoo-client');
  const silent = pino({ level: 'silent' });

  const adapter = (protocol: OdooProtocol | 'auto', overrides: Partial<{ url: string; apiKey: string }> = {}) =>
    new OdooRpcAdapter({
      url: overrides.url ?? sandbox.url,
      database: DB,
      apiKey: overrides.apiKey ?? hub.key,
      login: hub.login,
      protocol,
      timeoutMs: 10_000,
      log: silent,
      userAgent: `odoo-hub-it/${run}`,
    });

  const failure = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      (value) => {
        throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
      },
      (error: unknown) => error,
    );

  beforeAll(async () => {
    sandbox = new OdooSandboxClient(odooSandboxUrl());
    await sandbox.clearFaults();
    db = await odooDb();
    hub = await sandbox.createApiKey({ name: `it ${run}` });
    keys.push(hub);
  });

  afterEach(() => sandbox.clearFaults());

  afterAll(async () => {
    for (const key of keys) await sandbox.revokeApiKey(key.id).catch(() => undefined);
    await db.end();
  });

  describe.each<OdooProtocol>(['json2', 'jsonrpc'])('over %s', (protocol) => {
    let odoo: OdooRpcAdapter;
    const tag = `${run}-${protocol}`;

    beforeAll(() => {
      odoo = adapter(protocol);
    });

    it("calls as the hub's own user", async () => {
      expect(await odoo.uid()).toBe(hub.uid);
      expect(await odoo.protocol()).toBe(protocol);
    });

    it('creates, finds, writes and archives a partner, stamped with the hub user', async () => {
      const name = `Client Partner ${tag}`;
      const id = await odoo.create('res.partner', { name, is_company: true, email: `sales@${tag}.example` });
      expect(typeof id).toBe('number');

      const found = await odoo.searchRead('res.partner', [['name', '=', name]], ['name', 'email', 'create_uid']);
      expect(found).toEqual([{ id, name, email: `sales@${tag}.example`, create_uid: [hub.uid, 'Hub Integration'] }]);

      await odoo.write('res.partner', [id], { email: `orders@${tag}.example`, active: false });
      expect(await odoo.searchRead('res.partner', [['name', '=', name]], ['email'])).toEqual([]);
      const archived = await odoo.searchRead('res.partner', [['name', '=', name]], ['email', 'active', 'write_uid'], {
        withArchived: true,
        limit: 5,
        order: 'id desc',
      });
      expect(archived).toEqual([
        { id, email: `orders@${tag}.example`, active: false, write_uid: [hub.uid, 'Hub Integration'] },
      ]);
      const { rows } = await db.query('SELECT write_uid, active FROM res_partner WHERE id = $1', [id]);
      expect(rows).toEqual([{ write_uid: hub.uid, active: false }]);
    });

    it('creates an order with lines and confirms it into a delivery; confirming again is a permanent UserError', async () => {
      const sku = `SKU-${tag}`;
      await insertProduct(db, `Lamp ${tag}`, '25.00', sku);
      const [product] = await odoo.searchRead('product.product', [['default_code', '=', sku]], ['display_name'], {
        limit: 1,
      });
      expect(product).toBeDefined();
      const productId = product?.id;

      const customer = await odoo.create('res.partner', { name: `Client Buyer ${tag}`, is_company: true });
      const orderId = await odoo.create('sale.order', {
        partner_id: customer,
        client_order_ref: `SF-${tag}`,
        order_line: [
          [0, 0, { product_id: productId, product_uom_qty: 2 }],
          [0, 0, { product_id: productId, product_uom_qty: 1, price_unit: 20 }],
        ],
      });

      expect(await odoo.callMethod('sale.order', 'action_confirm', [orderId])).toBe(true);
      const [order] = await odoo.searchRead('sale.order', [['id', '=', orderId]], ['name', 'state', 'order_line']);
      expect(order).toMatchObject({ state: 'sale' });
      expect(order?.['order_line']).toHaveLength(2);
      const name = String(order?.['name']);
      const pickings = await odoo.searchRead('stock.picking', [['origin', '=', name]], ['name', 'sale_id']);
      expect(pickings).toEqual([
        { id: expect.any(Number), name: expect.stringMatching(/^WH\/OUT\//), sale_id: [orderId, name] },
      ]);

      const again = await failure(odoo.callMethod('sale.order', 'action_confirm', [orderId]));
      expect(again).toBeInstanceOf(PermanentError);
      expect(again).toMatchObject({
        code: PermanentErrorCode.REJECTED_BY_TARGET,
        vendorCode: 'odoo.exceptions.UserError',
        message: `The following orders are not in a state requiring confirmation: ${name}`,
      });
    });

    it("turns ValidationError and MissingError into permanent errors with Odoo's message", async () => {
      const invalid = await failure(odoo.create('res.partner', { name: `Nowhere ${tag}`, country_id: 999999 }));
      expect(invalid).toBeInstanceOf(PermanentError);
      expect(invalid).toMatchObject({
        vendorCode: 'odoo.exceptions.ValidationError',
        message: expect.stringContaining('res_partner_country_id_fkey'),
      });

      const missing = await failure(odoo.write('res.partner', [2147483000], { name: 'x' }));
      expect(missing).toBeInstanceOf(PermanentError);
      expect(missing).toMatchObject({
        vendorCode: 'odoo.exceptions.MissingError',
        message: expect.stringContaining('Record does not exist or has been deleted.'),
      });
    });

    it('turns an injected HTTP 500 into a TransientError', async () => {
      await odoo.uid();
      await sandbox.setFaults({ status500: 1 });
      const error = await failure(odoo.searchRead('res.partner', [['id', '=', 1]], ['name']));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'HTTP_500', message: '500 Internal Server Error', targetUnavailable: false });
    });

    it("turns a serialization failure that outlived Odoo's five tries into a TransientError naming it", async () => {
      await odoo.uid();
      await sandbox.setFaults({ serializationFailures: 5, retryBaseMs: 1 });
      const error = await failure(odoo.create('res.partner', { name: `Never ${tag}` }));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'psycopg2.errors.SerializationFailure',
        message: 'could not serialize access due to concurrent update\n',
      });
      const { rows } = await db.query('SELECT 1 FROM res_partner WHERE name = $1', [`Never ${tag}`]);
      expect(rows).toEqual([]);
    });

    it('refuses a bad key, and a key revoked while in use, with a permanent error that asks for a person', async () => {
      const bad = await failure(adapter(protocol, { apiKey: NOT_A_KEY }).uid());
      expect(bad).toBeInstanceOf(PermanentError);
      expect(bad).toMatchObject({
        code: PermanentErrorCode.REJECTED_BY_TARGET,
        vendorCode: protocol === 'json2' ? 'werkzeug.exceptions.Unauthorized' : 'odoo.exceptions.AccessDenied',
        message: expect.stringContaining('a person must'),
      });
      if (protocol === 'jsonrpc')
        expect(bad).toMatchObject({ message: expect.stringContaining(`login '${hub.login}'`) });

      const key = await sandbox.createApiKey({ name: `it ${tag} revoked` });
      keys.push(key);
      const revoked = adapter(protocol, { apiKey: key.key });
      expect(await revoked.uid()).toBe(hub.uid);
      await sandbox.revokeApiKey(key.id);
      const refused = await failure(revoked.searchRead('res.partner', [['id', '=', 1]], ['name']));
      expect(refused).toBeInstanceOf(PermanentError);
      expect(refused).toMatchObject({
        vendorCode: protocol === 'json2' ? 'werkzeug.exceptions.Unauthorized' : 'odoo.exceptions.AccessDenied',
        message: expect.stringContaining('a person must'),
      });
    });
  });

  describe('protocol choice and transport', () => {
    /**
     * In front of the sandbox: answers `/web/version` as Odoo 19 does (`{version_info, version}`), forwards the rest,
     * or, when told to hang, never answers.
     */
    let front: Server;
    let frontUrl: string;
    let hang = false;
    const seen: { path: string; headers: IncomingMessage['headers']; body: unknown }[] = [];

    beforeAll(async () => {
      front = createServer((req: IncomingMessage, res: ServerResponse) => {
        void forward(req, res);
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
    });

    async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(Buffer.from(chunk as Uint8Array));
      if (hang) return;
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({ path: req.url ?? '/', headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined });
      if (req.url === '/web/version') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization', 'x-odoo-database', 'user-agent']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(`${sandbox.url}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' ? undefined : text,
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(await answer.text());
    }

    it('auto picks JSON-RPC for the sandbox (17.0) and JSON-2 for a server that says 19', async () => {
      const on17 = adapter('auto');
      expect(await on17.protocol()).toBe('jsonrpc');
      expect(await on17.uid()).toBe(hub.uid);

      const on19 = adapter('auto', { url: frontUrl });
      expect(await on19.protocol()).toBe('json2');
      expect(await on19.uid()).toBe(hub.uid);
    });

    it('sends what each protocol documents: named arguments, ids and a write context with tracking_disable', async () => {
      seen.length = 0;
      const json2 = adapter('json2', { url: frontUrl });
      const id = await json2.create('res.partner', { name: `Wire ${run}` }, { lang: 'en_US' });
      await json2.write('res.partner', [id], { phone: '+32 2 000 00 00' });
      await json2.searchRead('res.partner', [['id', '=', id]], ['phone'], { withArchived: true, limit: 1 });
      expect(seen.map(({ path, body }) => ({ path, body }))).toEqual([
        {
          path: '/json/2/res.partner/create',
          body: { vals_list: [{ name: `Wire ${run}` }], context: { tracking_disable: true, lang: 'en_US' } },
        },
        {
          path: '/json/2/res.partner/write',
          body: { vals: { phone: '+32 2 000 00 00' }, ids: [id], context: { tracking_disable: true } },
        },
        {
          path: '/json/2/res.partner/search_read',
          body: { domain: [['id', '=', id]], fields: ['phone'], limit: 1, context: { active_test: false } },
        },
      ]);
      expect(seen[0]?.headers).toMatchObject({
        authorization: `bearer ${hub.key}`,
        'x-odoo-database': DB,
        'content-type': 'application/json; charset=utf-8',
        'user-agent': `odoo-hub-it/${run}`,
      });

      seen.length = 0;
      const jsonrpc = adapter('jsonrpc', { url: frontUrl });
      await jsonrpc.write('res.partner', [id], { phone: '+32 2 000 00 01' });
      expect(seen.map(({ body }) => body)).toEqual([
        expect.objectContaining({
          method: 'call',
          params: { service: 'common', method: 'authenticate', args: [DB, hub.login, hub.key, {}] },
        }),
        expect.objectContaining({
          method: 'call',
          params: {
            service: 'object',
            method: 'execute_kw',
            args: [
              DB,
              hub.uid,
              hub.key,
              'res.partner',
              'write',
              [[id], { phone: '+32 2 000 00 01' }],
              { context: { tracking_disable: true } },
            ],
          },
        }),
      ]);
    });

    it('logs each call at debug with model, method, status and duration, and never the key', async () => {
      const lines: string[] = [];
      const odoo = new OdooRpcAdapter({
        url: sandbox.url,
        database: DB,
        apiKey: hub.key,
        login: hub.login,
        protocol: 'json2',
        timeoutMs: 10_000,
        log: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
        userAgent: `odoo-hub-it/${run}`,
      });
      await odoo.searchRead('res.partner', [['id', '=', 1]], ['name']);
      await failure(odoo.write('res.partner', [2147483000], { name: 'x' }));
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 20,
          model: 'res.partner',
          method: 'search_read',
          status: 200,
          durationMs: expect.any(Number),
        }),
        expect.objectContaining({
          level: 20,
          model: 'res.partner',
          method: 'write',
          status: 404,
          error: expect.objectContaining({ vendorCode: 'odoo.exceptions.MissingError' }),
        }),
      ]);
      expect(lines.join('\n')).not.toContain(hub.key);
    });

    it('pauses on a server that refuses connections, and retries one that does not answer in time', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const refused = await failure(adapter('json2', { url: `http://127.0.0.1:${port}` }).uid());
      expect(refused).toBeInstanceOf(TransientError);
      expect(refused).toMatchObject({ code: 'NETWORK_ECONNREFUSED', targetUnavailable: true });

      hang = true;
      try {
        const slow = new OdooRpcAdapter({
          url: frontUrl,
          database: DB,
          apiKey: hub.key,
          login: hub.login,
          protocol: 'json2',
          timeoutMs: 300,
          log: silent,
          userAgent: `odoo-hub-it/${run}`,
        });
        const timedOut = await failure(slow.create('res.partner', { name: `Slow ${run}` }));
        expect(timedOut).toBeInstanceOf(TransientError);
        expect(timedOut).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('res.partner/create') });
      } finally {
        hang = false;
        front.closeAllConnections();
      }
    });
  });
});
