import { PermanentError } from '@hub/resilience';
import type { OdooRow } from '../mirror/cdc-mirror.repository';
import { toInvoice, toSalesOrder, toSalesOrderLine } from './aggregate.mappers';
import { checkRow } from './odoo-rows.rules';

/** An account_move row as Debezium sends it: numeric as text, dates as days since the epoch. */
const move = (over: Partial<OdooRow> = {}): OdooRow => ({
  id: 17,
  name: 'INV/2026/00017',
  move_type: 'out_invoice',
  state: 'posted',
  payment_state: 'not_paid',
  partner_id: 7,
  invoice_date: 20_500,
  invoice_date_due: 20_530,
  amount_untaxed: '681.8',
  amount_tax: '0',
  amount_total: '681.8',
  amount_residual: '681.8',
  invoice_origin: 'S00042',
  payment_reference: 'INV/2026/00017',
  ...over,
});

describe('toInvoice', () => {
  it('lists the orders its lines bill by canonical id, ascending and once each, the first as orderId', () => {
    const invoice = toInvoice(move(), 'USD', [42, 9, 42]);
    expect(invoice.orderIds).toEqual(['odoo-sale-order-9', 'odoo-sale-order-42']);
    expect(invoice.orderId).toBe('odoo-sale-order-9');
  });

  it('links no order when no line comes from one, whatever invoice_origin says', () => {
    const invoice = toInvoice(move({ invoice_origin: 'S00042' }), 'USD');
    expect(invoice).toMatchObject({ orderIds: [], orderId: null, originOrder: 'S00042' });
  });

  it('links the orders of its lines when invoice_origin is empty or names others', () => {
    expect(toInvoice(move({ invoice_origin: null }), 'USD', [5])).toMatchObject({
      originOrder: null,
      orderIds: ['odoo-sale-order-5'],
      orderId: 'odoo-sale-order-5',
    });
    expect(toInvoice(move({ invoice_origin: 'S00001, S00002' }), 'USD', [5])).toMatchObject({
      orderIds: ['odoo-sale-order-5'],
    });
  });

  it('maps the rest of the move as before, with exact decimals', () => {
    expect(toInvoice(move(), 'USD', [])).toMatchObject({
      id: 'odoo-invoice-17',
      odooId: 17,
      number: 'INV/2026/00017',
      moveType: 'out_invoice',
      state: 'posted',
      customerId: 'odoo-partner-7',
      currencyCode: 'USD',
      amountTotal: '681.8000',
    });
  });
});

describe('checkRow for the invoice-to-order links', () => {
  it('accepts a link with both ids and an invoice line with its move', () => {
    expect(() => checkRow('sale_order_line_invoice_rel', { order_line_id: 3, invoice_line_id: 8 })).not.toThrow();
    expect(() => checkRow('account_move_line', { id: 8, move_id: 17 })).not.toThrow();
  });

  it('refuses a link without an order line, naming the table, the pair and the field', () => {
    expect(() => checkRow('sale_order_line_invoice_rel', { order_line_id: null, invoice_line_id: 8 })).toThrow(
      new PermanentError(
        'INVALID_RECORD',
        'sale_order_line_invoice_rel invoice_line_id=8 order_line_id=null: order_line_id is not an integer (null)',
      ),
    );
  });

  it('refuses an invoice line without its move', () => {
    expect(() => checkRow('account_move_line', { id: 8, move_id: null })).toThrow(
      'account_move_line id=8: move_id is required',
    );
  });
});

describe('toSalesOrder', () => {
  const order: OdooRow = {
    id: 42,
    name: 'S00042',
    state: 'sale',
    partner_id: 7,
    partner_invoice_id: 7,
    partner_shipping_id: 7,
    currency_id: 2,
    amount_untaxed: '100',
    amount_tax: '21',
    amount_total: '121',
    invoice_status: 'to invoice',
  };

  it('carries the Salesforce Order the hub links it to, captured there by a rep', () => {
    expect(toSalesOrder(order, [], 'EUR', '801000000000001AAA')).toMatchObject({
      id: 'odoo-sale-order-42',
      name: 'S00042',
      state: 'sale',
      salesforceOrderId: '801000000000001AAA',
      amountTotal: '121.0000',
    });
  });

  it('links nothing for an order entered in Odoo', () => {
    expect(toSalesOrder(order, [], 'EUR').salesforceOrderId).toBeNull();
  });

  it('carries the delivery status sale_stock keeps, and none for an order with nothing to deliver', () => {
    expect(toSalesOrder({ ...order, delivery_status: 'partial' }, [], 'EUR').deliveryStatus).toBe('partial');
    expect(toSalesOrder({ ...order, delivery_status: null }, [], 'EUR').deliveryStatus).toBeNull();
  });
});

describe('toSalesOrderLine', () => {
  /** A line with a 10% discount and two taxes (21% VAT included in the price, 5% eco tax), as Odoo stores it. */
  const line: OdooRow = {
    id: 9,
    order_id: 42,
    sequence: 10,
    product_id: 3,
    name: 'Desk',
    product_uom_qty: '3',
    price_unit: '121',
    discount: '10',
    price_subtotal: '261.94',
    price_tax: 64.73999999999998,
    price_total: '326.68',
    qty_delivered: '0',
    qty_invoiced: '0',
  };

  it("carries Odoo's untaxed, tax and total amounts of the line, the float tax rounded to the canonical scale", () => {
    expect(toSalesOrderLine(line)).toMatchObject({
      unitPrice: '121.0000',
      discountPercent: '10.0000',
      subtotal: '261.9400',
      tax: '64.7400',
      total: '326.6800',
    });
  });

  it('leaves the tax empty when Odoo has not computed it', () => {
    expect(toSalesOrderLine({ ...line, price_tax: null }).tax).toBeNull();
  });

  it('refuses a tax that is not a number, naming the line and the field', () => {
    expect(() => toSalesOrderLine({ ...line, price_tax: 'lots' })).toThrow(
      new PermanentError('INVALID_RECORD', 'sale_order_line id=9: price_tax is not a number ("lots")'),
    );
  });
});
