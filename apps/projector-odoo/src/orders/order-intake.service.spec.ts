import type { OrderSubmission } from '@hub/canonical';
import { KeyedLock } from '@hub/projection';
import pino from 'pino';
import type { OrderExceptionRepository } from '../exceptions/order-exception.repository';
import { OdooDomain, OdooPort, OdooRecord, OdooValues } from '@hub/odoo';
import type { PartnerSyncService } from '../partners/partner-sync.service';
import { CustomerCreditLock } from './customer-credit.lock';
import { OrderIntakeService } from './order-intake.service';

/** The credit lock in one process: what the PostgreSQL lock gives across processes. Records whom it served. */
class InMemoryCreditLock extends CustomerCreditLock {
  readonly customers: number[] = [];
  private readonly lock = new KeyedLock();
  run<T>(commercialPartnerId: number, section: () => Promise<T>): Promise<T> {
    this.customers.push(commercialPartnerId);
    return this.lock.run(String(commercialPartnerId), section);
  }
}

/** No lock at all: what intake did before it had one. */
class NoCreditLock extends CustomerCreditLock {
  run<T>(_: number, section: () => Promise<T>): Promise<T> {
    return section();
  }
}

/**
 * Just enough of Odoo for order intake: one contact (7) of a company (3) with a credit limit, one product, sale orders
 * confirmed with their amount. Every call yields first, so concurrent intakes interleave as over the network.
 */
class InMemoryOdoo extends OdooPort {
  readonly saleOrders: { id: number; partnerId: number; state: string; amount: number; lines: unknown[] }[] = [];
  constructor(private readonly creditLimit: number) {
    super();
  }
  async uid() {
    return 2;
  }
  async searchRead(model: string, domain: OdooDomain): Promise<OdooRecord[]> {
    await new Promise((r) => setImmediate(r));
    const [[field]] = domain as [string][];
    if (model === 'res.partner' && field === 'id') {
      const id = (domain[0] as [string, string, number])[2];
      return id === 7
        ? [{ id: 7, name: 'Buyer', commercial_partner_id: [3, 'Company'], credit_limit: 0 }]
        : [{ id: 3, name: 'Company', credit_limit: this.creditLimit }];
    }
    if (model === 'product.product') {
      return [{ id: 11, default_code: 'SKU-1', name: 'Widget', lst_price: 10, type: 'consu', free_qty: 0 }];
    }
    if (model === 'ir.model.data') return [];
    if (model === 'sale.order' && field === 'partner_id.commercial_partner_id') {
      return this.saleOrders.filter((o) => o.state === 'sale').map((o) => ({ id: o.id, amount_total: o.amount }));
    }
    if (model === 'sale.order' && field === 'id') {
      const id = (domain[0] as [string, string, number])[2];
      return this.saleOrders.filter((o) => o.id === id).map((o) => ({ id: o.id, name: `S${o.id}`, state: o.state }));
    }
    return [];
  }
  async create(): Promise<number> {
    throw new Error('not used by intake');
  }
  async write(model: string, ids: number[], values: OdooValues): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.saleOrders.find((o) => o.id === ids[0])!.lines = values.order_line as unknown[];
  }
  async load(model: string, fields: string[], rows: string[][]): Promise<number[]> {
    await new Promise((r) => setImmediate(r));
    const id = this.saleOrders.length + 1;
    this.saleOrders.push({ id, partnerId: Number(rows[0][1]), state: 'draft', amount: 0, lines: [] });
    return [id];
  }
  async callMethod(model: string, method: string, ids: number[]): Promise<unknown> {
    await new Promise((r) => setImmediate(r));
    const order = this.saleOrders.find((o) => o.id === ids[0])!;
    order.state = 'sale';
    // The lines as written: [5, 0, 0] clears them, then one [0, 0, values] per line.
    order.amount = (order.lines as [number, number, { product_uom_qty: number; price_unit: number }][])
      .filter(([command]) => command === 0)
      .reduce((sum, [, , l]) => sum + l.product_uom_qty * l.price_unit, 0);
    return true;
  }
}

const submission = (n: number, quantity: string): OrderSubmission => ({
  id: `salesforce-order-80100000000000${n}AAA`,
  salesforceOrderId: `80100000000000${n}AAA`,
  name: `Order ${n}`,
  customerId: 'salesforce-account-001000000000001AAA',
  salesforceAccountId: '001000000000001AAA',
  shipTo: null,
  pricebookId: null,
  pricebookName: null,
  currencyCode: 'EUR',
  effectiveDate: 0,
  poNumber: null,
  description: null,
  totalAmount: '0',
  ownerId: null,
  activatedAt: 0,
  lines: [
    {
      salesforceItemId: `80200000000000${n}AAA`,
      productId: null,
      sku: 'SKU-1',
      productName: null,
      description: null,
      quantity,
      unitPrice: '10.00',
      listPrice: null,
    },
  ],
});

function intake(
  odoo: OdooPort,
  lock: CustomerCreditLock,
  ledger?: ConstructorParameters<typeof OrderIntakeService>[6],
  partnerOf: () => Promise<number | null> = async () => 7,
) {
  const raised: { orderId: string; kind: string }[] = [];
  const exceptions: Pick<OrderExceptionRepository, 'raise' | 'close'> = {
    raise: async (order, kind, reason, context) => {
      raised.push({ orderId: order.id, kind });
      const at = new Date(0).toISOString();
      return {
        id: order.id,
        orderId: order.id,
        salesforceOrderId: order.salesforceOrderId,
        kind,
        reason,
        status: 'open',
        submission: order,
        context,
        ownerId: null,
        attempts: 1,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
    },
    close: async () => null,
  };
  const partners: Pick<PartnerSyncService, 'partnerOf'> = { partnerOf };
  const service = new OrderIntakeService(
    odoo,
    partners,
    exceptions,
    lock,
    { priceSource: 'order', stockShortage: 'backorder', customerWaitMs: 60_000 },
    pino({ level: 'silent' }),
    ledger,
  );
  return { service, raised };
}

describe('OrderIntakeService and the credit limit', () => {
  it("confirms only one of two concurrent orders that fit the customer's limit only one at a time", async () => {
    const odoo = new InMemoryOdoo(100);
    const lock = new InMemoryCreditLock();
    const { service, raised } = intake(odoo, lock);
    const outcomes = await Promise.all([service.submit(submission(1, '6')), service.submit(submission(2, '6'))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['confirmed', 'exception']);
    expect(odoo.saleOrders.filter((o) => o.state === 'sale')).toHaveLength(1);
    expect(raised).toEqual([expect.objectContaining({ kind: 'credit-hold' })]);
    // Locked by the company, whose credit the contact orders on.
    expect(lock.customers).toEqual([3, 3]);
  });

  it('lets both through without the lock: the race the lock closes', async () => {
    const odoo = new InMemoryOdoo(100);
    const { service } = intake(odoo, new NoCreditLock());
    await Promise.all([service.submit(submission(1, '6')), service.submit(submission(2, '6'))]);
    expect(odoo.saleOrders.filter((o) => o.state === 'sale')).toHaveLength(2);
  });

  it('takes no lock for a customer without a credit limit', async () => {
    const odoo = new InMemoryOdoo(0);
    const lock = new InMemoryCreditLock();
    const { service } = intake(odoo, lock);
    await Promise.all([service.submit(submission(1, '6')), service.submit(submission(2, '6'))]);
    expect(odoo.saleOrders.filter((o) => o.state === 'sale')).toHaveLength(2);
    expect(lock.customers).toEqual([]);
  });
});

describe('OrderIntakeService and the intake ledger (orders awaiting ERP acceptance)', () => {
  const ledger = () => {
    const events: string[] = [];
    return {
      events,
      received: async (order: { id: string }) => void events.push(`received ${order.id}`),
      decided: async (orderId: string, outcome: string) => void events.push(`${outcome} ${orderId}`),
    };
  };

  it('records a submission when read and its outcome, confirmed or an exception', async () => {
    const l = ledger();
    const { service } = intake(new InMemoryOdoo(100), new InMemoryCreditLock(), l);
    await service.submit(submission(1, '6'));
    await service.submit(submission(2, '6'));
    expect(l.events).toEqual([
      `received ${submission(1, '6').id}`,
      `confirmed ${submission(1, '6').id}`,
      `received ${submission(2, '6').id}`,
      `exception ${submission(2, '6').id}`,
    ]);
  });

  it('leaves a submission waiting while it is deferred for its customer', async () => {
    const l = ledger();
    const { service } = intake(new InMemoryOdoo(100), new InMemoryCreditLock(), l, async () => null);
    await expect(service.submit(submission(1, '6'), Date.now())).rejects.toThrow('waits for its customer');
    expect(l.events).toEqual([`received ${submission(1, '6').id}`]);
  });
});
