import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { ProjectionEngine } from '@hub/projection';
import { HandlerContext, OnEvent } from '@hub/resilience';
import { ErpContextRepository } from './erp-context.repository';

/**
 * Keeps the read model of orders, deliveries and invoices an agent may be told about (no prices or costs), then
 * projects the customer's recomputed context onto its organization through the engine.
 */
@Injectable()
export class ErpContextHandler {
  constructor(
    private readonly context: ErpContextRepository,
    private readonly engine: ProjectionEngine,
  ) {}

  @OnEvent('sales-order.upserted', 'sales-order.deleted')
  async order(
    event: CanonicalEventOf<'sales-order.upserted' | 'sales-order.deleted'>,
    ctx: HandlerContext,
  ): Promise<void> {
    const { envelope, salesOrder } = event.value;
    if (salesOrder) await this.context.saveOrder(salesOrder, envelope.sourcePosition);
    else await this.context.remove('support_order', envelope.aggregateId);
    await this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }

  @OnEvent('shipment.upserted', 'shipment.deleted')
  async shipment(
    event: CanonicalEventOf<'shipment.upserted' | 'shipment.deleted'>,
    ctx: HandlerContext,
  ): Promise<void> {
    const { envelope, shipment } = event.value;
    if (shipment) await this.context.saveShipment(shipment, envelope.sourcePosition);
    else await this.context.remove('support_shipment', envelope.aggregateId);
    await this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }

  @OnEvent('invoice.upserted', 'invoice.deleted')
  async invoice(event: CanonicalEventOf<'invoice.upserted' | 'invoice.deleted'>, ctx: HandlerContext): Promise<void> {
    const { envelope, invoice } = event.value;
    if (invoice) await this.context.saveInvoice(invoice, envelope.sourcePosition);
    else await this.context.remove('support_invoice', envelope.aggregateId);
    await this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }
}
