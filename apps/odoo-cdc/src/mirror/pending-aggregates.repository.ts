import { HubDatabase } from '@hub/runtime';

/** What a transaction touched: an aggregate, or a partner (a Customer or Contact, by what its row is at END). */
export type AggregateKind =
  'partner' | 'product' | 'sales-order' | 'invoice' | 'payment' | 'shipment' | 'inventory-level';

export interface PendingAggregate {
  kind: AggregateKind;
  id: number;
  position: number;
}

/**
 * Partners (part 0) before the other aggregates (part 1), each part in the order its read returned it: a UNION ALL of
 * two ordered reads promises no order between them, and a stable sort by part restores it.
 */
export function pendingOrder<T extends { part: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.part - b.part);
}

/** Rows one INSERT writes (three parameters each, far below PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 5_000;

/**
 * Aggregates touched by a source transaction that has not ended: kept in the database, not in memory, so a
 * transaction larger than a fetch, or a restart in its middle, loses nothing. Published and cleared at its END.
 * What the changes of a fetch add is held here and written in a few statements when the fetch's effects are made
 * durable ({@link save}, before its offsets are committed) or when a transaction's list is read, not one per change.
 */
export class PendingAggregates {
  private unsaved = new Map<string, Map<string, PendingAggregate>>();
  private unsavedItems = 0;

  constructor(private readonly db: HubDatabase) {}

  /** Items added and not yet written. */
  get unsavedCount(): number {
    return this.unsavedItems;
  }

  add(transactionId: string, items: PendingAggregate[]): Promise<void> {
    for (const item of items) {
      const held = this.unsaved.get(transactionId) ?? new Map<string, PendingAggregate>();
      this.unsaved.set(transactionId, held);
      const key = `${item.kind}/${item.id}`;
      const before = held.get(key);
      if (!before) this.unsavedItems++;
      // As the table keeps it: the newest position that touched the aggregate.
      if (!before || before.position < item.position) held.set(key, item);
    }
    return Promise.resolve();
  }

  /** Writes what was added since the last save. */
  async save(): Promise<void> {
    const rows = [...this.unsaved.entries()].flatMap(([tx, held]) => [...held.values()].map((item) => ({ tx, item })));
    for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
      const chunk = rows.slice(from, from + ROWS_PER_INSERT);
      const values = chunk.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
      await this.db.query(
        `INSERT INTO cdc_pending (transaction_id, aggregate, aggregate_id, source_position) VALUES ${values}
         ON CONFLICT (transaction_id, aggregate, aggregate_id) DO UPDATE SET source_position = GREATEST(cdc_pending.source_position, EXCLUDED.source_position)`,
        chunk.flatMap(({ tx, item }) => [tx, item.kind, item.id, item.position]),
      );
    }
    this.discardUnsaved();
  }

  /** Drops what was added and not written (its changes will be read and applied again). */
  discardUnsaved(): void {
    this.unsaved = new Map();
    this.unsavedItems = 0;
  }

  /**
   * What a transaction touched, a page at a time, in the order it is published: its partners by id first, then the
   * other aggregates by kind and id. `after` is the last item of the previous page (none for the first).
   */
  async page(transactionId: string, after: PendingAggregate | undefined, limit: number): Promise<PendingAggregate[]> {
    await this.save();
    // While partners remain, one statement reads the next partners and the first other aggregates (each branch in
    // the primary key's order, limited): a small transaction's whole list in one round trip.
    const partners = !after || after.kind === 'partner';
    const others = `SELECT 1 AS part, aggregate, aggregate_id, source_position FROM cdc_pending
       WHERE transaction_id = $1 AND aggregate <> 'partner' ${partners ? '' : 'AND (aggregate, aggregate_id) > ($4, $2)'}
       ORDER BY aggregate, aggregate_id LIMIT $3`;
    const { rows } = await this.db.query<{
      part: number;
      aggregate: AggregateKind;
      aggregate_id: string;
      source_position: string;
    }>(
      partners
        ? `(SELECT 0 AS part, aggregate, aggregate_id, source_position FROM cdc_pending
             WHERE transaction_id = $1 AND aggregate = 'partner' AND ($2::bigint IS NULL OR aggregate_id > $2)
             ORDER BY aggregate_id LIMIT $3)
           UNION ALL (${others})`
        : others,
      partners ? [transactionId, after?.id ?? null, limit] : [transactionId, after!.id, limit, after!.kind],
    );
    return pendingOrder(
      rows.map((r) => ({
        part: r.part,
        kind: r.aggregate,
        id: Number(r.aggregate_id),
        position: Number(r.source_position),
      })),
    )
      .slice(0, limit)
      .map(({ kind, id, position }) => ({ kind, id, position }));
  }

  async clear(transactionId: string): Promise<void> {
    await this.db.query('DELETE FROM cdc_pending WHERE transaction_id = $1', [transactionId]);
  }
}
