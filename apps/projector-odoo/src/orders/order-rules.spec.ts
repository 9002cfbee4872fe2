import type { OrderSubmission, OrderSubmissionLine } from '@hub/canonical';
import {
  BusinessException,
  checkCredit,
  checkLines,
  OdooProduct,
  orderValue,
  planLines,
  stockShortages,
} from './order-rules';

const line = (over: Partial<OrderSubmissionLine>): OrderSubmissionLine => ({
  salesforceItemId: '802000000000001AAA',
  productId: null,
  sku: 'SKU-1',
  productName: null,
  description: null,
  quantity: '2',
  unitPrice: '10.0000',
  listPrice: null,
  ...over,
});

const order = (lines: OrderSubmissionLine[]): OrderSubmission => ({
  id: 'salesforce-order-801000000000001AAA',
  salesforceOrderId: '801000000000001AAA',
  name: 'Rep order',
  customerId: 'odoo-partner-7',
  salesforceAccountId: '001000000000001AAA',
  shipTo: null,
  pricebookId: null,
  pricebookName: null,
  currencyCode: 'EUR',
  effectiveDate: 0,
  poNumber: 'PO-1',
  description: null,
  totalAmount: '20.0000',
  ownerId: null,
  activatedAt: 0,
  lines,
});

const product = (over: Partial<OdooProduct>): OdooProduct => ({
  id: 11,
  sku: 'SKU-1',
  name: 'Chair',
  listPrice: 12,
  type: 'product',
  freeQty: 100,
  ...over,
});

const caught = (fn: () => unknown): BusinessException => {
  try {
    fn();
  } catch (error) {
    if (error instanceof BusinessException) return error;
    throw error;
  }
  throw new Error('expected a business exception');
};

describe('order rules', () => {
  it('names every line without a SKU or with a quantity that is not positive', () => {
    const e = caught(() =>
      checkLines(order([line({ sku: null }), line({ salesforceItemId: '802000000000002AAA', quantity: '-1' })])),
    );
    expect(e.kind).toBe('invalid-line');
    expect(e.message).toContain('line 1 (802000000000001AAA) has no SKU');
    expect(e.message).toContain('line 2 (802000000000002AAA, SKU SKU-1) has quantity -1: it must be positive');
    expect(() => checkLines(order([line({})]))).not.toThrow();
    expect(caught(() => checkLines(order([]))).message).toBe('the order has no lines');
  });

  it('finds products by Odoo id first, then SKU, and names every unknown SKU', () => {
    const chair = product({});
    const desk = product({ id: 12, sku: 'SKU-2', name: 'Desk' });
    const byId = new Map([[12, desk]]);
    const bySku = new Map([['SKU-1', chair]]);
    const odooId = (id: string) => (/^odoo-product-(\d+)$/.exec(id) ? Number(id.slice(13)) : null);
    const planned = planLines(
      order([line({}), line({ productId: 'odoo-product-12', sku: 'OTHER' })]),
      byId,
      bySku,
      odooId,
      'order',
    );
    expect(planned.map((p) => [p.product.id, p.quantity, p.priceUnit])).toEqual([
      [11, 2, 10],
      [12, 2, 10],
    ]);
    const pricelist = planLines(order([line({})]), byId, bySku, odooId, 'pricelist');
    expect(pricelist[0].priceUnit).toBeNull();
    expect(orderValue(pricelist)).toBe(24);
    const e = caught(() => planLines(order([line({ sku: 'NOPE' })]), byId, bySku, odooId, 'order'));
    expect(e.kind).toBe('unknown-sku');
    expect(e.message).toContain('no Odoo product with internal reference NOPE');
  });

  it('holds an order whose open orders plus itself exceed the credit limit; 0 means no limit', () => {
    expect(() => checkCredit(1000, 600, 400)).not.toThrow();
    const e = caught(() => checkCredit(1000, 600, 400.01));
    expect(e.kind).toBe('credit-hold');
    expect(e.detail).toEqual({ creditLimit: 1000, openOrders: 600, thisOrder: 400.01 });
    expect(() => checkCredit(0, 1e9, 1e9)).not.toThrow();
  });

  it('counts stock short per storable product over all its lines', () => {
    const chair = product({ freeQty: 3 });
    const service = product({ id: 13, sku: 'SRV', type: 'service', freeQty: 0 });
    const lines = [
      { line: line({}), product: chair, quantity: 2, priceUnit: null },
      { line: line({}), product: chair, quantity: 2, priceUnit: null },
      { line: line({ sku: 'SRV' }), product: service, quantity: 5, priceUnit: null },
    ];
    expect(stockShortages(lines)).toEqual([{ sku: 'SKU-1', productId: 11, ordered: 4, free: 3 }]);
  });
});
