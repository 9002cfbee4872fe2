import { Injectable } from '@nestjs/common';
import {
  canonicalEnvelope,
  CanonicalEntityOf,
  canonicalEvent,
  CanonicalPublisher,
  deterministicEventId,
  Envelope,
  odooCanonicalIds,
  OutgoingRecord,
} from '@hub/canonical';
import { TransientError } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { linkedRecordsOf, linkedSalesforceId } from '../links/hub-link.mapper';
import { CdcMirror, OdooRow } from '../mirror/cdc-mirror.repository';
import type { AggregateKind, PendingAggregate } from '../mirror/pending-aggregates.repository';
import { PartnerProjectionService } from '../partner/partner-projection.service';
import {
  CUSTOMER_INVOICE_TYPES,
  toInventoryLevel,
  toInvoice,
  toPayment,
  toProduct,
  toSalesOrder,
  toShipment,
} from './aggregate.mappers';

/** The aggregates with a topic of their own (a partner's topic depends on what its row is: res-partner.mapper). */
type AggregateTopic = Exclude<AggregateKind, 'partner'>;

/** Where each aggregate's root row lives, its canonical id, topic and event types. */
const AGGREGATES: Record<
  AggregateTopic,
  { table: string; id: (n: number) => string; upserted: string; deleted: string }
> = {
  product: {
    table: 'product_product',
    id: odooCanonicalIds.product,
    upserted: 'product.upserted',
    deleted: 'product.deleted',
  },
  'sales-order': {
    table: 'sale_order',
    id: odooCanonicalIds.salesOrder,
    upserted: 'sales-order.upserted',
    deleted: 'sales-order.deleted',
  },
  invoice: {
    table: 'account_move',
    id: odooCanonicalIds.invoice,
    upserted: 'invoice.upserted',
    deleted: 'invoice.deleted',
  },
  payment: {
    table: 'account_payment',
    id: odooCanonicalIds.payment,
    upserted: 'payment.upserted',
    deleted: 'payment.deleted',
  },
  shipment: {
    table: 'stock_picking',
    id: odooCanonicalIds.shipment,
    upserted: 'shipment.upserted',
    deleted: 'shipment.deleted',
  },
  'inventory-level': {
    table: 'product_product',
    id: odooCanonicalIds.product,
    upserted: 'inventory-level.changed',
    deleted: 'inventory-level.deleted',
  },
};

/** Partners whose rows one statement reads at a transaction's END. */
const PARTNERS_READ_TOGETHER = 1_000;

export interface PublishContext {
  transactionId: string | null;
  occurredAt: number;
  /**
   * The LSN of the transaction's commit: the position of every aggregate it touched. Without it (a snapshot, a change
   * outside a transaction) each aggregate takes the position of the last change that touched it.
   */
  commitPosition?: number;
}

/**
 * Builds whole aggregates (an order with all its lines, a delivery with its moves, a product's stock over all
 * internal locations, a partner with its Salesforce links) from the mirror and publishes one event per aggregate per
 * source transaction.
 */
@Injectable()
export class AggregateProjectionService {
  constructor(
    private readonly mirror: CdcMirror,
    private readonly publisher: CanonicalPublisher,
    private readonly partners: PartnerProjectionService,
  ) {}

  /** The aggregates a change of one row touches. */
  async affectedBy(change: DebeziumChange, row: Record<string, unknown>): Promise<PendingAggregate[]> {
    const position = change.source.lsn;
    const at = (kind: AggregateKind, id: unknown): PendingAggregate[] =>
      typeof id === 'number' && Number.isInteger(id) ? [{ kind, id, position }] : [];
    const before = change.before ?? {};
    switch (change.source.table) {
      case 'product_product':
        return at('product', row.id);
      case 'product_template':
        return (
          await this.mirror.children({ table: 'product_product', column: 'product_tmpl_id' }, row.id as number)
        ).flatMap((v) => at('product', v.id));
      case 'sale_order':
        return at('sales-order', row.id);
      case 'sale_order_line':
        return dedupe([...at('sales-order', row.order_id), ...at('sales-order', before.order_id)]);
      case 'account_move':
        return [
          ...at('invoice', row.id),
          ...(await this.mirror.children({ table: 'account_payment', column: 'move_id' }, row.id as number)).flatMap(
            (p) => at('payment', p.id),
          ),
        ];
      // An invoice line matters to its invoice only through the orders it bills: when it appears, moves or goes.
      case 'account_move_line':
        if (change.op === 'u' && before.move_id === row.move_id) return [];
        return dedupe([...at('invoice', row.move_id), ...at('invoice', before.move_id)]);
      // A link between an invoice line and an order line changes the orders its invoice bills. The line is in the
      // mirror already (Odoo's foreign key orders it first), also when this is its cascaded delete.
      case 'sale_order_line_invoice_rel': {
        const line = await this.mirror.get('account_move_line', row.invoice_line_id as number, true);
        return at('invoice', line?.move_id);
      }
      case 'account_payment':
        return at('payment', row.id);
      case 'stock_picking':
        return at('shipment', row.id);
      case 'stock_move':
        return dedupe([...at('shipment', row.picking_id), ...at('shipment', before.picking_id)]);
      case 'stock_quant':
        return dedupe([...at('inventory-level', row.product_id), ...at('inventory-level', before.product_id)]);
      // A hub link (the Salesforce record an Odoo record came from) is published with its record: the one it names,
      // and the one it named before. A partner the mirror does not know yet (an initial snapshot reads the links
      // first) finds its link when its own row arrives.
      case 'ir_model_data': {
        const touched: PendingAggregate[] = [];
        for (const { model, resId } of linkedRecordsOf(change)) {
          if (model === 'sale.order') touched.push(...at('sales-order', resId));
          else if (model === 'res.partner' && (await this.mirror.get('res_partner', resId))) {
            touched.push(...at('partner', resId));
          }
        }
        return dedupe(touched);
      }
      default:
        return [];
    }
  }

  async publish(items: PendingAggregate[], ctx: PublishContext): Promise<number> {
    const records = await this.records(items, ctx);
    await this.publisher.publish(records);
    return records.length;
  }

  /** The events {@link publish} would send for these aggregates, as the mirror holds them now, without sending them. */
  async records(items: PendingAggregate[], ctx: PublishContext): Promise<OutgoingRecord[]> {
    const records: OutgoingRecord[] = [];
    // Partners, the bulk of a large transaction or snapshot, are read together; every other aggregate one by one.
    const partners = items.filter((i) => i.kind === 'partner');
    for (let from = 0; from < partners.length; from += PARTNERS_READ_TOGETHER) {
      const chunk = partners.slice(from, from + PARTNERS_READ_TOGETHER).map((item) => ({
        id: item.id,
        source: {
          position: ctx.commitPosition ?? item.position,
          transactionId: ctx.transactionId,
          occurredAt: ctx.occurredAt,
        },
      }));
      records.push(...(await this.partners.buildMany(chunk)));
    }
    for (const item of items) if (item.kind !== 'partner') records.push(...(await this.build(item, ctx)));
    return records;
  }

  private async build(item: PendingAggregate, ctx: PublishContext): Promise<OutgoingRecord[]> {
    const position = ctx.commitPosition ?? item.position;
    if (item.kind === 'partner') {
      return this.partners.build(item.id, { position, transactionId: ctx.transactionId, occurredAt: ctx.occurredAt });
    }
    const kind: AggregateTopic = item.kind;
    const spec = AGGREGATES[kind];
    const key = spec.id(item.id);
    const envelope = (eventType: string): Envelope =>
      canonicalEnvelope({
        eventId: deterministicEventId('odoo', kind, item.id, position, ctx.transactionId, eventType),
        eventType,
        aggregateId: key,
        occurredAt: ctx.occurredAt,
        sourceSystem: 'ODOO',
        sourceTable: spec.table,
        sourcePrimaryKey: String(item.id),
        sourcePosition: position,
        sourceTransactionId: ctx.transactionId,
      });
    const upsert = <K extends AggregateTopic>(topic: K, entity: CanonicalEntityOf<K>): OutgoingRecord[] => [
      { topic, key, value: canonicalEvent(topic, envelope(spec.upserted), entity) },
    ];
    const deletion = (): OutgoingRecord[] => [
      { topic: kind, key, value: canonicalEvent(kind, envelope(spec.deleted), null) },
      { topic: kind, key, value: null },
    ];

    if (item.kind === 'inventory-level') {
      const quants = await this.mirror.children({ table: 'stock_quant', column: 'product_id' }, item.id);
      const internal: OdooRow[] = [];
      for (const q of quants) {
        const location = await this.mirror.get('stock_location', q.location_id as number);
        if (location?.usage === 'internal') internal.push(q);
      }
      return upsert('inventory-level', toInventoryLevel(item.id, internal));
    }

    const root = await this.mirror.get(spec.table, item.id, true);
    if (!root) return []; // never seen: a child row referenced a parent outside the captured data
    const deleted = await this.mirror.isDeleted(spec.table, item.id);
    switch (item.kind) {
      case 'product': {
        if (deleted) return deletion();
        const template = await this.require('product_template', root.product_tmpl_id);
        return upsert('product', toProduct(root, template, await this.companyCurrency(template.company_id)));
      }
      case 'sales-order': {
        if (deleted) return deletion();
        const lines = await this.mirror.children({ table: 'sale_order_line', column: 'order_id' }, item.id);
        const link = linkedSalesforceId(await this.mirror.hubExternalIds('sale.order', item.id), 'order');
        return upsert('sales-order', toSalesOrder(root, lines, await this.currencyCode(root.currency_id), link));
      }
      case 'invoice': {
        if (!CUSTOMER_INVOICE_TYPES.includes(root.move_type as string)) return [];
        if (deleted) return deletion();
        const orders = await this.mirror.ordersBilledBy(item.id);
        return upsert('invoice', toInvoice(root, await this.currencyCode(root.currency_id), orders));
      }
      case 'payment': {
        if (deleted) return deletion();
        const move = typeof root.move_id === 'number' ? await this.mirror.get('account_move', root.move_id) : undefined;
        return upsert('payment', toPayment(root, move, await this.currencyCode(root.currency_id ?? move?.currency_id)));
      }
      case 'shipment': {
        const type = await this.mirror.get('stock_picking_type', root.picking_type_id as number, true);
        if (type?.code !== 'outgoing') return [];
        if (deleted) return deletion();
        const moves = await this.mirror.children({ table: 'stock_move', column: 'picking_id' }, item.id);
        return upsert('shipment', toShipment(root, moves));
      }
    }
  }

  private async require(table: string, id: unknown): Promise<OdooRow> {
    const row = typeof id === 'number' ? await this.mirror.get(table, id) : undefined;
    if (!row)
      throw new TransientError('REFERENCE_DATA_PENDING', `${table} id=${String(id)} is not known yet`, {
        retryAfterMs: 1_000,
      });
    return row;
  }

  /** res_currency.name holds the ISO 4217 code in Odoo. */
  private async currencyCode(currencyId: unknown): Promise<string> {
    const currency = await this.require('res_currency', currencyId);
    return String(currency.name);
  }

  private async companyCurrency(companyId: unknown): Promise<string> {
    const company = await this.require('res_company', typeof companyId === 'number' ? companyId : 1);
    return this.currencyCode(company.currency_id);
  }
}

function dedupe(items: PendingAggregate[]): PendingAggregate[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(`${i.kind}/${i.id}`) ? false : (seen.add(`${i.kind}/${i.id}`), true)));
}
