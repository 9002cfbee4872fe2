import { Injectable } from '@nestjs/common';
import { CanonicalPublisher, CanonicalTopicKey, eventFieldOf, odooCanonicalIds, OutgoingRecord } from '@hub/canonical';
import { KafkaClient } from '@hub/runtime';
import { AggregateProjectionService } from '../aggregates/aggregate-projection.service';
import { CdcMirror, MirrorLink } from '../mirror/cdc-mirror.repository';
import type { AggregateKind } from '../mirror/pending-aggregates.repository';

/**
 * The aggregates the reconciler asks for, by canonical entity: their root table, the kind odoo-cdc builds, the topic
 * of the upsert, and the child rows whose changes count as the aggregate's (a line's write is the order's).
 */
const REPAIRABLE = {
  Customer: {
    table: 'res_partner',
    kind: 'partner',
    topic: 'customer',
    child: undefined,
    id: odooCanonicalIds.partner,
  },
  Contact: { table: 'res_partner', kind: 'partner', topic: 'contact', child: undefined, id: odooCanonicalIds.partner },
  // A variant's aggregate; a change made only to its template (name, list price) moves the template's write_date,
  // not the variant's: a window pass finds it through Salesforce's side only if a person touched the record there.
  Product: {
    table: 'product_product',
    kind: 'product',
    topic: 'product',
    child: undefined,
    id: odooCanonicalIds.product,
  },
  SalesOrder: {
    table: 'sale_order',
    kind: 'sales-order',
    topic: 'sales-order',
    child: { table: 'sale_order_line', column: 'order_id' },
    id: odooCanonicalIds.salesOrder,
  },
  Invoice: {
    table: 'account_move',
    kind: 'invoice',
    topic: 'invoice',
    child: { table: 'account_move_line', column: 'move_id' },
    id: odooCanonicalIds.invoice,
  },
  Payment: {
    table: 'account_payment',
    kind: 'payment',
    topic: 'payment',
    child: undefined,
    id: odooCanonicalIds.payment,
  },
  Shipment: {
    table: 'stock_picking',
    kind: 'shipment',
    topic: 'shipment',
    child: { table: 'stock_move', column: 'picking_id' },
    id: odooCanonicalIds.shipment,
  },
} as const satisfies Record<
  string,
  {
    table: string;
    kind: AggregateKind;
    topic: CanonicalTopicKey;
    child?: MirrorLink;
    id: (odooId: number) => string;
  }
>;

export type RepairableEntity = keyof typeof REPAIRABLE;
export const REPAIRABLE_ENTITIES = Object.keys(REPAIRABLE) as RepairableEntity[];

/** One aggregate as the source of record holds it now. */
export interface SourceAggregate {
  odooId: number;
  /** Deleted in Odoo (the mirror keeps the last row, flagged). */
  deleted: boolean;
  /** The highest WAL position stored for the aggregate's rows. */
  position: number;
  /**
   * The canonical record odoo-cdc publishes for it now: null when deleted, or when the row is not of this entity (a
   * person among customers, a company among contacts, a vendor bill among invoices, a receipt among shipments).
   */
  record: Record<string, unknown> | null;
}

/**
 * The reconciler's view of the source of record: the current canonical aggregates, built from the mirror by the same
 * code that publishes them at a transaction's END, and their re-publication as a repair.
 */
@Injectable()
export class AggregateRepairService {
  private readonly direct: CanonicalPublisher;

  constructor(
    private readonly mirror: CdcMirror,
    private readonly aggregates: AggregateProjectionService,
    publisher: CanonicalPublisher,
    kafka: KafkaClient,
  ) {
    // Straight to Kafka (acks=all), not through the stream's deferred sender, which sends at the end of a fetch.
    this.direct = publisher.through(kafka.producer);
  }

  /** A page of aggregates changed in Odoo since `sinceMs` (write_date), or those of `ids`, in id order. */
  async read(
    entity: RepairableEntity,
    query: { sinceMs?: number; ids?: number[]; afterId: number; limit: number },
  ): Promise<{ aggregates: SourceAggregate[]; nextAfterId: number | null }> {
    const spec = REPAIRABLE[entity];
    const roots = await this.mirror.roots(spec.table, { ...query, child: spec.child });
    // One build for the page: partners are read together (a statement per table, not three per partner).
    const live = roots.filter((r) => !r.deleted);
    const built = await this.aggregates.records(
      live.map((r) => ({ kind: spec.kind, id: r.id, position: r.position })),
      { transactionId: null, occurredAt: Date.now() },
    );
    const field = eventFieldOf(spec.topic);
    const byKey = new Map(
      built
        .filter((r) => r.topic === spec.topic && r.value !== null)
        .map((r) => [r.key, (r.value as unknown as Record<string, unknown>)[field] as Record<string, unknown> | null]),
    );
    const aggregates: SourceAggregate[] = roots.map((root) => ({
      odooId: root.id,
      deleted: root.deleted,
      position: root.position,
      record: root.deleted ? null : (byKey.get(REPAIRABLE[entity].id(root.id)) ?? null),
    }));
    return {
      aggregates,
      nextAfterId: roots.length === query.limit ? roots[roots.length - 1].id : null,
    };
  }

  /**
   * Publishes each aggregate again, whole, as the mirror holds it now, at the higher of its mirror position and
   * `atLeastPosition` (the position the target last applied for it): the projector's stale guard skips only older
   * positions, so the repair is applied, and a newer change published meanwhile still wins. `marker` (the pass id)
   * stands for the transaction id, so the events' ids differ from the original ones and from another pass's, while
   * the same pass asking twice publishes the same events again (upserts by external id: idempotent).
   */
  async republish(
    entity: RepairableEntity,
    items: { odooId: number; atLeastPosition?: number }[],
    marker: string,
  ): Promise<{ published: number; notFound: number[] }> {
    const spec = REPAIRABLE[entity];
    const records: OutgoingRecord[] = [];
    const notFound: number[] = [];
    const known = new Map(
      (await this.mirror.roots(spec.table, { ids: items.map((i) => i.odooId), afterId: 0, limit: items.length + 1 }))
        .filter((r) => spec.table !== 'res_partner' || !r.deleted)
        .map((r) => [r.id, r.position]),
    );
    for (const item of items) {
      const position = known.get(item.odooId);
      if (position === undefined) {
        notFound.push(item.odooId);
        continue;
      }
      const built = await this.build(entity, item.odooId, Math.max(position, item.atLeastPosition ?? 0), marker);
      records.push(...built.filter((r) => r.topic === spec.topic));
    }
    await this.direct.publish(records);
    return { published: records.length, notFound };
  }

  private build(entity: RepairableEntity, id: number, position: number, marker: string | null) {
    return this.aggregates.records([{ kind: REPAIRABLE[entity].kind, id, position }], {
      transactionId: marker,
      occurredAt: Date.now(),
      commitPosition: position,
    });
  }
}
