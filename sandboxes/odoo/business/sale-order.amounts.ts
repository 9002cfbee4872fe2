/**
 * The computed amounts and statuses of sales order lines and orders (sale module, 17.0), without taxes: the
 * sandbox models no account.tax, so price_tax is 0 and totals equal subtotals.
 */

/** Odoo's currency rounding (float_round, HALF-UP) to the currency's 0.01. */
export function roundCurrency(value: number, rounding = 0.01): number {
  const steps = value / rounding;
  const rounded = Math.sign(steps) * Math.round(Math.abs(steps) + 1e-9);
  return Number((rounded * rounding).toFixed(6));
}

export interface LineInput {
  productUomQty: number;
  priceUnit: number;
  discount: number;
  displayType: string | null;
}

export interface LineAmounts {
  price_subtotal: number;
  price_tax: number;
  price_total: number;
  price_reduce_taxexcl: number;
  price_reduce_taxinc: number;
}

export function lineAmounts(line: LineInput): LineAmounts {
  if (line.displayType) {
    return { price_subtotal: 0, price_tax: 0, price_total: 0, price_reduce_taxexcl: 0, price_reduce_taxinc: 0 };
  }
  const subtotal = roundCurrency(line.priceUnit * (1 - (line.discount || 0) / 100) * line.productUomQty);
  const perUnit = line.productUomQty ? subtotal / line.productUomQty : 0;
  return {
    price_subtotal: subtotal,
    price_tax: 0,
    price_total: subtotal,
    price_reduce_taxexcl: perUnit,
    price_reduce_taxinc: perUnit,
  };
}

export interface LineStatusInput {
  state: string | null;
  displayType: string | null;
  invoicePolicy: string | null;
  productUomQty: number;
  qtyDelivered: number;
  qtyInvoiced: number;
}

/** `qty_to_invoice` and `invoice_status` of a line. */
export function lineInvoicing(line: LineStatusInput): { qty_to_invoice: number; invoice_status: string } {
  if (line.state !== 'sale' || line.displayType) return { qty_to_invoice: 0, invoice_status: 'no' };
  const basis = line.invoicePolicy === 'delivery' ? line.qtyDelivered : line.productUomQty;
  const toInvoice = basis - line.qtyInvoiced;
  if (Math.abs(toInvoice) > 1e-9) return { qty_to_invoice: toInvoice, invoice_status: 'to invoice' };
  if (line.productUomQty > 0 && line.qtyInvoiced >= line.productUomQty) {
    return { qty_to_invoice: 0, invoice_status: 'invoiced' };
  }
  return { qty_to_invoice: 0, invoice_status: 'no' };
}

/** An order's `invoice_status` from its lines'. */
export function orderInvoiceStatus(state: string | null, lineStatuses: readonly string[]): string {
  if (state !== 'sale') return 'no';
  if (lineStatuses.includes('to invoice')) return 'to invoice';
  if (lineStatuses.length && lineStatuses.every((s) => s === 'invoiced')) return 'invoiced';
  return 'no';
}

export interface MoveReservation {
  state: 'confirmed' | 'partially_available' | 'assigned';
  quantity: number;
}

/** How much of a move's demand is reserved, and the move's state (storable products reserve from stock). */
export function reserve(demand: number, available: number, storable: boolean): MoveReservation {
  if (!storable) return { state: 'assigned', quantity: demand };
  const quantity = Math.max(0, Math.min(demand, available));
  if (quantity >= demand) return { state: 'assigned', quantity: demand };
  return { state: quantity > 0 ? 'partially_available' : 'confirmed', quantity };
}

/** A picking's state from its moves' (`_compute_state`, move_type direct or one). */
export function pickingState(moveStates: readonly string[], moveType: string): string {
  const live = moveStates.filter((s) => s !== 'cancel');
  if (!moveStates.length || moveStates.every((s) => s === 'draft')) return 'draft';
  if (!live.length) return 'cancel';
  if (live.every((s) => s === 'done')) return 'done';
  const open = live.filter((s) => s !== 'done');
  if (open.every((s) => s === 'assigned')) return 'assigned';
  if (moveType === 'direct' && open.some((s) => s === 'assigned' || s === 'partially_available')) return 'assigned';
  if (open.some((s) => s === 'waiting')) return 'waiting';
  return 'confirmed';
}
