import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { ProjectionEngine } from '@hub/projection';
import { HandlerContext, OnEvent } from '@hub/resilience';
import { OrderUpdatesService } from '../cases/order-updates.service';
import { ErpContextRepository } from './erp-context.repository';

/**
 * Keeps the read model of orders, deliveries and invoices an agent may be told about (no prices or costs), then
 * projects the customer's recomputed context onto its organization through the engine, and tells the open tickets
 * that name the changed order.
 */
@Injectable()
export class ErpContextHandler {
  private lastVersion = 0;

  constructor(
    private readonly context: ErpContextRepository,
    private readonly engine: ProjectionEngine,
    private readonly updates: OrderUpdatesService,
  ) {}

  @OnEvent('sales-order.upserted', 'sales-order.deleted')
  async order(
    event: CanonicalEventOf<'sales-order.upserted' | 'sales-order.deleted'>,
    ctx: HandlerContext,
  ): Promise<void> {
    const { envelope, salesOrder } = event.value;
    if (salesOrder) await this.context.saveOrder(salesOrder, envelope.sourcePosition);
    else await this.context.remove('support_order', envelope.aggregateId);
    await this.engine.apply(this.asOfNow(event), { parkedAt: ctx.parkedAt });
    if (salesOrder) await this.updates.ordersChanged([salesOrder.name]);
  }

  @OnEvent('shipment.upserted', 'shipment.deleted')
  async shipment(
    event: CanonicalEventOf<'shipment.upserted' | 'shipment.deleted'>,
    ctx: HandlerContext,
  ): Promise<void> {
    const { envelope, shipment } = event.value;
    if (shipment) await this.context.saveShipment(shipment, envelope.sourcePosition);
    else await this.context.remove('support_shipment', envelope.aggregateId);
    await this.engine.apply(this.asOfNow(event), { parkedAt: ctx.parkedAt });
    if (shipment) {
      const names = await this.context.orderNames(shipment.orderId ? [shipment.orderId] : []);
      await this.updates.ordersChanged(names.length || !shipment.originOrder ? names : [shipment.originOrder]);
    }
  }

  @OnEvent('invoice.upserted', 'invoice.deleted')
  async invoice(event: CanonicalEventOf<'invoice.upserted' | 'invoice.deleted'>, ctx: HandlerContext): Promise<void> {
    const { envelope, invoice } = event.value;
    if (invoice) await this.context.saveInvoice(invoice, envelope.sourcePosition);
    else await this.context.remove('support_invoice', envelope.aggregateId);
    await this.engine.apply(this.asOfNow(event), { parkedAt: ctx.parkedAt });
    if (invoice) await this.updates.ordersChanged(await this.context.orderNames(invoice.orderIds));
  }

  /**
   * The event with a read-model version as its position. The context written is recomputed from the read model when
   * it is planned, and orders, deliveries and invoices arrive on separate topics in any order: the stale guard must
   * keep the latest computation, not the one of the highest Odoo position (an invoice's context computed before its
   * delivery reached the read model would otherwise hide the delivery for good). Versions only grow (milliseconds,
   * then one more), also across restarts.
   */
  private asOfNow<E extends ContextEvent>(event: E): E {
    this.lastVersion = Math.max(Date.now(), this.lastVersion + 1);
    return {
      ...event,
      value: { ...event.value, envelope: { ...event.value.envelope, sourcePosition: this.lastVersion } },
    };
  }
}

type ContextEvent = CanonicalEventOf<
  | 'sales-order.upserted'
  | 'sales-order.deleted'
  | 'shipment.upserted'
  | 'shipment.deleted'
  | 'invoice.upserted'
  | 'invoice.deleted'
>;
