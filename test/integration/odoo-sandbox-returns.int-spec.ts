/**
 * Returns through the Odoo sandbox, driven over JSON-RPC as the hub drives Odoo 17 (the `stock.return.picking` wizard
 * and its `create_returns`), with the rows checked in the database. The sandbox runs in-process on a database of
 * the test's own, so the stack's sandbox and Odoo database stay untouched.
 */
import type { Client } from 'pg';
import { insertProduct, insertStock, validateDelivery } from '../../scripts/lib/odoo-commerce';
import { OdooRpcError, OdooSandboxClient, type ApiKey } from '../../sandboxes/odoo/odoo-sandbox.client';
import { startOdooSandbox, type OdooSandbox } from '../../sandboxes/odoo/odoo-sandbox';
import { createIsolatedOdoo, type IsolatedOdoo } from './support/isolated-odoo';
import { runId, stack } from './support/stack';

type Row = Record<string, unknown>;

describe('Odoo sandbox: returns', () => {
  const run = runId('odoo-ret');
  let isolated: IsolatedOdoo;
  let server: OdooSandbox;
  let sandbox: OdooSandboxClient;
  let db: Client;
  let hub: ApiKey;
  let auth: { db: string; uid: number; password: string };

  beforeAll(async () => {
    isolated = await createIsolatedOdoo(run.replace(/-/g, '_'), `it.${run}.changes`);
    db = isolated.db;
    server = await startOdooSandbox({
      databaseUrl: stack().postgres.odoo.replace(/\/[^/]*$/, `/${isolated.database}`),
      port: 0,
      dbFilter: new RegExp(`^${isolated.database}$`),
    });
    sandbox = new OdooSandboxClient(server.url);
    hub = await sandbox.createApiKey({ name: `it ${run}` });
    auth = { db: isolated.database, uid: hub.uid, password: hub.key };
  });

  afterAll(async () => {
    await server?.close();
    await isolated?.drop();
  });

  const call = <T = unknown>(model: string, method: string, args: unknown[], kwargs: Row = {}) =>
    sandbox.executeKw<T>(auth, model, method, args, kwargs);

  const rpcError = async (promise: Promise<unknown>): Promise<OdooRpcError['data']> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof OdooRpcError)) throw new Error(`expected an Odoo error, got ${String(error)}`);
    return error.data;
  };

  /** A confirmed order of 3 chairs and 2 desks (in stock), and its delivery: [order id, picking id]. */
  async function orderWithDelivery(): Promise<{ orderId: number; pickingId: number; chair: number; desk: number }> {
    const customer = await call<number>('res.partner', 'create', [{ name: `Returner ${run}`, is_company: true }]);
    const chair = await insertProduct(db, `Chair ${run}`, '70.00', `CH-${run}`);
    const desk = await insertProduct(db, `Desk ${run}`, '120.00', `DK-${run}`);
    await insertStock(db, chair, '10');
    await insertStock(db, desk, '10');
    const orderId = await call<number>('sale.order', 'create', [
      {
        partner_id: customer,
        order_line: [
          [0, 0, { product_id: chair, product_uom_qty: 3 }],
          [0, 0, { product_id: desk, product_uom_qty: 2 }],
        ],
      },
    ]);
    await call('sale.order', 'action_confirm', [[orderId]]);
    const [pickingId] = await call<number[]>('stock.picking', 'search', [[['sale_id', '=', orderId]]]);
    return { orderId, pickingId: pickingId as number, chair, desk };
  }

  it('returns a delivered picking as Odoo 17 does: wizard lines from the moves, a ready WH/IN return of it', async () => {
    const { orderId, pickingId, chair, desk } = await orderWithDelivery();

    // Not delivered yet.
    expect(await rpcError(call('stock.return.picking', 'create', [{ picking_id: pickingId }]))).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message: 'You may only return Done pickings.',
    });
    expect(await rpcError(call('stock.return.picking', 'create', [{ picking_id: 999_999 }]))).toMatchObject({
      name: 'odoo.exceptions.MissingError',
      message: `Record does not exist or has been deleted.\n(Record: stock.picking(999999,), User: ${hub.uid})`,
    });

    await validateDelivery(db, pickingId, `TRACK-${run}`);
    const { rows: delivered } = await db.query<{ id: number; product_id: number; sale_line_id: number }>(
      'SELECT id, product_id, sale_line_id FROM stock_move WHERE picking_id = $1 ORDER BY id',
      [pickingId],
    );
    const chairMove = delivered.find((m) => m.product_id === chair) as { id: number; sale_line_id: number };
    const deskMove = delivered.find((m) => m.product_id === desk) as { id: number; sale_line_id: number };
    const [outgoing] = await call<Row[]>('stock.picking', 'read', [[pickingId], ['name', 'group_id']]);
    const outName = outgoing?.['name'] as string;
    expect(outName).toMatch(/^WH\/OUT\/\d{5}$/);

    // The wizard: create({'picking_id': X}) fills its lines and its return location.
    const wizard = await call<number>('stock.return.picking', 'create', [{ picking_id: pickingId }]);
    const [read] = await call<Row[]>('stock.return.picking', 'read', [
      [wizard],
      ['picking_id', 'product_return_moves', 'location_id', 'original_location_id', 'parent_location_id'],
    ]);
    expect(read).toMatchObject({
      picking_id: [pickingId, outName],
      location_id: [8, 'WH/Stock'],
      original_location_id: [8, 'WH/Stock'],
      parent_location_id: [7, 'WH'],
    });
    const lineIds = read?.['product_return_moves'] as number[];
    const lines = await call<Row[]>('stock.return.picking.line', 'read', [
      lineIds,
      ['product_id', 'quantity', 'uom_id', 'move_id', 'to_refund'],
    ]);
    expect(lines).toEqual([
      expect.objectContaining({ quantity: 3, uom_id: [1, 'Units'], move_id: [chairMove.id, outName], to_refund: true }),
      expect.objectContaining({ quantity: 2, uom_id: [1, 'Units'], move_id: [deskMove.id, outName], to_refund: true }),
    ]);
    expect(lines[0]?.['product_id']).toEqual([chair, `[CH-${run}] Chair ${run}`]);

    // Return one chair only: the quantities are edited on the wizard's lines, as the form does.
    await call('stock.return.picking', 'write', [
      [wizard],
      {
        product_return_moves: [
          [1, lineIds[0], { quantity: 1 }],
          [1, lineIds[1], { quantity: 0 }],
        ],
      },
    ]);
    const action = await call<Row>('stock.return.picking', 'create_returns', [[wizard]]);
    expect(action).toMatchObject({
      name: 'Returned Picking',
      type: 'ir.actions.act_window',
      res_model: 'stock.picking',
      view_mode: 'form,tree,calendar',
      context: { search_default_picking_type_id: 1, search_default_ready: false },
    });
    const returnId = action['res_id'] as number;
    const { rows: pickings } = await db.query(
      `SELECT name, origin, state, return_id, picking_type_id, location_id, location_dest_id, partner_id, sale_id,
              group_id, company_id, create_uid, write_uid, date_done, carrier_tracking_ref
       FROM stock_picking WHERE id = $1`,
      [returnId],
    );
    const { rows: original } = await db.query('SELECT partner_id, group_id FROM stock_picking WHERE id = $1', [
      pickingId,
    ]);
    expect(pickings[0]).toMatchObject({
      origin: `Return of ${outName}`,
      state: 'assigned',
      return_id: pickingId,
      picking_type_id: 1,
      location_id: 5,
      location_dest_id: 8,
      partner_id: original[0].partner_id,
      sale_id: orderId,
      group_id: original[0].group_id,
      company_id: 1,
      create_uid: hub.uid,
      write_uid: hub.uid,
      date_done: null,
      carrier_tracking_ref: null,
    });
    expect(pickings[0].name).toMatch(/^WH\/IN\/\d{5}$/);
    const { rows: moves } = await db.query(
      `SELECT product_id, product_uom_qty::float AS qty, quantity::float AS quantity, state, origin_returned_move_id,
              location_id, location_dest_id, picking_type_id, sale_line_id, to_refund, procure_method, reference,
              create_uid
       FROM stock_move WHERE picking_id = $1 ORDER BY id`,
      [returnId],
    );
    expect(moves).toEqual([
      {
        product_id: chair,
        qty: 1,
        quantity: 1,
        state: 'assigned',
        origin_returned_move_id: chairMove.id,
        location_id: 5,
        location_dest_id: 8,
        picking_type_id: 1,
        sale_line_id: chairMove.sale_line_id,
        to_refund: true,
        procure_method: 'make_to_stock',
        reference: pickings[0].name,
        create_uid: hub.uid,
      },
    ]);
    const [asRead] = await call<Row[]>('stock.picking', 'read', [[returnId], ['return_id', 'state']]);
    expect(asRead).toMatchObject({ return_id: [pickingId, outName], state: 'assigned' });
    const log = await sandbox.writes({ login: 'hub-integration' });
    const logged = log.writes.find((w) => w.method === 'create_returns' && w.ids.includes(wizard));
    expect(logged?.changes.map((c) => `${c.model} ${c.method}`)).toEqual(['stock.picking create', 'stock.move create']);

    // A second wizard offers what is left (2 chairs, 2 desks); returning it all leaves nothing.
    const second = await call<number>('stock.return.picking', 'create', [{ picking_id: pickingId }]);
    const [secondRead] = await call<Row[]>('stock.return.picking', 'read', [
      [second],
      ['product_return_moves', 'move_dest_exists'],
    ]);
    expect(secondRead?.['move_dest_exists']).toBe(true);
    const left = await call<Row[]>('stock.return.picking.line', 'read', [
      secondRead?.['product_return_moves'],
      ['quantity'],
    ]);
    expect(left.map((l) => l['quantity'])).toEqual([2, 2]);
    const secondAction = await call<Row>('stock.return.picking', 'create_returns', [[second]]);
    const { rows: secondMoves } = await db.query(
      'SELECT product_uom_qty::float AS qty, origin_returned_move_id FROM stock_move WHERE picking_id = $1 ORDER BY id',
      [secondAction['res_id']],
    );
    expect(secondMoves).toEqual([
      { qty: 2, origin_returned_move_id: chairMove.id },
      { qty: 2, origin_returned_move_id: deskMove.id },
    ]);

    // Nothing left: the lines are still made, with 0, and create_returns refuses.
    const third = await call<number>('stock.return.picking', 'create', [{ picking_id: pickingId }]);
    const [thirdRead] = await call<Row[]>('stock.return.picking', 'read', [[third], ['product_return_moves']]);
    const zero = await call<Row[]>('stock.return.picking.line', 'read', [
      thirdRead?.['product_return_moves'],
      ['quantity'],
    ]);
    expect(zero.map((l) => l['quantity'])).toEqual([0, 0]);
    expect(await rpcError(call('stock.return.picking', 'create_returns', [[third]]))).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message: 'Please specify at least one non-zero quantity.',
    });
    const json2 = await sandbox.json2('stock.return.picking', 'create_returns', { ids: [third] }, { key: hub.key });
    expect(json2.status).toBe(422);
    const { rows: returns } = await db.query('SELECT count(*)::int AS n FROM stock_picking WHERE return_id = $1', [
      pickingId,
    ]);
    expect(returns).toEqual([{ n: 2 }]);
    expect(await rpcError(call('stock.return.picking', 'create_returns', [[999_999]]))).toMatchObject({
      name: 'odoo.exceptions.MissingError',
    });

    // Transfers stay read-only through the sandbox's API (write is not served on them): only the wizard writes them.
    expect(await rpcError(call('stock.picking', 'write', [[returnId], { origin: 'x' }]))).toMatchObject({
      name: 'builtins.AttributeError',
      message: "The method 'write' does not exist on the model 'stock.picking'",
    });
  });

  it('lets the hub record and find its external id for the return it created', async () => {
    const { rows } = await db.query<{ id: number }>('SELECT id FROM stock_picking ORDER BY id LIMIT 1');
    const resId = (rows[0] as { id: number }).id;
    const name = `return_${run.replace(/-/g, '_')}`;
    const id = await call<number>('ir.model.data', 'create', [
      { module: '__hub__', name, model: 'stock.picking', res_id: resId },
    ]);
    const found = await call<Row[]>(
      'ir.model.data',
      'search_read',
      [
        [
          ['module', '=', '__hub__'],
          ['name', '=', name],
        ],
      ],
      {
        fields: ['complete_name', 'model', 'res_id'],
      },
    );
    expect(found).toEqual([{ id, complete_name: `__hub__.${name}`, model: 'stock.picking', res_id: resId }]);
    const stored = await db.query('SELECT create_uid FROM ir_model_data WHERE id = $1', [id]);
    expect(stored.rows).toEqual([{ create_uid: hub.uid }]);
  });
});
