import type { HubDatabase } from '@hub/runtime';

/** One target record as the stale-write guard sees it: the mapping's object key and the record's external id. */
export interface PositionKey {
  objectName: string;
  externalId: string;
}

export interface AppliedPosition extends PositionKey {
  position: number;
  eventId: string;
}

/**
 * The last source position applied to each target record. An event older than what was applied is stale: applying
 * it would move Salesforce back in time (events of one record arrive in order, but replays and re-snapshots do not).
 * A stored position also tells the projector the record exists, so insert-only fields are left out of later writes.
 */
export abstract class AppliedPositions {
  /** The stored positions of the given records, keyed by {@link positionKey}; absent records are missing. */
  abstract lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>>;
  /** Records positions in one statement; never lowers one already stored. */
  abstract recordMany(positions: AppliedPosition[]): Promise<void>;
  /**
   * Which of these Salesforce records the hub has written, through any mapping write: keys `<object>\0<externalId>`
   * of the records found. (Guard keys are `<Entity>:<object>`, so the object is their second part.)
   */
  abstract writtenRecords(records: { object: string; externalId: string }[]): Promise<Set<string>>;
}

export const positionKey = (k: PositionKey): string => `${k.objectName}\u0000${k.externalId}`;

export class PgAppliedPositions extends AppliedPositions {
  constructor(
    private readonly db: HubDatabase,
    private readonly target: string,
  ) {
    super();
  }

  async lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.db.query<{ object_name: string; external_id: string; source_position: string }>(
      `SELECT p.object_name, p.external_id, p.source_position
         FROM applied_position p
         JOIN unnest($2::text[], $3::text[]) AS k(object_name, external_id)
           ON p.object_name = k.object_name AND p.external_id = k.external_id
        WHERE p.target = $1`,
      [this.target, keys.map((k) => k.objectName), keys.map((k) => k.externalId)],
    );
    return new Map(
      rows.map((r) => [
        positionKey({ objectName: r.object_name, externalId: r.external_id }),
        Number(r.source_position),
      ]),
    );
  }

  async writtenRecords(records: { object: string; externalId: string }[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const { rows } = await this.db.query<{ object: string; external_id: string }>(
      `SELECT DISTINCT split_part(p.object_name, ':', 2) AS object, p.external_id
         FROM applied_position p
         JOIN unnest($2::text[], $3::text[]) AS k(object, external_id)
           ON p.external_id = k.external_id AND split_part(p.object_name, ':', 2) = k.object
        WHERE p.target = $1`,
      [this.target, records.map((r) => r.object), records.map((r) => r.externalId)],
    );
    return new Set(rows.map((r) => `${r.object}\u0000${r.external_id}`));
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
      `INSERT INTO applied_position (target, object_name, external_id, source_position, event_id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::uuid[])
       ON CONFLICT (target, object_name, external_id) DO UPDATE
         SET source_position = EXCLUDED.source_position, event_id = EXCLUDED.event_id, applied_at = now()
         WHERE applied_position.source_position <= EXCLUDED.source_position`,
      [
        this.target,
        list.map((p) => p.objectName),
        list.map((p) => p.externalId),
        list.map((p) => String(p.position)),
        list.map((p) => p.eventId),
      ],
    );
  }
}
