import type { HubDatabase } from '@hub/resilience';

/**
 * The last source position applied to each target record. An event older than what was applied is stale: applying
 * it would move Salesforce back in time (events of one record arrive in order, but replays and re-snapshots do not).
 */
export abstract class AppliedPositions {
  abstract lastApplied(objectName: string, externalId: string): Promise<number | undefined>;
  /** Records a position; never lowers one already stored. */
  abstract record(objectName: string, externalId: string, position: number, eventId: string): Promise<void>;
}

export class PgAppliedPositions extends AppliedPositions {
  constructor(
    private readonly db: HubDatabase,
    private readonly target: string,
  ) {
    super();
  }

  async lastApplied(objectName: string, externalId: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ source_position: string }>(
      'SELECT source_position FROM applied_position WHERE target = $1 AND object_name = $2 AND external_id = $3',
      [this.target, objectName, externalId],
    );
    return rows[0] ? Number(rows[0].source_position) : undefined;
  }

  async record(objectName: string, externalId: string, position: number, eventId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO applied_position (target, object_name, external_id, source_position, event_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (target, object_name, external_id) DO UPDATE
         SET source_position = EXCLUDED.source_position, event_id = EXCLUDED.event_id, applied_at = now()
         WHERE applied_position.source_position <= EXCLUDED.source_position`,
      [this.target, objectName, externalId, position, eventId],
    );
  }
}
