/**
 * The Odoo sandbox of the stack, driven over HTTP as a client would (JSON-RPC and JSON-2), with its effects checked
 * in the Odoo database and, for one write, on the odoo.changes topic through Debezium.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from 'pg';
import { insertProduct, insertStock } from '../../scripts/lib/odoo-commerce';
import { OdooRpcError, OdooSandboxClient, type ApiKey } from '../../sandboxes/odoo/odoo-sandbox.client';
import { odooDb } from './support/odoo';
import { createIsolatedOdoo } from './support/isolated-odoo';
import { odooSandboxUrl, watchChanges } from './support/odoo-sandbox';
import { ROOT, runId, stack } from './support/stack';

const DB = 'odoo';

describe('Odoo sandbox', () => {
  let sandbox: OdooSandboxClient;
  let db: Client;
  let hub: ApiKey;
  let auth: { db: string; uid: number; password: string };
  const run = runId('odoo-sb');

  beforeAll(async () => {
    sandbox = new OdooSandboxClient(odooSandboxUrl());
    await sandbox.clearFaults();
    db = await odooDb();
    hub = await sandbox.createApiKey({ name: `it ${run}` });
    auth = { db: DB, uid: hub.uid, password: hub.key };
  });

  afterEach(() => sandbox.clearFaults());

  afterAll(async () => {
    await sandbox.revokeApiKey(hub.id).catch(() => undefined);
    await db.end();
  });

  const json2 = (model: string, method: string, params: Record<string, unknown>, key = hub.key) =>
    sandbox.json2(model, method, params, { key });

  describe('authentication', () => {
    it('reports its version and authenticates a user by API key or password, answering false otherwise', async () => {
      const version = await sandbox.jsonRpc('common', 'version', []);
      expect(version.status).toBe(200);
      expect(version.body).toMatchObject({ jsonrpc: '2.0', result: { server_version: '17.0', protocol_version: 1 } });

      const byKey = await sandbox.jsonRpc('common', 'authenticate', [DB, 'hub-integration', hub.key, {}]);
      expect(byKey.body).toMatchObject({ result: hub.uid });
      const admin = await sandbox.jsonRpc('common', 'login', [DB, 'admin', 'admin']);
      expect(admin.body).toMatchObject({ result: 2 });
      const wrong = await sandbox.jsonRpc('common', 'authenticate', [DB, 'hub-integration', 'not-the-key', {}]);
      expect(wrong.body).toMatchObject({ result: false });
    });

    it('stores API keys as Odoo does: an 8-digit index in clear, a pbkdf2-sha512 hash of the key', async () => {
      const { rows } = await db.query('SELECT index, key, scope, user_id FROM res_users_apikeys WHERE id = $1', [
        hub.id,
      ]);
      expect(rows[0]).toMatchObject({ index: hub.key.slice(0, 8), scope: null, user_id: hub.uid });
      expect(rows[0].key).toMatch(/^\$pbkdf2-sha512\$6000\$/);
      expect(rows[0].key).not.toContain(hub.key);
    });

    it('refuses a bad key: AccessDenied in the JSON-RPC envelope, 401 Invalid apikey on JSON-2', async () => {
      const rpc = await sandbox.jsonRpc('object', 'execute_kw', [DB, hub.uid, 'bad', 'res.partner', 'search', [[]]]);
      expect(rpc.status).toBe(200);
      expect(rpc.body).toMatchObject({
        jsonrpc: '2.0',
        error: {
          code: 200,
          message: 'Odoo Server Error',
          data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied', arguments: ['Access Denied'] },
        },
      });
      const j2 = await json2('res.partner', 'search', { domain: [] }, '0123456789abcdef0123456789abcdef01234567');
      expect(j2.status).toBe(401);
      expect(j2.headers.get('www-authenticate')).toBe('Bearer');
      expect(j2.body).toMatchObject({
        name: 'werkzeug.exceptions.Unauthorized',
        message: 'Invalid apikey',
        arguments: ['Invalid apikey', 401],
      });
    });
  });

  describe('partners', () => {
    it('creates a partner as the calling user, and a JSON-2 write keeps the user in write_uid', async () => {
      const id = await sandbox.executeKw<number>(auth, 'res.partner', 'create', [
        { name: `Acme ${run}`, is_company: true, vat: 'BE0477472701', email: 'Sales <SALES@acme.example>' },
      ]);
      expect(typeof id).toBe('number');
      const { rows } = await db.query(
        'SELECT name, create_uid, write_uid, create_date, commercial_partner_id, complete_name, email_normalized FROM res_partner WHERE id = $1',
        [id],
      );
      expect(rows[0]).toMatchObject({
        name: `Acme ${run}`,
        create_uid: hub.uid,
        write_uid: hub.uid,
        commercial_partner_id: id,
        complete_name: `Acme ${run}`,
        email_normalized: 'sales@acme.example',
      });
      expect(rows[0].create_date).not.toBeNull();

      const contact = await json2('res.partner', 'create', { vals_list: [{ name: 'Jane', parent_id: id }] });
      expect(contact.status).toBe(200);
      const [contactId] = contact.body as number[];
      const renamed = await json2('res.partner', 'write', { ids: [id], vals: { name: `Acme Renamed ${run}` } });
      expect(renamed).toMatchObject({ status: 200, body: true });
      const read = await json2('res.partner', 'read', {
        ids: [contactId],
        fields: ['complete_name', 'vat', 'commercial_partner_id', 'write_uid'],
      });
      expect(read.body).toEqual([
        {
          id: contactId,
          complete_name: `Acme Renamed ${run}, Jane`,
          vat: 'BE0477472701',
          commercial_partner_id: [id, `Acme Renamed ${run}`],
          write_uid: [hub.uid, 'Hub Integration'],
        },
      ]);

      const found = await sandbox.executeKw(auth, 'res.partner', 'name_search', [`Renamed ${run}`], { limit: 5 });
      expect(found).toEqual([
        [id, `Acme Renamed ${run}`],
        [contactId, `Acme Renamed ${run}, Jane`],
      ]);
      expect(await sandbox.executeKw(auth, 'res.partner', 'search_count', [[['commercial_partner_id', '=', id]]])).toBe(
        2,
      );

      const log = await sandbox.writes({ login: 'hub-integration' });
      expect(log.writes.some((w) => w.model === 'res.partner' && w.method === 'write' && w.ids.includes(id))).toBe(
        true,
      );
    });

    it('loads a partner by external id twice: one record, created then updated, one ir_model_data row', async () => {
      const xid = `sf_${run.replace(/-/g, '_')}`;
      const first = await json2('res.partner', 'load', {
        fields: ['id', 'name', 'is_company', 'country_id/id', 'ref'],
        data: [[xid, `Loaded ${run}`, '1', 'base.be', run]],
        context: { module: 'hub' },
      });
      expect(first.status).toBe(200);
      const { ids } = first.body as { ids: number[]; messages: unknown[] };
      expect(first.body).toEqual({ ids: [expect.any(Number)], messages: [], nextrow: 0 });

      const second = await sandbox.executeKw(auth, 'res.partner', 'load', [
        ['id', 'name', 'country_id/id'],
        [[`hub.${xid}`, `Loaded again ${run}`, 'base.fr']],
      ]);
      expect(second).toEqual({ ids, messages: [], nextrow: 0 });

      const partners = await db.query('SELECT id, name, country_id, write_uid FROM res_partner WHERE ref = $1', [run]);
      expect(partners.rows).toEqual([{ id: ids[0], name: `Loaded again ${run}`, country_id: 75, write_uid: hub.uid }]);
      const xids = await sandbox.executeKw(
        auth,
        'ir.model.data',
        'search_read',
        [
          [
            ['module', '=', 'hub'],
            ['name', '=', xid],
          ],
        ],
        {
          fields: ['complete_name', 'model', 'res_id'],
        },
      );
      expect(xids).toEqual([
        { id: expect.any(Number), complete_name: `hub.${xid}`, model: 'res.partner', res_id: ids[0] },
      ]);
    });

    it("reads credit_limit as Odoo 17's account stores it: the partner's ir_property for the company, else 0 (no limit)", async () => {
      const [own, other] = await Promise.all(
        ['Own limit', 'Default limit'].map(async (name) => {
          const created = await json2('res.partner', 'create', { vals_list: [{ name: `${name} ${run}` }] });
          return (created.body as number[])[0];
        }),
      );
      const limits = async () =>
        (await json2('res.partner', 'read', { ids: [own, other], fields: ['credit_limit'] })).body as {
          id: number;
          credit_limit: number;
        }[];
      expect((await limits()).map((p) => p.credit_limit)).toEqual([0, 0]);
      await db.query(
        `INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type)
         VALUES ('credit_limit', $1, 1, 0, 2500, 'float')`,
        [`res.partner,${own}`],
      );
      expect((await limits()).map((p) => p.credit_limit)).toEqual([2500, 0]);
      // Searchable too, as a stored value would be.
      const found = await json2('res.partner', 'search', {
        domain: [
          ['id', 'in', [own, other]],
          ['credit_limit', '>', 1000],
        ],
      });
      expect(found.body).toEqual([own]);
    });

    it('reports bad rows of a load in messages and loads nothing', async () => {
      const result = await json2('res.partner', 'load', {
        fields: ['id', 'name', 'country_id/id'],
        data: [
          [`bad_${run.replace(/-/g, '_')}`, `Bad ${run}`, 'base.nowhere'],
          [`good_${run.replace(/-/g, '_')}`, `Good ${run}`, 'base.be'],
        ],
      });
      expect(result.body).toEqual({
        ids: false,
        messages: [
          {
            type: 'error',
            record: 0,
            rows: { from: 0, to: 0 },
            field: 'country_id',
            message: "No matching record found for external id 'base.nowhere' in field 'Country'",
          },
        ],
        nextrow: 0,
      });
      const { rows } = await db.query('SELECT 1 FROM res_partner WHERE name = $1', [`Good ${run}`]);
      expect(rows).toEqual([]);
    });
  });

  describe('sales orders', () => {
    it('creates an order with lines, confirms it into a delivery with its moves, and refuses to confirm it again', async () => {
      const customer = await sandbox.executeKw<number>(auth, 'res.partner', 'create', [
        { name: `Buyer ${run}`, is_company: true },
      ]);
      const chair = await insertProduct(db, `Chair ${run}`, '70.50');
      const desk = await insertProduct(db, `Desk ${run}`, '120.00');
      await insertStock(db, chair, '10');
      const orderId = await sandbox.executeKw<number>(auth, 'sale.order', 'create', [
        {
          partner_id: customer,
          client_order_ref: `SF-${run}`,
          order_line: [
            [0, 0, { product_id: chair, product_uom_qty: 3 }],
            [0, 0, { product_id: desk, product_uom_qty: 1, price_unit: 100, discount: 10 }],
          ],
        },
      ]);
      const [draft] = await sandbox.executeKw<Record<string, unknown>[]>(auth, 'sale.order', 'read', [
        [orderId],
        ['name', 'state', 'amount_total', 'order_line', 'partner_invoice_id', 'user_id'],
      ]);
      expect(draft).toMatchObject({
        state: 'draft',
        amount_total: 301.5,
        partner_invoice_id: [customer, `Buyer ${run}`],
        user_id: [hub.uid, 'Hub Integration'],
      });
      expect(draft?.['name']).toMatch(/^S\d{5}$/);
      expect(draft?.['order_line']).toHaveLength(2);

      expect(await sandbox.executeKw(auth, 'sale.order', 'action_confirm', [[orderId]])).toBe(true);

      const order = await db.query(
        'SELECT name, state, write_uid, procurement_group_id, invoice_status FROM sale_order WHERE id = $1',
        [orderId],
      );
      expect(order.rows[0]).toMatchObject({ state: 'sale', write_uid: hub.uid, invoice_status: 'to invoice' });
      const name = order.rows[0].name as string;
      const pickings = await sandbox.executeKw<Record<string, unknown>[]>(
        auth,
        'stock.picking',
        'search_read',
        [[['sale_id', '=', orderId]]],
        {
          fields: ['name', 'origin', 'state', 'picking_type_id', 'location_dest_id', 'move_ids'],
        },
      );
      expect(pickings).toHaveLength(1);
      expect(pickings[0]).toMatchObject({
        origin: name,
        state: 'assigned',
        picking_type_id: [2, 'Delivery Orders'],
        location_dest_id: [5, 'Partners/Customers'],
      });
      expect(pickings[0]?.['name']).toMatch(/^WH\/OUT\/\d{5}$/);
      const moves = await db.query(
        `SELECT m.product_id, m.product_uom_qty::float AS qty, m.quantity::float AS reserved, m.state, m.origin, m.group_id
         FROM stock_move m JOIN sale_order_line l ON l.id = m.sale_line_id WHERE l.order_id = $1 ORDER BY m.id`,
        [orderId],
      );
      expect(moves.rows).toEqual([
        {
          product_id: chair,
          qty: 3,
          reserved: 3,
          state: 'assigned',
          origin: name,
          group_id: order.rows[0].procurement_group_id,
        },
        {
          product_id: desk,
          qty: 1,
          reserved: 0,
          state: 'confirmed',
          origin: name,
          group_id: order.rows[0].procurement_group_id,
        },
      ]);
      const quant = await db.query('SELECT reserved_quantity::float AS r FROM stock_quant WHERE product_id = $1', [
        chair,
      ]);
      expect(quant.rows).toEqual([{ r: 3 }]);

      const confirmed = (await sandbox.writes({ login: 'hub-integration' })).writes.find(
        (w) => w.method === 'action_confirm' && w.ids.includes(orderId),
      );
      expect(confirmed?.changes.map((c) => `${c.model} ${c.method}`)).toEqual(
        expect.arrayContaining([
          'sale.order write',
          'procurement.group create',
          'stock.picking create',
          'stock.move create',
        ]),
      );

      await expect(sandbox.executeKw(auth, 'sale.order', 'action_confirm', [[orderId]])).rejects.toMatchObject({
        data: {
          name: 'odoo.exceptions.UserError',
          message: `The following orders are not in a state requiring confirmation: ${name}`,
        },
      });
      const again = await json2('sale.order', 'action_confirm', { ids: [orderId] });
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ name: 'odoo.exceptions.UserError' });
    });
  });

  describe('errors', () => {
    it('answers validation errors in the JSON-RPC envelope with HTTP 200', async () => {
      const answer = await sandbox.jsonRpc('object', 'execute_kw', [
        DB,
        hub.uid,
        hub.key,
        'sale.order',
        'create',
        [{}],
      ]);
      expect(answer.status).toBe(200);
      const body = answer.body as { id: number; error: { data: Record<string, unknown> } };
      expect(Object.keys(body)).toEqual(['jsonrpc', 'id', 'error']);
      expect(Object.keys(body.error.data)).toEqual(['name', 'debug', 'message', 'arguments', 'context']);
      expect(body.error).toMatchObject({
        code: 200,
        message: 'Odoo Server Error',
        data: {
          name: 'odoo.exceptions.ValidationError',
          message: expect.stringContaining('Model: Sales Order (sale.order)\nField: Customer (partner_id)'),
        },
      });
      await expect(
        sandbox.executeKw(auth, 'res.partner', 'create', [{ name: `Nowhere ${run}`, country_id: 999999 }]),
      ).rejects.toMatchObject({
        data: {
          name: 'odoo.exceptions.ValidationError',
          message: expect.stringContaining('Constraint: res_partner_country_id_fkey'),
        },
      });
      await expect(sandbox.executeKw(auth, 'res.nothing', 'search', [[]])).rejects.toMatchObject({
        data: { name: 'odoo.exceptions.UserError', message: "Object res.nothing doesn't exist" },
      });
    });

    it('answers JSON-2 errors with their HTTP status and the documented error object', async () => {
      const validation = await json2('res.partner', 'create', { vals_list: [{ name: 'x', country_id: 999999 }] });
      expect(validation.status).toBe(422);
      expect(Object.keys(validation.body as object)).toEqual(['name', 'message', 'arguments', 'context', 'debug']);
      expect(validation.body).toMatchObject({ name: 'odoo.exceptions.ValidationError' });

      const missing = await json2('res.partner', 'write', { ids: [2147483000], vals: { name: 'x' } });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({
        name: 'odoo.exceptions.MissingError',
        message: `Record does not exist or has been deleted.\n(Record: res.partner(2147483000,), User: ${hub.uid})`,
      });

      expect((await json2('res.nothing', 'search', {})).status).toBe(404);
      const badArgument = await json2('res.partner', 'write', { ids: [1], vals_list: {} });
      expect(badArgument.status).toBe(422);
      expect(badArgument.body).toMatchObject({ message: "got an unexpected keyword argument 'vals_list'" });
      const withIds = await json2('res.partner', 'create', { ids: [1], vals_list: [{ name: 'x' }] });
      expect(withIds).toMatchObject({ status: 422, body: { message: 'cannot call res.partner.create with ids' } });
      expect((await sandbox.json2('res.partner', 'search', {}, { key: hub.key, httpMethod: 'GET' })).status).toBe(405);

      const portal = await sandbox.createUser({ login: `portal-${run}`, groups: ['portal'] });
      const portalKey = await sandbox.createApiKey({ login: portal.login });
      const denied = await json2('res.partner', 'search_read', { domain: [], limit: 1 }, portalKey.key);
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({
        name: 'odoo.exceptions.AccessError',
        message: expect.stringContaining("You are not allowed to access 'Contact' (res.partner) records."),
      });
    });
  });

  describe('faults', () => {
    it('answers HTTP 500 when told to, then serves again', async () => {
      await sandbox.setFaults({ status500: 1 });
      const failed = await sandbox.jsonRpc('common', 'version', []);
      expect(failed.status).toBe(500);
      expect(String(failed.body)).toContain('Internal Server Error');
      expect((await sandbox.jsonRpc('common', 'version', [])).status).toBe(200);
    });

    it('retries serialization failures on the server, and reports them once the five tries are spent', async () => {
      const before = await sandbox.stats();
      await sandbox.setFaults({ serializationFailures: 2, retryBaseMs: 1 });
      const id = await sandbox.executeKw<number>(auth, 'res.partner', 'create', [{ name: `Retried ${run}` }]);
      const after = await sandbox.stats();
      expect(after.transactions.retries - before.transactions.retries).toBe(2);
      const created = await db.query('SELECT id FROM res_partner WHERE name = $1', [`Retried ${run}`]);
      expect(created.rows).toEqual([{ id }]);

      await sandbox.setFaults({ serializationFailures: 5, retryBaseMs: 1 });
      const error = await sandbox
        .executeKw(auth, 'res.partner', 'create', [{ name: `Never ${run}` }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OdooRpcError);
      expect(error).toMatchObject({
        data: {
          name: 'psycopg2.errors.SerializationFailure',
          message: 'could not serialize access due to concurrent update\n',
        },
      });
      await sandbox.setFaults({ serializationFailures: 5, retryBaseMs: 1 });
      const j2 = await json2('res.partner', 'create', { vals_list: [{ name: `Never ${run}` }] });
      expect(j2).toMatchObject({ status: 500, body: { name: 'psycopg2.errors.SerializationFailure' } });
      const never = await db.query('SELECT 1 FROM res_partner WHERE name = $1', [`Never ${run}`]);
      expect(never.rows).toEqual([]);
    });
  });

  describe('databases', () => {
    it('serves another Odoo database named by X-Odoo-Database (JSON-2) or db (JSON-RPC), with its own users', async () => {
      const name = run.replace(/-/g, '_');
      const isolated = await createIsolatedOdoo(name, `it.${run}.changes`);
      try {
        const key = await sandbox.createApiKey({ db: isolated.database });
        const created = await sandbox.json2(
          'res.partner',
          'create',
          { vals_list: [{ name: `Elsewhere ${run}` }] },
          { key: key.key, db: isolated.database },
        );
        expect(created.status).toBe(200);
        const there = await isolated.db.query('SELECT write_uid FROM res_partner WHERE name = $1', [
          `Elsewhere ${run}`,
        ]);
        expect(there.rows).toEqual([{ write_uid: key.uid }]);
        const here = await db.query('SELECT 1 FROM res_partner WHERE name = $1', [`Elsewhere ${run}`]);
        expect(here.rows).toEqual([]);
        const count = await sandbox.executeKw(
          { db: isolated.database, uid: key.uid, password: key.key },
          'res.partner',
          'search_count',
          [[['name', '=', `Elsewhere ${run}`]]],
        );
        expect(count).toBe(1);
        // A key of one database is no key in another.
        expect((await json2('res.partner', 'search', { domain: [] }, key.key)).status).toBe(401);
        const unknown = await sandbox.json2('res.partner', 'search', {}, { key: key.key, db: 'not_a_database' });
        expect(unknown.status).toBe(404);
      } finally {
        await isolated.drop();
      }
    });
  });

  describe('command line', () => {
    it('prints one line when listening, serves, and exits 0 on SIGTERM; a bad setting exits 1 naming it', async () => {
      const child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(ROOT, 'sandboxes/odoo/main.ts')],
        {
          cwd: ROOT,
          env: { ...process.env, ODOO_SANDBOX_PORT: '0', ODOO_SANDBOX_DATABASE_URL: stack().postgres.odoo },
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      expect(url).toBeDefined();
      expect(line).toContain('hub-integration');
      const version = await fetch(`${url}/web/version`);
      expect(await version.json()).toMatchObject({ server_version: '17.0' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);

      const bad = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(ROOT, 'sandboxes/odoo/main.ts')],
        {
          cwd: ROOT,
          env: { ...process.env, ODOO_SANDBOX_PORT: 'eighty' },
        },
      );
      let stderr = '';
      bad.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      expect(await new Promise((resolve) => bad.on('exit', resolve))).toBe(1);
      expect(stderr).toContain('ODOO_SANDBOX_PORT');
    });
  });

  describe('change data capture', () => {
    it('a partner created through the sandbox reaches odoo.changes through Debezium, written by the hub user', async () => {
      const changes = await watchChanges('odoo.changes');
      try {
        const id = await json2('res.partner', 'create', { vals_list: [{ name: `Captured ${run}`, is_company: true }] });
        const [partnerId] = id.body as number[];
        const change = await changes.waitFor(
          (c) =>
            c.source.table === 'res_partner' &&
            c.after?.['id'] === partnerId &&
            c.after?.['commercial_partner_id'] === partnerId,
          60_000,
        );
        expect(change.after).toMatchObject({ name: `Captured ${run}`, write_uid: hub.uid, create_uid: hub.uid });
      } finally {
        await changes.close();
      }
    });
  });
});
