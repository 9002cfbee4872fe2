import type { HubDatabase } from '@hub/runtime';

/** One target record as the stale-write guard sees it, for one source system. */
export interface PositionKey {
  /** The mapping write's scope, e.g. `Customer:Account`. */
  scope: string;
  /** The hub's key of the record. */
  key: string;
  /** The source system whose position this is: positions of different sources are never compared. */
  source: string;
}

export interface AppliedPosition extends PositionKey {
  position: number;
  eventId: string;
  /** The canonical record the write came from, so its children can be found again. */
  aggregateId: string;
}

/**
 * The last source position applied to each target record, per source system. An event older than what was applied
 * from the same source is stale: applying it would move the target back in time (events of one record arrive in
 * order, but replays and re-snapshots do not). A stored position also tells the engine the record exists, so
 * insert-only fields are left out of later writes.
 */
export abstract class AppliedPositions {
  /** The stored positions of the given records, keyed by {@link positionKey}; absent records are missing. */
  abstract lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>>;
  /** Records positions in one statement; never lowers one already stored. */
  abstract recordMany(positions: AppliedPosition[]): Promise<void>;
  /** Forgets records the hub removed from the target. */
  abstract forget(records: { scope: string; key: string }[]): Promise<void>;
  /**
   * Which of these target records the hub has written, through any scope and source: keys `<object>\0<key>` of the
   * records found. (Scopes are `<Entity>:<object>`, so the object is their second part.)
   */
  abstract writtenRecords(records: { object: string; key: string }[]): Promise<Set<string>>;
  /** The keys of the records written in `scope` for each aggregate: an order's items, to find those it lost. */
  abstract childrenOf(scope: string, aggregateIds: string[]): Promise<Map<string, string[]>>;
}

export const positionKey = (k: PositionKey): string => `${k.scope}\u0000${k.key}\u0000${k.source}`;

export class PgAppliedPositions extends AppliedPositions {
  constructor(
    private readonly db: HubDatabase,
    private readonly target: string,
  ) {
    super();
  }

  async lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.db.query<{
      object_name: string;
      external_id: string;
      source_system: string;
      p: string;
    }>(
      `SELECT p.object_name, p.external_id, p.source_system, p.source_position AS p
         FROM applied_position p
         JOIN unnest($2::text[], $3::text[], $4::text[]) AS k(object_name, external_id, source_system)
           ON p.object_name = k.object_name AND p.external_id = k.external_id AND p.source_system = k.source_system
        WHERE p.target = $1`,
      [this.target, keys.map((k) => k.scope), keys.map((k) => k.key), keys.map((k) => k.source)],
    );
    return new Map(
      rows.map((r) => [
        positionKey({ scope: r.object_name, key: r.external_id, source: r.source_system }),
        Number(r.p),
      ]),
    );
  }

  async writtenRecords(records: { object: string; key: string }[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const { rows } = await this.db.query<{ object: string; external_id: string }>(
      `SELECT DISTINCT split_part(p.object_name, ':', 2) AS object, p.external_id
         FROM applied_position p
         JOIN unnest($2::text[], $3::text[]) AS k(object, external_id)
           ON p.external_id = k.external_id AND split_part(p.object_name, ':', 2) = k.object
        WHERE p.target = $1`,
      [this.target, records.map((r) => r.object), records.map((r) => r.key)],
    );
    return new Set(rows.map((r) => `${r.object}\u0000${r.external_id}`));
  }

  async childrenOf(scope: string, aggregateIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(aggregateIds.map((id) => [id, []]));
    if (aggregateIds.length === 0) return out;
    const { rows } = await this.db.query<{ aggregate_id: string; external_id: string }>(
      `SELECT DISTINCT aggregate_id, external_id FROM applied_position
        WHERE target = $1 AND object_name = $2 AND aggregate_id = ANY($3::text[])`,
      [this.target, scope, aggregateIds],
    );
    for (const r of rows) out.get(r.aggregate_id)?.push(r.external_id);
    return out;
  }

  async forget(records: { scope: string; key: string }[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.query(
      `DELETE FROM applied_position p
        USING unnest($2::text[], $3::text[]) AS k(object_name, external_id)
        WHERE p.target = $1 AND p.object_name = k.object_name AND p.external_id = k.external_id`,
      [this.target, records.map((r) => r.scope), records.map((r) => r.key)],
    );
  }

  async recordMany(positions: AppliedPosition[]): Promise<void> {
    if (positions.length === 0) return;
    // One row per record: ON CONFLICT cannot touch the same row twice in one statement.
    const latest = new Map<string, AppliedPosition>();
    for (const p of positions) {
      const k = positionKey(p);
      const seen = latest.get(k);
      if (!seen || seen.position <= p.position) latest.set(k, p);
    }
    const list = [...latest.values()];
    await this.db.query(
      `INSERT INTO applied_position (target, object_name, external_id, source_system, source_position, event_id, aggregate_id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::uuid[], $7::text[])
       ON CONFLICT (target, object_name, external_id, source_system) DO UPDATE
         SET source_position = EXCLUDED.source_position, event_id = EXCLUDED.event_id,
             aggregate_id = EXCLUDED.aggregate_id, applied_at = now()
         WHERE applied_position.source_position <= EXCLUDED.source_position`,
      [
        this.target,
        list.map((p) => p.scope),
        list.map((p) => p.key),
        list.map((p) => p.source),
        list.map((p) => String(p.position)),
        list.map((p) => p.eventId),
        list.map((p) => p.aggregateId),
      ],
    );
  }
}
