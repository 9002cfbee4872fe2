import type { HubDatabase } from '@hub/runtime';
import type { RecordFields } from './salesforce-canonical.mapper';

export interface MirroredRecord {
  fields: RecordFields;
  deleted: boolean;
}

/**
 * The last known state of every captured Salesforce record (hub database, `ingress_salesforce_record`). A change
 * event carries only what changed; applied here it gives the whole record a canonical event needs.
 */
export class SalesforceMirror {
  constructor(private readonly db: HubDatabase) {}

  async get(entity: string, ids: readonly string[]): Promise<Map<string, MirroredRecord>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ record_id: string; fields: RecordFields; deleted: boolean }>(
      'SELECT record_id, fields, deleted FROM ingress_salesforce_record WHERE entity = $1 AND record_id = ANY($2)',
      [entity, ids],
    );
    return new Map(rows.map((r) => [r.record_id, { fields: r.fields, deleted: r.deleted }]));
  }

  /** Writes the records' states (upsert), in one statement. */
  async put(entity: string, records: { id: string; fields: RecordFields; deleted: boolean; replayId: string }[]) {
    if (records.length === 0) return;
    await this.db.query(
      `INSERT INTO ingress_salesforce_record (entity, record_id, fields, deleted, replay_id)
       SELECT $1, r.id, r.fields, r.deleted, r.replay_id
         FROM jsonb_to_recordset($2::jsonb) AS r(id text, fields jsonb, deleted boolean, replay_id text)
       ON CONFLICT (entity, record_id) DO UPDATE
         SET fields = EXCLUDED.fields, deleted = EXCLUDED.deleted, replay_id = EXCLUDED.replay_id, updated_at = now()`,
      [
        entity,
        JSON.stringify(records.map((r) => ({ id: r.id, fields: r.fields, deleted: r.deleted, replay_id: r.replayId }))),
      ],
    );
  }
}
