import type { OrderContext } from '../context/erp-context.repository';
import { addMonths, composeCaseNote, composeOrderUpdate, entitlementOf } from './case-note';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const options = { warrantyMonths: 12, now: NOW };
const order = (over: Partial<OrderContext> = {}): OrderContext => ({
  id: 'odoo-order-42',
  customerId: 'odoo-partner-7',
  name: 'S00042',
  state: 'sale',
  orderDate: Date.UTC(2026, 2, 1),
  shipments: [
    {
      id: 'odoo-shipment-42',
      name: 'WH/OUT/00042',
      state: 'done',
      doneDate: Date.UTC(2026, 2, 3, 9),
      trackingReference: '1Z999AA10123456784',
    },
  ],
  invoices: [{ number: 'INV/2026/00042', state: 'posted', paymentState: 'paid', dueDate: 20_544 }],
  ...over,
});

describe('the note on a new ticket', () => {
  it('summarises the referenced order: state, delivery with tracking, invoice and payment, warranty', () => {
    expect(composeCaseNote({ kind: 'order', reference: 'S00042', order: order() }, options)).toBe(
      [
        'ERP context from the integration hub (read-only):',
        'Order S00042: sale, ordered 2026-03-01.',
        'Delivery WH/OUT/00042: done on 2026-03-03, tracking 1Z999AA10123456784.',
        'Invoice INV/2026/00042: posted, payment paid, due 2026-04-01.',
        'Warranty: under warranty until 2027-03-03 (12 months from delivery).',
      ].join('\n'),
    );
  });

  it('says plainly when the referenced order does not exist, and when the customer is unknown', () => {
    expect(composeCaseNote({ kind: 'order', reference: 'S99999', order: undefined }, options)).toContain(
      'The ERP has no order named S99999',
    );
    expect(composeCaseNote({ kind: 'unknown-customer' }, options)).toContain('no ERP data to show');
    expect(composeCaseNote({ kind: 'customer', orders: [] }, options)).toContain('no orders for this customer');
  });

  it('lists the customer’s recent orders when the ticket names none', () => {
    const note = composeCaseNote(
      { kind: 'customer', orders: [order(), order({ name: 'S00041', shipments: [], invoices: [] })] },
      options,
    );
    expect(note).toContain("the customer's 2 most recent:");
    expect(note).toContain('Order S00041: sale');
    expect(note).toContain('Delivery: none yet.');
    expect(note).toContain('Warranty: not delivered yet, so no warranty is running.');
  });

  it('counts the warranty from the last done delivery, in calendar months', () => {
    expect(new Date(addMonths(Date.UTC(2026, 0, 31), 1)).toISOString().slice(0, 10)).toBe('2026-02-28');
    const old = order({
      shipments: [
        {
          id: 'odoo-shipment-1',
          name: 'WH/OUT/1',
          state: 'done',
          doneDate: Date.UTC(2025, 0, 10),
          trackingReference: null,
        },
      ],
    });
    expect(entitlementOf(old, options)).toBe('Warranty: expired on 2026-01-10 (12 months from delivery).');
    const pending = order({
      shipments: [
        { id: 'odoo-shipment-2', name: 'WH/OUT/2', state: 'assigned', doneDate: null, trackingReference: null },
      ],
    });
    expect(entitlementOf(pending, options)).toContain('not delivered yet');
  });
});

describe('the update on a ticket whose order changed', () => {
  const draft = { number: '/', state: 'draft', paymentState: 'not_paid', dueDate: 20_544 };
  const posted = { number: 'INV/2026/00042', state: 'posted', paymentState: 'not_paid', dueDate: 20_544 };

  it('tells nothing of a draft invoice: not in the first note, and no update when one appears', () => {
    const told = composeCaseNote({ kind: 'order', reference: 'S00042', order: order({ invoices: [] }) }, options)
      .split('\n')
      .slice(1);
    expect(told).toContain('Invoice: none yet.');
    const withDraft = order({ invoices: [draft] });
    expect(composeCaseNote({ kind: 'order', reference: 'S00042', order: withDraft }, options)).toContain(
      'Invoice: none yet.',
    );
    expect(composeOrderUpdate(withDraft, told, options)).toBeUndefined();
  });

  it('tells the invoice once posted, then its payment, each time with only the line that changed', () => {
    const told = ['Order S00042: sale, ordered 2026-03-01.', 'Delivery: none yet.', 'Invoice: none yet.'];
    const invoiced = composeOrderUpdate(order({ shipments: [], invoices: [posted] }), told, options)!;
    expect(invoiced.body).toBe(
      [
        'Update on order S00042 from the ERP (read-only):',
        'Invoice INV/2026/00042: posted, payment not_paid, due 2026-04-01.',
      ].join('\n'),
    );
    const paid = composeOrderUpdate(
      order({ shipments: [], invoices: [{ ...posted, paymentState: 'paid' }] }),
      invoiced.facts,
      options,
    )!;
    expect(paid.body).toBe(
      [
        'Update on order S00042 from the ERP (read-only):',
        'Invoice INV/2026/00042: posted, payment paid, due 2026-04-01.',
      ].join('\n'),
    );
  });

  it('tells a posted invoice cancelled, but not a draft thrown away', () => {
    const told = composeCaseNote({ kind: 'order', reference: 'S00042', order: order() }, options).split('\n');
    const cancelled = order({
      invoices: [{ number: 'INV/2026/00042', state: 'cancel', paymentState: 'not_paid', dueDate: 20_544 }],
    });
    expect(composeOrderUpdate(cancelled, told, options)?.body).toContain('Invoice INV/2026/00042: cancel');
    const draftCancelled = order({ invoices: [{ ...draft, state: 'cancel' }] });
    expect(composeCaseNote({ kind: 'order', reference: 'S00042', order: draftCancelled }, options)).toContain(
      'Invoice: none yet.',
    );
  });
});
