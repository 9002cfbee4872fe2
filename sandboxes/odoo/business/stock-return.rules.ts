/**
 * The return wizard of Odoo 17.0 (`stock/wizard/stock_picking_return.py`, with stock_account's `to_refund`):
 * `stock.return.picking` computes its lines and return location from `picking_id` when it is created (a precomputed
 * stored field, so `create({'picking_id': X})` over RPC fills them), and `create_returns` copies the picking into a
 * return picking of the return operation type, with one move per line of non-zero quantity, ready at once because
 * goods coming back from a customer need no reservation. Stock move lines, chained moves (move_orig_ids /
 * move_dest_ids), lots and packages are not modelled.
 */
import { PythonError, UserError } from '../odoo.errors';
import type { Env } from '../orm/env';
import { missingError, type ModelRules, type Orm, type Vals } from '../orm/orm.service';
import { nextById } from './sequence';
import { floatIsZero, quantityLeftToReturn, returnedPickingAction } from './stock-return.quantities';

const NOW = "(now() AT TIME ZONE 'UTC')";

interface PickingInfo {
  id: number;
  name: string;
  state: string | null;
  location_id: number;
  location_dest_id: number;
  parent_location_id: number | null;
  partner_id: number | null;
  picking_type_id: number;
  warehouse_id: number | null;
  return_picking_type_id: number | null;
  default_location_return_id: number | null;
  return_type_dest_id: number | null;
  return_type_dest_is_return: boolean | null;
}

async function picking(env: Env, id: number): Promise<PickingInfo> {
  const { rows } = await env.cr.query<PickingInfo>(
    `SELECT p.id, p.name, p.state, p.location_id, p.location_dest_id, l.location_id AS parent_location_id, p.partner_id,
            p.picking_type_id, t.warehouse_id, t.return_picking_type_id, t.default_location_return_id,
            rl.id AS return_type_dest_id, rl.return_location AS return_type_dest_is_return
     FROM stock_picking p JOIN stock_location l ON l.id = p.location_id
     JOIN stock_picking_type t ON t.id = p.picking_type_id
     LEFT JOIN stock_picking_type rt ON rt.id = t.return_picking_type_id
     LEFT JOIN stock_location rl ON rl.id = rt.default_location_dest_id
     WHERE p.id = $1`,
    [id],
  );
  if (!rows[0]) throw missingError('stock.picking', [id], env.uid);
  return rows[0];
}

/**
 * `_compute_moves_locations` for a wizard on `pickingId`: the values of its computed fields, lines as one2many
 * commands. A picking that is not done is a UserError; one that does not exist is a MissingError.
 */
export async function computeReturnValues(env: Env, pickingId: number): Promise<Vals> {
  const p = await picking(env, pickingId);
  if (p.state !== 'done') throw new UserError('You may only return Done pickings.');
  const { rows: moves } = await env.cr.query<{
    id: number;
    product_id: number;
    product_qty: string;
    rounding: string;
  }>(
    `SELECT m.id, m.product_id, COALESCE(m.product_qty, m.product_uom_qty) AS product_qty, u.rounding
     FROM stock_move m JOIN product_product pp ON pp.id = m.product_id
     JOIN product_template t ON t.id = pp.product_tmpl_id JOIN uom_uom u ON u.id = t.uom_id
     WHERE m.picking_id = $1 AND m.state IS DISTINCT FROM 'cancel' AND m.scrapped IS NOT TRUE
     ORDER BY m.sequence, m.id`,
    [pickingId],
  );
  const { rows: returns } = await env.cr.query<{
    origin_returned_move_id: number;
    state: string | null;
    quantity: string | null;
    product_qty: string;
  }>(
    `SELECT origin_returned_move_id, state, quantity, COALESCE(product_qty, product_uom_qty) AS product_qty
     FROM stock_move WHERE origin_returned_move_id = ANY($1::int4[])`,
    [moves.map((m) => m.id)],
  );
  const lines = moves.map((m) => {
    const own = returns
      .filter((r) => r.origin_returned_move_id === m.id)
      .map((r) => ({
        state: r.state ?? 'draft',
        quantity: Number(r.quantity ?? 0),
        productQty: Number(r.product_qty),
      }));
    // stock_account's line default: to_refund = True.
    const quantity = quantityLeftToReturn(Number(m.product_qty), own, Number(m.rounding));
    return [0, 0, { product_id: m.product_id, quantity, move_id: m.id, to_refund: true }];
  });
  let locationId = p.location_id;
  if (p.return_type_dest_is_return && p.return_type_dest_id) locationId = p.return_type_dest_id;
  return {
    product_return_moves: lines,
    // The returns of its moves are their move_dest_ids here (chained moves are not modelled).
    move_dest_exists: moves.some((m) => returns.some((r) => r.origin_returned_move_id === m.id)),
    // The warehouse's view location in Odoo; without stock_warehouse, the parent of the picking's source (WH).
    parent_location_id: p.parent_location_id ?? false,
    original_location_id: p.location_id,
    location_id: p.default_location_return_id ?? locationId,
  };
}

/** Precomputed fields take the computed value unless the values give one (readonly=False). */
async function precompute(env: Env, vals: Vals, clearLines: boolean): Promise<void> {
  const pickingId = vals['picking_id'];
  if (typeof pickingId !== 'number') return;
  const computed = await computeReturnValues(env, pickingId);
  for (const [key, value] of Object.entries(computed)) {
    if (key in vals) continue;
    vals[key] = key === 'product_return_moves' && clearLines ? [[5, 0, 0], ...(value as unknown[])] : value;
  }
}

export function stockReturnPickingRules(): ModelRules {
  return {
    prepareCreate: (env, vals) => precompute(env, vals, false),
    prepareWrite: (env, _ids, vals) => precompute(env, vals, true),
  };
}

export function stockReturnPickingLineRules(): ModelRules {
  return { defaults: () => ({ to_refund: true }) };
}

interface CreatedReturn {
  pickingId: number;
  pickingTypeId: number;
  partnerId: number | false;
}

/**
 * `stock.return.picking.create_returns` (17.0): for each wizard, a return picking, then the window action of the
 * last one. Errors: "You have manually created product lines, please delete them to proceed." for a line without a
 * move, "Please specify at least one non-zero quantity." when every line is zero (the whole call is rolled back;
 * the picking's sequence number is spent, as in Odoo). A wizard that does not exist is a MissingError.
 */
export async function createReturns(env: Env, orm: Orm, ids: readonly number[]): Promise<Record<string, unknown>> {
  const model = env.catalogue.require('stock.return.picking');
  await orm.checkAccess(env, model, 'read');
  const wizards = await orm.existing(env, model, ids);
  let last: CreatedReturn | undefined;
  // The picking and its moves are created as the user, who may not write transfers directly.
  for (const id of wizards) last = await createReturn(env.sudo(), id);
  if (!last) throw new PythonError('UnboundLocalError', "local variable 'pick_type_id' referenced before assignment");
  return returnedPickingAction(last.pickingId, last.pickingTypeId, last.partnerId, env.context);
}

/** `_create_returns`: the picking copied with `_prepare_picking_default_values`, then the moves, ready. */
async function createReturn(env: Env, wizardId: number): Promise<CreatedReturn> {
  const { rows: wizards } = await env.cr.query<{ picking_id: number | null; location_id: number | null }>(
    'SELECT picking_id, location_id FROM stock_return_picking WHERE id = $1',
    [wizardId],
  );
  const wizard = wizards[0];
  const { rows: lines } = await env.cr.query<{
    id: number;
    product_id: number;
    quantity: string;
    move_id: number | null;
    to_refund: boolean | null;
    uom_id: number;
    rounding: string;
  }>(
    `SELECT l.id, l.product_id, l.quantity, l.move_id, l.to_refund, t.uom_id, u.rounding
     FROM stock_return_picking_line l JOIN product_product pp ON pp.id = l.product_id
     JOIN product_template t ON t.id = pp.product_tmpl_id JOIN uom_uom u ON u.id = t.uom_id
     WHERE l.wizard_id = $1 ORDER BY l.id`,
    [wizardId],
  );
  if (!wizard?.picking_id) {
    // Copying no picking: Odoo fails on the empty recordset before looking at the lines.
    throw new PythonError('ValueError', 'Expected singleton: stock.picking()');
  }
  const original = await picking(env, wizard.picking_id);
  const typeId = original.return_picking_type_id ?? original.picking_type_id;
  const { rows: types } = await env.cr.query<{ sequence_id: number | null }>(
    'SELECT sequence_id FROM stock_picking_type WHERE id = $1',
    [typeId],
  );
  const sequenceId = types[0]?.sequence_id;
  const name = (sequenceId ? await nextById(env.cr, sequenceId) : null) ?? '/';
  const uid = env.uid;
  // copy(): the fields Odoo copies, the defaults of those it does not (date, printed, locked), and the overrides.
  const created = await env.cr.query<{ id: number }>(
    `INSERT INTO stock_picking (name, origin, note, move_type, state, group_id, priority, scheduled_date, date,
                                location_id, location_dest_id, picking_type_id, partner_id, company_id, user_id,
                                owner_id, printed, is_locked, sale_id, carrier_id, return_id,
                                create_uid, create_date, write_uid, write_date)
     SELECT $2, 'Return of ' || p.name, p.note, p.move_type, 'draft', p.group_id, p.priority, ${NOW}, ${NOW},
            $3, $4, $5, p.partner_id, p.company_id, p.user_id, p.owner_id, false, true, p.sale_id, p.carrier_id, p.id,
            $6, ${NOW}, $6, ${NOW}
     FROM stock_picking p WHERE p.id = $1 RETURNING id`,
    [original.id, name, original.location_dest_id, wizard.location_id ?? original.location_dest_id, typeId, uid],
  );
  const pickingId = (created.rows[0] as { id: number }).id;
  env.note('stock.picking', 'create', [pickingId]);
  const moveIds: number[] = [];
  for (const line of lines) {
    if (!line.move_id) throw new UserError('You have manually created product lines, please delete them to proceed.');
    const quantity = Number(line.quantity);
    if (floatIsZero(quantity, Number(line.rounding))) continue;
    // The original move copied with _prepare_move_default_values, then confirmed and assigned: a move from a
    // non-internal location (the customer) bypasses reservation, so it is ready for its whole demand at once.
    const move = await env.cr.query<{ id: number }>(
      `INSERT INTO stock_move (name, sequence, priority, date, company_id, product_id, description_picking, product_qty,
                               product_uom_qty, product_uom, quantity, picked, location_id, location_dest_id, partner_id,
                               picking_id, picking_type_id, state, origin, procure_method, scrapped, group_id, rule_id,
                               origin_returned_move_id, reference, warehouse_id, sale_line_id, to_refund,
                               create_uid, create_date, write_uid, write_date)
       SELECT m.name, m.sequence, m.priority, ${NOW}, m.company_id, $2, m.description_picking, $3, $3, $4, $3, false,
              m.location_dest_id, $5, m.partner_id, $6, $7, 'assigned', m.origin, 'make_to_stock', false, m.group_id,
              m.rule_id, m.id, $8, $9, m.sale_line_id, $10, $11, ${NOW}, $11, ${NOW}
       FROM stock_move m WHERE m.id = $1 RETURNING id`,
      [
        line.move_id,
        line.product_id,
        quantity,
        line.uom_id,
        wizard.location_id ?? (await moveSource(env, line.move_id)),
        pickingId,
        typeId,
        name,
        original.warehouse_id,
        line.to_refund === true,
        uid,
      ],
    );
    moveIds.push(...move.rows.map((r) => r.id));
  }
  if (!moveIds.length) throw new UserError('Please specify at least one non-zero quantity.');
  env.note('stock.move', 'create', moveIds);
  // action_confirm + action_assign: every move is ready, so is the picking.
  await env.cr.query(`UPDATE stock_picking SET state = 'assigned' WHERE id = $1`, [pickingId]);
  return { pickingId, pickingTypeId: typeId, partnerId: original.partner_id ?? false };
}

async function moveSource(env: Env, moveId: number): Promise<number> {
  const { rows } = await env.cr.query<{ location_id: number }>('SELECT location_id FROM stock_move WHERE id = $1', [
    moveId,
  ]);
  return (rows[0] as { location_id: number }).location_id;
}
