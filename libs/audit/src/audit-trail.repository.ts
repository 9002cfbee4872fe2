import type { HubDatabase } from '@hub/runtime';
import type { AuditEntry, AuditedField } from './audit-entry';
import type { AuditQuery } from './audit-query';

/** A row as the recorder hands it to the repository: values already hashed. */
export interface AuditRow {
  occurredAt: Date;
  kind: 'write' | 'operator-action';
  app: string;
  system: string | null;
  object: string | null;
  externalId: string | null;
  targetId: string | null;
  recordIds: string[];
  parentIds: string[];
  fields: AuditedField[];
  canonicalId: string | null;
  eventId: string | null;
  sourceSystem: string | null;
  sourcePosition: string | null;
  traceId: string | null;
  outcome: string;
  reason: string | null;
  action: string | null;
  actor: string | null;
}

/**
 * The `audit_entry` table (migrations/hub): appended to in one multi-row INSERT per call, read by the query API,
 * purged past retention only through the database's `audit_purge` (the table refuses any other UPDATE or DELETE).
 */
export class PgAuditTrail {
  constructor(private readonly db: HubDatabase) {}

  /** Appends the rows in one statement: all of them or none. */
  async append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO audit_entry (occurred_at, kind, app, target_system, object_name, external_id, target_id, record_ids,
                                parent_ids, fields, canonical_id, event_id, source_system, source_position, trace_id,
                                outcome, reason, action, actor)
       SELECT e.occurred_at, e.kind, e.app, e.target_system, e.object_name, e.external_id, e.target_id,
              ARRAY(SELECT jsonb_array_elements_text(e.record_ids)), ARRAY(SELECT jsonb_array_elements_text(e.parent_ids)),
              e.fields, e.canonical_id, e.event_id, e.source_system, e.source_position, e.trace_id, e.outcome, e.reason,
              e.action, e.actor
         FROM jsonb_to_recordset($1::jsonb) AS e(occurred_at timestamptz, kind text, app text, target_system text,
              object_name text, external_id text, target_id text, record_ids jsonb, parent_ids jsonb, fields jsonb,
              canonical_id text, event_id text, source_system text, source_position bigint, trace_id text, outcome text,
              reason text, action text, actor text)`,
      [
        JSON.stringify(
          rows.map((r) => ({
            occurred_at: r.occurredAt.toISOString(),
            kind: r.kind,
            app: r.app,
            target_system: r.system,
            object_name: r.object,
            external_id: r.externalId,
            target_id: r.targetId,
            record_ids: r.recordIds,
            parent_ids: r.parentIds,
            fields: r.fields,
            canonical_id: r.canonicalId,
            event_id: r.eventId,
            source_system: r.sourceSystem,
            source_position: r.sourcePosition,
            trace_id: r.traceId,
            outcome: r.outcome,
            reason: r.reason,
            action: r.action,
            actor: r.actor,
          })),
        ),
      ],
    );
  }

  /**
   * One page of entries in time order (then insertion order). By record id: the entries naming the record by any of
   * its ids, and those of the records that reference it by any of those ids (an order's deliveries and invoices).
   */
  async find(query: AuditQuery): Promise<{ entries: AuditEntry[]; next: string | null }> {
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    let withClause = '';
    if (query.recordId) {
      withClause = `WITH named AS (
         SELECT DISTINCT unnest(record_ids) AS id FROM audit_entry WHERE record_ids @> ARRAY[${p(query.recordId)}::text]
         UNION SELECT ${p(query.recordId)}::text)`;
      where.push(`(record_ids && ARRAY(SELECT id FROM named) OR parent_ids && ARRAY(SELECT id FROM named))`);
    }
    if (query.canonicalId) where.push(`canonical_id = ${p(query.canonicalId)}`);
    if (query.from) where.push(`occurred_at >= ${p(query.from.toISOString())}`);
    if (query.to) where.push(`occurred_at <= ${p(query.to.toISOString())}`);
    // Pages by position in the order below, so an entry appended meanwhile is never skipped or shown twice.
    if (query.after) {
      where.push(`(occurred_at, id) > (SELECT occurred_at, id FROM audit_entry WHERE id = ${p(query.after)}::bigint)`);
    }
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${withClause}
       SELECT id::text, occurred_at, kind, app, target_system, object_name, external_id, target_id, record_ids,
              parent_ids, fields, canonical_id, event_id, source_system, source_position::text, trace_id, outcome,
              reason, action, actor
         FROM audit_entry WHERE ${where.join(' AND ')}
        ORDER BY occurred_at, id LIMIT ${p(query.limit + 1)}`,
      params,
    );
    const more = rows.length > query.limit;
    const entries = rows.slice(0, query.limit).map(toEntry);
    return { entries, next: more ? entries[entries.length - 1].id : null };
  }

  /** Removes entries recorded more than `retentionDays` ago, in batches; returns how many. */
  async purge(retentionDays: number, batchSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await this.db.query<{ n: number }>('SELECT audit_purge($1, $2) AS n', [
        retentionDays,
        batchSize,
      ]);
      total += rows[0].n;
      if (rows[0].n < batchSize) return total;
    }
  }
}

function toEntry(r: Record<string, unknown>): AuditEntry {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    occurredAt: (r.occurred_at as Date).toISOString(),
    kind: r.kind as AuditEntry['kind'],
    app: String(r.app),
    system: text(r.target_system),
    object: text(r.object_name),
    externalId: text(r.external_id),
    targetId: text(r.target_id),
    recordIds: r.record_ids as string[],
    parentIds: r.parent_ids as string[],
    fields: r.fields as AuditedField[],
    canonicalId: text(r.canonical_id),
    eventId: text(r.event_id),
    sourceSystem: text(r.source_system),
    sourcePosition: text(r.source_position),
    traceId: text(r.trace_id),
    outcome: String(r.outcome),
    reason: text(r.reason),
    action: text(r.action),
    actor: text(r.actor),
  };
}
