import type {
  InventoryLevel,
  Invoice,
  Payment,
  Product,
  SalesOrder,
  SalesOrderLine,
  Shipment,
  ShipmentLine,
} from '@hub/canonical';
import { odooCanonicalIds, odooPartnerCanonicalId } from '@hub/canonical';
import type { OdooRow } from '../mirror/cdc-mirror.repository';
import { RowReader, sumDecimals } from './odoo-values';
import { ODOO_STATES } from './odoo-rows.rules';

const partnerRef = (id: number | null) => (id === null ? null : odooPartnerCanonicalId(id));

/** product.product joined with its product.template; Odoo 17 keeps the kind of product in detailed_type. */
export function toProduct(variant: OdooRow, template: OdooRow, currencyCode: string): Product {
  const v = new RowReader('product_product', variant);
  const t = new RowReader('product_template', template);
  return {
    id: odooCanonicalIds.product(variant.id),
    odooProductId: variant.id,
    odooTemplateId: template.id,
    sku: v.text('default_code') ?? t.text('default_code'),
    barcode: v.text('barcode'),
    name: t.translated('name') ?? t.fail('name', 'is required'),
    productType: t.text('detailed_type') ?? t.text('type') ?? 'consu',
    listPrice: t.decimal('list_price'),
    currencyCode,
    saleOk: t.bool('sale_ok', true),
    active: v.bool('active', true) && t.bool('active', true),
  };
}

export function toSalesOrderLine(line: OdooRow): SalesOrderLine {
  const r = new RowReader('sale_order_line', line);
  const productId = r.int('product_id');
  return {
    odooId: line.id,
    sequence: r.int('sequence') ?? 10,
    displayType: r.text('display_type'),
    productId: productId === null ? null : odooCanonicalIds.product(productId),
    description: r.text('name') ?? '',
    quantity: r.decimal('product_uom_qty', { min: 0 }),
    unitPrice: r.decimal('price_unit'),
    discountPercent: r.decimal('discount'),
    subtotal: r.decimal('price_subtotal'),
    tax: r.moneyFloat('price_tax'),
    total: r.decimal('price_total'),
    quantityDelivered: r.decimal('qty_delivered'),
    quantityInvoiced: r.decimal('qty_invoiced'),
  };
}

/**
 * The order header with every live line, ordered as Odoo shows them (sequence, then id). `salesforceOrderId` is the
 * Salesforce Order the hub's external id links the order to (hub.salesforce_order_<Id>), when it was captured there.
 */
export function toSalesOrder(
  order: OdooRow,
  lines: OdooRow[],
  currencyCode: string,
  salesforceOrderId: string | null = null,
): SalesOrder {
  const r = new RowReader('sale_order', order);
  return {
    id: odooCanonicalIds.salesOrder(order.id),
    odooId: order.id,
    name: r.requiredText('name'),
    state: r.oneOf('state', ODOO_STATES.saleOrder),
    locked: r.bool('locked', false),
    customerId: odooPartnerCanonicalId(r.requiredInt('partner_id')),
    invoiceAddressId: partnerRef(r.int('partner_invoice_id')),
    shippingAddressId: partnerRef(r.int('partner_shipping_id')),
    customerReference: r.text('client_order_ref'),
    salesforceOrderId,
    orderDate: r.timestamp('date_order'),
    commitmentDate: r.timestamp('commitment_date'),
    validityDate: r.date('validity_date'),
    currencyCode,
    amountUntaxed: r.decimal('amount_untaxed'),
    amountTax: r.decimal('amount_tax'),
    amountTotal: r.decimal('amount_total'),
    invoiceStatus: r.text('invoice_status'),
    deliveryStatus: r.text('delivery_status'),
    lines: lines.map(toSalesOrderLine).sort((a, b) => a.sequence - b.sequence || a.odooId - b.odooId),
  };
}

export const CUSTOMER_INVOICE_TYPES = ['out_invoice', 'out_refund'];

/**
 * `orderIds` are the Odoo ids of the sales orders the invoice bills (its lines' order lines, through
 * sale_order_line_invoice_rel), whatever `invoice_origin` says: that text is editable and often empty.
 */
export function toInvoice(move: OdooRow, currencyCode: string, orderIds: readonly number[] = []): Invoice {
  const r = new RowReader('account_move', move);
  const orders = [...new Set(orderIds)].sort((a, b) => a - b).map(odooCanonicalIds.salesOrder);
  return {
    id: odooCanonicalIds.invoice(move.id),
    odooId: move.id,
    number: r.text('name') ?? '/',
    moveType: r.oneOf('move_type', ['out_invoice', 'out_refund'] as const),
    state: r.oneOf('state', ODOO_STATES.move),
    paymentState: r.text('payment_state') ?? 'not_paid',
    customerId: partnerRef(r.int('partner_id')),
    invoiceDate: r.date('invoice_date'),
    dueDate: r.date('invoice_date_due'),
    currencyCode,
    amountUntaxed: r.decimal('amount_untaxed'),
    amountTax: r.decimal('amount_tax'),
    amountTotal: r.decimal('amount_total'),
    amountResidual: r.decimal('amount_residual'),
    originOrder: r.text('invoice_origin'),
    paymentReference: r.text('payment_reference'),
    orderIds: orders,
    orderId: orders[0] ?? null,
  };
}

/** Odoo 17 keeps a payment's date and state on its journal entry (account_move). */
export function toPayment(payment: OdooRow, move: OdooRow | undefined, currencyCode: string): Payment {
  const r = new RowReader('account_payment', payment);
  const m = move ? new RowReader('account_move', move) : undefined;
  return {
    id: odooCanonicalIds.payment(payment.id),
    odooId: payment.id,
    reference: m?.text('name') ?? null,
    paymentType: r.oneOf('payment_type', ODOO_STATES.paymentType),
    partnerType: r.oneOf('partner_type', ODOO_STATES.partnerType),
    customerId: partnerRef(r.int('partner_id')),
    amount: r.decimal('amount', { min: 0 }),
    currencyCode,
    paymentDate: m?.date('date') ?? null,
    state: m ? m.oneOf('state', ODOO_STATES.move) : 'draft',
  };
}

export function toShipment(picking: OdooRow, moves: OdooRow[]): Shipment {
  const r = new RowReader('stock_picking', picking);
  const saleId = r.int('sale_id');
  return {
    id: odooCanonicalIds.shipment(picking.id),
    odooId: picking.id,
    name: r.text('name') ?? '/',
    state: r.oneOf('state', ODOO_STATES.picking),
    customerId: partnerRef(r.int('partner_id')),
    orderId: saleId === null ? null : odooCanonicalIds.salesOrder(saleId),
    originOrder: r.text('origin'),
    scheduledDate: r.timestamp('scheduled_date'),
    doneDate: r.timestamp('date_done'),
    trackingReference: r.text('carrier_tracking_ref'),
    lines: moves.map((move): ShipmentLine => {
      const m = new RowReader('stock_move', move);
      return {
        odooId: move.id,
        productId: odooCanonicalIds.product(m.requiredInt('product_id')),
        quantityOrdered: m.decimal('product_uom_qty', { min: 0 }),
        quantityDone: m.decimal('quantity', { min: 0 }),
        state: m.text('state') ?? 'draft',
      };
    }),
  };
}

/** Sums the quants of internal locations; available = on hand − reserved, as Odoo computes it. */
export function toInventoryLevel(productId: number, internalQuants: OdooRow[]): InventoryLevel {
  const onHand = sumDecimals(internalQuants.map((q) => new RowReader('stock_quant', q).decimal('quantity')));
  const reserved = sumDecimals(
    internalQuants.map((q) => new RowReader('stock_quant', q).decimal('reserved_quantity', { min: 0 })),
  );
  const negReserved = reserved.startsWith('-') ? reserved.slice(1) : `-${reserved}`;
  return {
    id: odooCanonicalIds.product(productId),
    odooProductId: productId,
    onHand,
    reserved,
    available: sumDecimals([onHand, negReserved]),
  };
}
