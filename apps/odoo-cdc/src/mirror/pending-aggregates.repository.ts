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
 * Aggregates touched by a source transaction that has not ended: kept in the database, not in memory, so a
 * transaction larger than a fetch, or a restart in its middle, loses nothing. Published and cleared at its END.
 */
export class PendingAggregates {
  constructor(private readonly db: HubDatabase) {}

  async add(transactionId: string, items: PendingAggregate[]): Promise<void> {
    if (items.length === 0) return;
    const values = items.map((_, i) => `($1, $${i * 3 + 2}, $${i * 3 + 3}, $${i * 3 + 4})`).join(', ');
    await this.db.query(
      `INSERT INTO cdc_pending (transaction_id, aggregate, aggregate_id, source_position) VALUES ${values}
       ON CONFLICT (transaction_id, aggregate, aggregate_id) DO UPDATE SET source_position = GREATEST(cdc_pending.source_position, EXCLUDED.source_position)`,
      [transactionId, ...items.flatMap((p) => [p.kind, p.id, p.position])],
    );
  }

  async list(transactionId: string): Promise<PendingAggregate[]> {
    const { rows } = await this.db.query<{
      aggregate: AggregateKind;
      aggregate_id: string;
      source_position: string;
    }>(
      'SELECT aggregate, aggregate_id, source_position FROM cdc_pending WHERE transaction_id = $1 ORDER BY aggregate, aggregate_id',
      [transactionId],
    );
    return rows.map((r) => ({ kind: r.aggregate, id: Number(r.aggregate_id), position: Number(r.source_position) }));
  }

  async clear(transactionId: string): Promise<void> {
    await this.db.query('DELETE FROM cdc_pending WHERE transaction_id = $1', [transactionId]);
  }
}
