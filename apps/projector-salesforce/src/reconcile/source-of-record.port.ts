/** A canonical aggregate as the source of record holds it now. */
export interface SourceAggregate {
  odooId: number;
  deleted: boolean;
  /** The highest source position stored for its rows. */
  position: number;
  /** The canonical record the source publishes for it (null when deleted). */
  record: Record<string, unknown> | null;
}

export type SourceEntity = 'Customer' | 'Contact' | 'Product' | 'SalesOrder' | 'Invoice' | 'Payment' | 'Shipment';

/**
 * The source of record as the reconciler reads and repairs it: odoo-cdc's mirror, whose aggregates are what the
 * canonical topics carry. Reads are pages in id order; a repair is a re-publication of whole aggregates through the
 * canonical topics (the projectors' normal path), idempotent per `marker`.
 *
 * Errors: TransientError when the source cannot be reached or answers 5xx (the pass ends, nothing half-repaired:
 * every repair is a whole aggregate); PermanentError for a refused request (4xx: a bad token, a bad body).
 */
export abstract class SourceOfRecord {
  abstract read(
    entity: SourceEntity,
    query: { sinceMs?: number; ids?: number[]; afterId: number; limit: number },
  ): Promise<{ aggregates: SourceAggregate[]; nextAfterId: number | null }>;

  abstract republish(
    entity: SourceEntity,
    items: { odooId: number; atLeastPosition?: number }[],
    marker: string,
  ): Promise<{ published: number; notFound: number[] }>;
}
