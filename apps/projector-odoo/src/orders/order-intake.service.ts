import type { AuditRecorder } from '@hub/audit';
import { odooCanonicalIds, type Envelope, type OrderSubmission } from '@hub/canonical';
import { KeyedLock } from '@hub/projection';
import { DeferredError, PermanentError } from '@hub/resilience';
import type { Logger } from 'pino';
import { OrderExceptionRecord, OrderExceptionRepository } from '../exceptions/order-exception.repository';
import { HUB_MODULE, hubExternalIds, odooIdOf, orderOrigin, OdooPort, OdooRecord } from '@hub/odoo';
import { PartnerSyncService } from '../partners/partner-sync.service';
import type { IntakeLedger } from '../health/intake-ledger.repository';
import { CustomerCreditLock } from './customer-credit.lock';
import {
  BusinessException,
  checkCredit,
  checkLines,
  OdooProduct,
  orderValue,
  PlannedLine,
  planLines,
  stockShortages,
} from './order-rules';

export interface OrderIntakeOptions {
  priceSource: 'order' | 'pricelist';
  stockShortage: 'reject' | 'backorder';
  customerWaitMs: number;
}

/** The event a submission came in (absent for an operator's retry): its coordinates go into the audit trail. */
export type IntakeOrigin = Pick<Envelope, 'eventId' | 'sourceSystem' | 'sourcePosition'>;

/** What became of one submission. */
export type IntakeOutcome =
  | { status: 'confirmed'; saleOrderId: number; name: string; created: boolean }
  | { status: 'exception'; exception: OrderExceptionRecord };

export interface OrderIntakeMetrics {
  confirmed: number;
  alreadyConfirmed: number;
  exceptions: number;
  waitingForCustomer: number;
}

/** The actor the projector's own work-queue actions are recorded under. */
export const PROJECTOR_ACTOR = 'projector-odoo';

/**
 * An activated Salesforce order into a confirmed Odoo sale order: validated (customer known, every line a known
 * product with a positive quantity), enriched (prices by configuration, Odoo's products, taxes and warehouse from
 * Odoo itself), checked against the business rules (credit limit, stock), created once and confirmed.
 *
 * Idempotent by the Salesforce order id: the sale order is created through `load` with the hub's external id (the
 * header and its id commit together), found again by it (or by its origin) on any redelivery or retry, its lines
 * written in one call that replaces them, and confirmed only while still a quotation. A business rule that fails is a
 * work-queue exception with the whole context, never a dead letter; Odoo being down or busy is a TransientError the
 * runner retries behind the breaker.
 *
 * Per order id, one intake at a time in this process; per customer with a credit limit, one credit check and the
 * confirmation it allows at a time across every instance ({@link CustomerCreditLock}), so that concurrent orders of
 * one customer cannot together exceed its limit.
 */
export class OrderIntakeService {
  readonly metrics: OrderIntakeMetrics = { confirmed: 0, alreadyConfirmed: 0, exceptions: 0, waitingForCustomer: 0 };
  private readonly lock = new KeyedLock();

  constructor(
    private readonly odoo: OdooPort,
    /** Only what the intake uses of them: the customer's partner, and raising and closing exceptions. */
    private readonly partners: Pick<PartnerSyncService, 'partnerOf'>,
    private readonly exceptions: Pick<OrderExceptionRepository, 'raise' | 'close'>,
    private readonly creditLock: CustomerCreditLock,
    private readonly options: OrderIntakeOptions,
    private readonly log: Logger,
    /** Where each submission's wait for the ERP is recorded (business health); none in unit specs. */
    private readonly ledger?: Pick<IntakeLedger, 'received' | 'decided'>,
    /**
     * The audit trail: the sale order's writes (or the exception that stopped them) once the intake is over. A
     * redelivery finds the order confirmed and writes nothing, so a failed append is retried and then logged
     * ({@link AuditRecorder.writesOrLog}), never left to a redelivery.
     */
    private readonly audit?: Pick<AuditRecorder, 'writesOrLog'>,
  ) {}

  /** Entries the hub database refused after retries (logged at error level). */
  auditFailures = 0;

  /**
   * Takes a submission from the topic. `waitingSince` is when it was first deferred for its customer (the park's
   * time), so the wait is bounded across redeliveries.
   */
  submit(order: OrderSubmission, waitingSince?: number, origin?: IntakeOrigin): Promise<IntakeOutcome> {
    return this.lock.run(order.id, () =>
      this.recorded(order, () => this.intake(order, { waitingSince, wait: true, actor: PROJECTOR_ACTOR, origin })),
    );
  }

  /** An operator's retry of an open exception: the same path, with no wait for a customer (it has waited). */
  retry(order: OrderSubmission, actor: string): Promise<IntakeOutcome> {
    return this.lock.run(order.id, () =>
      this.recorded(order, () => this.intake(order, { waitingSince: undefined, wait: false, actor })),
    );
  }

  /**
   * The submission waits for the ERP from its first read until an outcome: a deferral or a retried failure leaves it
   * waiting (the ledger's row keeps its start), a confirmation or an exception ends the wait.
   */
  private async recorded(order: OrderSubmission, take: () => Promise<IntakeOutcome>): Promise<IntakeOutcome> {
    await this.ledger?.received(order);
    const outcome = await take();
    await this.ledger?.decided(order.id, outcome.status);
    return outcome;
  }

  private async intake(
    order: OrderSubmission,
    run: { waitingSince: number | undefined; wait: boolean; actor: string; origin?: IntakeOrigin },
  ): Promise<IntakeOutcome> {
    const context: Record<string, unknown> = {};
    // What the hub wrote into Odoo for the order, by field: the trail's entry once the intake is over.
    const written: Record<string, unknown> = {};
    // When the first of them was sent: the entry's time, before anything Odoo's change stream carries on from it.
    let writtenAt: Date | undefined;
    let saleOrder: number | null = null;
    try {
      const existing = await this.findSaleOrder(order.salesforceOrderId);
      saleOrder = existing?.id ?? null;
      if (existing && existing.state !== 'draft' && existing.state !== 'sent') {
        this.metrics.alreadyConfirmed++;
        await this.resolved(order, run.actor, `sale order ${String(existing.name)} is ${String(existing.state)}`);
        return { status: 'confirmed', saleOrderId: existing.id, name: String(existing.name), created: false };
      }
      checkLines(order);
      const partnerId = await this.customerOf(order, run.wait ? (run.waitingSince ?? Date.now()) : null);
      const partner = await this.readPartner(partnerId);
      context.customer = partner;
      const lines = await this.planLines(order);
      context.lines = lines.map((l) => ({
        salesforceItemId: l.line.salesforceItemId,
        sku: l.product.sku,
        productId: l.product.id,
        product: l.product.name,
        quantity: l.quantity,
        priceUnit: l.priceUnit ?? l.product.listPrice,
        priceFrom: l.priceUnit === null ? 'odoo' : 'order',
      }));
      const value = orderValue(lines);
      // From the read of the open orders to the confirmation, one order of the customer at a time (any partition, any
      // instance); without a credit limit there is nothing to check, and its orders need not wait for each other.
      const checkAndConfirm = async () => {
        const openOrders = await this.openOrdersValue(partner.commercialId);
        context.credit = { limit: partner.creditLimit, openOrders, thisOrder: value };
        checkCredit(partner.creditLimit, openOrders, value);
        const short = stockShortages(lines);
        context.stock = short;
        if (short.length && this.options.stockShortage === 'reject') {
          throw new BusinessException(
            'stock-short',
            short.map((s) => `${s.sku ?? `product ${s.productId}`}: ${s.ordered} ordered, ${s.free} free`).join('; '),
            { shortages: short },
          );
        }
        writtenAt = new Date();
        const saleOrderId = existing?.id ?? (await this.createSaleOrder(order, partnerId, written));
        saleOrder = saleOrderId;
        await this.writeLines(saleOrderId, lines, written);
        await this.odoo.callMethod('sale.order', 'action_confirm', [saleOrderId]);
        written.action_confirm = true;
        const [confirmed] = await this.odoo.searchRead('sale.order', [['id', '=', saleOrderId]], ['name', 'state']);
        return { saleOrderId, name: String(confirmed?.name) };
      };
      const { saleOrderId, name } =
        partner.creditLimit > 0
          ? await this.creditLock.run(partner.commercialId, checkAndConfirm)
          : await checkAndConfirm();
      this.metrics.confirmed++;
      await this.recordAudit(order, run, saleOrderId, written, 'applied', null, writtenAt);
      await this.resolved(order, run.actor, `confirmed as ${name}`);
      this.log.info({ order: order.id, saleOrder: name }, 'order confirmed in Odoo');
      return { status: 'confirmed', saleOrderId, name, created: !existing };
    } catch (error) {
      const business =
        error instanceof BusinessException
          ? error
          : error instanceof PermanentError
            ? // Odoo refusing the order (a ValidationError, a UserError) is the business's to fix, not a poison record.
              new BusinessException('odoo-refused', error.message, { odoo: error.vendorCode, detail: error.detail })
            : null;
      if (!business) throw error;
      const exception = await this.exceptions.raise(
        order,
        business.kind,
        business.message,
        { ...context, ...business.detail, received: order },
        run.actor,
      );
      this.metrics.exceptions++;
      await this.recordAudit(
        order,
        run,
        saleOrder,
        written,
        'failed',
        `${business.kind}: ${business.message}`,
        writtenAt,
      );
      this.log.warn({ order: order.id, kind: business.kind, reason: business.message }, 'order exception');
      return { status: 'exception', exception };
    }
  }

  /**
   * The Odoo partner of the ordering customer; deferred while the hub has not created it yet and the wait that began
   * at `waitingSince` is within its bound (null: no wait, an operator's retry).
   */
  private async customerOf(order: OrderSubmission, waitingSince: number | null): Promise<number> {
    const partnerId = await this.partners.partnerOf(order.customerId);
    if (partnerId !== null) return partnerId;
    if (waitingSince !== null && Date.now() - waitingSince < this.options.customerWaitMs) {
      this.metrics.waitingForCustomer++;
      throw new DeferredError('CUSTOMER_NOT_IN_ODOO_YET', `${order.id} waits for its customer ${order.customerId}`);
    }
    throw new BusinessException(
      'unknown-customer',
      `customer ${order.customerId} (Salesforce account ${order.salesforceAccountId}) is not in Odoo`,
      { customerId: order.customerId },
    );
  }

  private async readPartner(partnerId: number) {
    const [partner] = await this.odoo.searchRead(
      'res.partner',
      [['id', '=', partnerId]],
      ['name', 'commercial_partner_id', 'credit_limit'],
      { withArchived: true },
    );
    if (!partner) throw new BusinessException('unknown-customer', `Odoo partner ${partnerId} does not exist`);
    const commercial = partner.commercial_partner_id;
    const commercialId = Array.isArray(commercial) ? Number(commercial[0]) : partnerId;
    let creditLimit = Number(partner.credit_limit || 0);
    if (commercialId !== partnerId) {
      // The limit is the company's (a contact orders on its company's credit).
      const [company] = await this.odoo.searchRead('res.partner', [['id', '=', commercialId]], ['credit_limit']);
      creditLimit = Number(company?.credit_limit || 0);
    }
    return { id: partnerId, name: String(partner.name), commercialId, creditLimit };
  }

  private async planLines(order: OrderSubmission): Promise<PlannedLine[]> {
    const ids = order.lines.flatMap((l) => {
      const id = l.productId ? odooIdOf(l.productId, 'product') : null;
      return id === null ? [] : [id];
    });
    const skus = order.lines.flatMap((l) => (l.sku ? [l.sku] : []));
    const found = await this.odoo.searchRead(
      'product.product',
      ['|', ['id', 'in', ids], ['default_code', 'in', skus]],
      ['default_code', 'name', 'lst_price', 'type', 'free_qty', 'sale_ok'],
    );
    const products = found.filter((p) => p.sale_ok !== false).map(toProduct);
    return planLines(
      order,
      new Map(products.map((p) => [p.id, p])),
      new Map(products.filter((p) => p.sku).map((p) => [p.sku!, p])),
      (id) => odooIdOf(id, 'product'),
      this.options.priceSource,
    );
  }

  /** Confirmed orders of the customer's company not yet fully invoiced: what it owes or will owe. */
  private async openOrdersValue(commercialId: number): Promise<number> {
    const open = await this.odoo.searchRead(
      'sale.order',
      [
        ['partner_id.commercial_partner_id', '=', commercialId],
        ['state', '=', 'sale'],
        ['invoice_status', '!=', 'invoiced'],
      ],
      ['amount_total'],
    );
    return open.reduce((sum, o) => sum + Number(o.amount_total || 0), 0);
  }

  private async findSaleOrder(salesforceOrderId: string): Promise<OdooRecord | null> {
    const [link] = await this.odoo.searchRead(
      'ir.model.data',
      [
        ['module', '=', HUB_MODULE],
        ['name', '=', hubExternalIds.order(salesforceOrderId)],
      ],
      ['res_id'],
      { limit: 1 },
    );
    const domain = link ? [['id', '=', Number(link.res_id)]] : [['origin', '=', orderOrigin(salesforceOrderId)]];
    const [order] = await this.odoo.searchRead('sale.order', domain, ['name', 'state'], { limit: 1 });
    return order ?? null;
  }

  /** The quotation's header and its external id in one transaction (`load`): never an order without its link. */
  private async createSaleOrder(
    order: OrderSubmission,
    partnerId: number,
    written: Record<string, unknown>,
  ): Promise<number> {
    const header = ['id', 'partner_id/.id', 'origin', 'client_order_ref'];
    const row = [
      `${HUB_MODULE}.${hubExternalIds.order(order.salesforceOrderId)}`,
      String(partnerId),
      orderOrigin(order.salesforceOrderId),
      order.poNumber ?? order.name ?? '',
    ];
    const [id] = await this.odoo.load('sale.order', header, [row]);
    header.forEach((field, i) => (written[field] = row[i]));
    return id;
  }

  /** All lines in one write that first clears any (a retry after a crash between the two calls adds nothing twice). */
  private async writeLines(saleOrderId: number, lines: PlannedLine[], written: Record<string, unknown>): Promise<void> {
    const commands: unknown[] = [[5, 0, 0]];
    for (const l of lines) {
      commands.push([
        0,
        0,
        {
          product_id: l.product.id,
          product_uom_qty: l.quantity,
          ...(l.priceUnit !== null ? { price_unit: l.priceUnit } : {}),
          ...(l.line.description ? { name: l.line.description } : {}),
        },
      ]);
    }
    await this.odoo.write('sale.order', [saleOrderId], { order_line: commands });
    written.order_line = commands;
  }

  /** The order's entry in the audit trail: every id it is known by, so its history is found from any of them. */
  private async recordAudit(
    order: OrderSubmission,
    run: { actor: string; origin?: IntakeOrigin },
    saleOrderId: number | null,
    fields: Record<string, unknown>,
    outcome: 'applied' | 'failed',
    reason: string | null,
    at?: Date,
  ): Promise<void> {
    if (!this.audit) return;
    const byOperator = run.actor === PROJECTOR_ACTOR ? null : `retried by ${run.actor}`;
    const stored = await this.audit.writesOrLog(
      'odoo',
      [
        {
          object: 'sale.order',
          externalId: `${HUB_MODULE}.${hubExternalIds.order(order.salesforceOrderId)}`,
          targetId: saleOrderId === null ? null : String(saleOrderId),
          aliases: [
            order.salesforceOrderId,
            order.id,
            ...(saleOrderId === null ? [] : [odooCanonicalIds.salesOrder(saleOrderId)]),
          ],
          fields,
          canonicalId: order.id,
          eventId: run.origin?.eventId ?? null,
          sourceSystem: run.origin?.sourceSystem ?? null,
          sourcePosition: run.origin?.sourcePosition ?? null,
          outcome,
          reason: [reason, byOperator].filter(Boolean).join('; ') || null,
          at,
        },
      ],
      this.log,
    );
    if (!stored) this.auditFailures++;
  }

  private async resolved(order: OrderSubmission, actor: string, note: string): Promise<void> {
    await this.exceptions.close(order.id, 'resolved', actor, note);
  }
}

function toProduct(r: OdooRecord): OdooProduct {
  return {
    id: r.id,
    sku: typeof r.default_code === 'string' ? r.default_code : null,
    name: String(r.name),
    listPrice: Number(r.lst_price || 0),
    type: String(r.type),
    freeQty: Number(r.free_qty || 0),
  };
}
