import {
  lineAmounts,
  lineInvoicing,
  orderInvoiceStatus,
  pickingState,
  reserve,
  roundCurrency,
} from './sale-order.amounts';

describe('sales order amounts', () => {
  it('rounds half up to the cent', () => {
    expect(roundCurrency(1.005)).toBe(1.01);
    expect(roundCurrency(70.5)).toBe(70.5);
    expect(roundCurrency(-1.005)).toBe(-1.01);
  });

  it('computes a line subtotal with its discount, and zero for sections and notes', () => {
    expect(lineAmounts({ productUomQty: 3, priceUnit: 19.99, discount: 10, displayType: null })).toMatchObject({
      price_subtotal: 53.97,
      price_total: 53.97,
      price_tax: 0,
    });
    expect(lineAmounts({ productUomQty: 0, priceUnit: 0, discount: 0, displayType: 'line_note' }).price_total).toBe(0);
  });

  it('invoices confirmed lines by ordered or delivered quantity', () => {
    const base = { displayType: null, productUomQty: 5, qtyDelivered: 2, qtyInvoiced: 0 };
    expect(lineInvoicing({ ...base, state: 'draft', invoicePolicy: 'order' })).toEqual({
      qty_to_invoice: 0,
      invoice_status: 'no',
    });
    expect(lineInvoicing({ ...base, state: 'sale', invoicePolicy: 'order' })).toEqual({
      qty_to_invoice: 5,
      invoice_status: 'to invoice',
    });
    expect(lineInvoicing({ ...base, state: 'sale', invoicePolicy: 'delivery' }).qty_to_invoice).toBe(2);
    expect(orderInvoiceStatus('sale', ['no', 'to invoice'])).toBe('to invoice');
    expect(orderInvoiceStatus('draft', ['to invoice'])).toBe('no');
  });
});

describe('reservation and picking state', () => {
  it('reserves what stock allows for storable products, everything for consumables', () => {
    expect(reserve(5, 10, true)).toEqual({ state: 'assigned', quantity: 5 });
    expect(reserve(5, 2, true)).toEqual({ state: 'partially_available', quantity: 2 });
    expect(reserve(5, 0, true)).toEqual({ state: 'confirmed', quantity: 0 });
    expect(reserve(5, 0, false)).toEqual({ state: 'assigned', quantity: 5 });
  });

  it('is ready when a direct transfer can ship something, waiting otherwise', () => {
    expect(pickingState(['assigned', 'confirmed'], 'direct')).toBe('assigned');
    expect(pickingState(['assigned', 'confirmed'], 'one')).toBe('confirmed');
    expect(pickingState(['confirmed'], 'direct')).toBe('confirmed');
    expect(pickingState(['done', 'cancel'], 'direct')).toBe('done');
    expect(pickingState([], 'direct')).toBe('draft');
  });
});
