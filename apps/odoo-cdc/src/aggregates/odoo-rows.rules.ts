import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import { isRelationTable, OdooRow, RELATION_TABLES, RelationTable } from '../mirror/cdc-mirror.repository';
import { salesforceLinkOf } from '../links/hub-link.mapper';
import { checkResPartnerRow } from '../partner/res-partner.mapper';
import { RowReader } from './odoo-values';

/** Odoo 17 selection values the hub relies on; anything else is an impossible row. */
export const ODOO_STATES = {
  saleOrder: ['draft', 'sent', 'sale', 'cancel'],
  move: ['draft', 'posted', 'cancel'],
  moveType: ['entry', 'out_invoice', 'out_refund', 'in_invoice', 'in_refund', 'out_receipt', 'in_receipt'],
  paymentState: ['not_paid', 'in_payment', 'paid', 'partial', 'reversed', 'invoicing_legacy'],
  paymentType: ['inbound', 'outbound'],
  partnerType: ['customer', 'supplier'],
  picking: ['draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel'],
} as const;

/**
 * Checks a row before it enters the mirror, so an impossible row is dead-lettered by itself (naming the field)
 * and never poisons the aggregate it belongs to. Tables without rules are accepted as they are.
 */
export function checkRow(table: string, row: OdooRow | Record<string, unknown>): void {
  if (isRelationTable(table)) return checkRelationRow(table, row);
  const r = new RowReader(table, row as OdooRow);
  switch (table) {
    case 'sale_order':
      r.oneOf('state', ODOO_STATES.saleOrder);
      r.requiredInt('partner_id');
      r.requiredInt('currency_id');
      r.decimal('amount_total');
      return;
    case 'sale_order_line':
      r.requiredInt('order_id');
      if (r.text('display_type') === null && r.int('product_id') === null)
        r.fail('product_id', 'is required on a product line');
      r.decimal('product_uom_qty', { min: 0 });
      r.decimal('price_unit');
      return;
    case 'account_move':
      r.oneOf('state', ODOO_STATES.move);
      r.oneOf('move_type', ODOO_STATES.moveType);
      if (row.payment_state !== null && row.payment_state !== undefined)
        r.oneOf('payment_state', ODOO_STATES.paymentState);
      return;
    case 'account_move_line':
      r.requiredInt('move_id');
      return;
    case 'account_payment':
      r.oneOf('payment_type', ODOO_STATES.paymentType);
      r.oneOf('partner_type', ODOO_STATES.partnerType);
      r.decimal('amount', { min: 0 });
      return;
    case 'stock_picking':
      r.oneOf('state', ODOO_STATES.picking);
      return;
    case 'stock_move':
      r.requiredInt('product_id');
      r.decimal('product_uom_qty', { min: 0 });
      r.decimal('quantity', { min: 0 });
      return;
    case 'stock_quant':
      r.requiredInt('product_id');
      r.requiredInt('location_id');
      r.decimal('quantity');
      r.decimal('reserved_quantity', { min: 0 });
      return;
    case 'product_template':
      if (!r.translated('name')) r.fail('name', 'is required');
      r.decimal('list_price');
      return;
    case 'product_product':
      r.requiredInt('product_tmpl_id');
      return;
    // What the Customer or Contact event needs (a name, text fields as text): its upsert is built at an END.
    case 'res_partner':
      checkResPartnerRow(row);
      return;
    // Only the hub's external ids reach the mirror: a link to a Salesforce record must name one, on the right model.
    case 'ir_model_data':
      salesforceLinkOf(row);
      return;
    default:
      return;
  }
}

/** A relation row is its two ids: both must be integers (Odoo's columns are NOT NULL foreign keys). */
function checkRelationRow(table: RelationTable, row: Record<string, unknown>): void {
  const columns = Object.values(RELATION_TABLES[table]);
  for (const column of columns) {
    const v = row[column];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      const key = columns.map((c) => `${c}=${JSON.stringify(row[c])}`).join(' ');
      throw new PermanentError(
        PermanentErrorCode.INVALID_RECORD,
        `${table} ${key}: ${column} is not an integer (${JSON.stringify(v)})`,
      );
    }
  }
}
