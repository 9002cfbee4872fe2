/**
 * The arithmetic of Odoo 17's return wizard (`stock.return.picking`), free of I/O: how much of a delivered move is
 * left to return, Odoo's float rounding to a unit's precision, and the window action `create_returns` answers.
 */

/** A move that returns another (its `origin_returned_move_id`), as far as the quantity left to return needs it. */
export interface ReturnMove {
  state: string;
  /** `quantity`: what its move lines hold (reserved, or done). */
  quantity: number;
  /** `product_qty`: its demand in the product's unit. */
  productQty: number;
}

/** Decimal places of a rounding step such as 0.01 (2) or 1 (0). */
function decimalsOf(rounding: number): number {
  const text = String(rounding);
  if (text.includes('e-')) return Number(text.split('e-')[1]);
  return text.includes('.') ? (text.split('.')[1] as string).length : 0;
}

/**
 * `odoo.tools.float_round(value, precision_rounding=rounding)`: half away from zero, to a multiple of `rounding`,
 * after nudging the value by one unit in the last place of its magnitude as Odoo does (so 2.675 at 0.01 is 2.68).
 */
export function floatRound(value: number, rounding: number): number {
  if (!(rounding > 0)) throw new RangeError(`precision_rounding must be positive, got ${rounding}`);
  const normalized = value / rounding;
  if (normalized === 0) return 0;
  const epsilon = 2 ** (Math.log2(Math.abs(normalized)) - 52);
  const rounded = Math.sign(normalized) * Math.round(Math.abs(normalized) + epsilon);
  return Number((rounded * rounding).toFixed(decimalsOf(rounding))) + 0;
}

/** `odoo.tools.float_is_zero(value, precision_rounding=rounding)`. */
export function floatIsZero(value: number, rounding: number): boolean {
  return Math.abs(floatRound(value, rounding)) < rounding;
}

/**
 * `_prepare_stock_return_picking_line_vals_from_move` (17.0): the move's `product_qty`, less what its returns
 * already take — the reserved quantity of those that are ready (`assigned`, `partially_available`) and the demand of
 * those that are done; returns still waiting, draft or cancelled take nothing. Rounded to the product's unit. It may
 * be negative when more was returned than the move held, as in Odoo.
 */
export function quantityLeftToReturn(productQty: number, returns: readonly ReturnMove[], rounding: number): number {
  let quantity = productQty;
  for (const r of returns) {
    if (r.state === 'partially_available' || r.state === 'assigned') quantity -= r.quantity;
    else if (r.state === 'done') quantity -= r.productQty;
  }
  return floatRound(quantity, rounding);
}

/**
 * What `stock.return.picking.create_returns` answers: the form of the last return picking it created, with the
 * caller's context and the list filters reset.
 */
export function returnedPickingAction(
  pickingId: number,
  pickingTypeId: number,
  partnerId: number | false,
  context: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    name: 'Returned Picking',
    view_mode: 'form,tree,calendar',
    res_model: 'stock.picking',
    res_id: pickingId,
    type: 'ir.actions.act_window',
    context: {
      ...context,
      default_partner_id: partnerId,
      search_default_picking_type_id: pickingTypeId,
      search_default_draft: false,
      search_default_assigned: false,
      search_default_confirmed: false,
      search_default_ready: false,
      search_default_planning_issues: false,
      search_default_available: false,
    },
  };
}
