import type { OdooRow } from './cdc-mirror.repository';

/**
 * A row change the mirror holds for its next write. An upsert stores `row`; a delete flags the stored row deleted and
 * keeps it (`keepStoredRow`), storing `row` (its before-image) only where no row is stored, exactly as the single-row
 * statements did. A delete held over an upsert of the same batch carries that upsert's row instead: the row the
 * upsert would have left stored for the delete to keep.
 */
export interface HeldRow {
  table: string;
  id: number;
  row: OdooRow;
  /** `row` as JSON, made once when the change is applied (it is checked then, and sent as is). */
  rowJson: string;
  deleted: boolean;
  keepStoredRow: boolean;
  position: number;
}

/** A held change of a relation table's row (its two ids): present or deleted, at a position. */
export interface HeldRelation {
  table: string;
  left: number;
  right: number;
  deleted: boolean;
  position: number;
}

export const rowKey = (table: string, id: number): string => `${table}/${id}`;
export const relationKey = (table: string, left: number, right: number): string => `${table}/${left}/${right}`;

/**
 * What one row ends as when `newer` follows `older` in the stream (newer.position ≥ older.position): an upsert
 * replaces everything; a delete keeps the row the older change left (an upsert's row, or what a delete kept).
 */
export function combineHeldRows(older: HeldRow, newer: HeldRow): HeldRow {
  if (!newer.deleted) return newer;
  return { ...newer, row: older.row, rowJson: older.rowJson, keepStoredRow: older.keepStoredRow };
}

/**
 * The mirror's writes not yet sent, one entry per row: the same row changed twice ends as its newest change (the
 * caller holds a change only once it knows it is not older than what is held or stored), so one multi-row
 * `INSERT … ON CONFLICT DO UPDATE` can write them all (PostgreSQL refuses one that touches a row twice).
 */
export class MirrorWriteBuffer {
  readonly rows = new Map<string, HeldRow>();
  readonly relations = new Map<string, HeldRelation>();

  get size(): number {
    return this.rows.size + this.relations.size;
  }

  row(table: string, id: number): HeldRow | undefined {
    return this.rows.get(rowKey(table, id));
  }

  relation(table: string, left: number, right: number): HeldRelation | undefined {
    return this.relations.get(relationKey(table, left, right));
  }

  /** Holds a change that follows what is held for its row. */
  putRow(change: HeldRow): void {
    const key = rowKey(change.table, change.id);
    const held = this.rows.get(key);
    this.rows.set(key, held ? combineHeldRows(held, change) : change);
  }

  putRelation(change: HeldRelation): void {
    this.relations.set(relationKey(change.table, change.left, change.right), change);
  }

  /**
   * Puts back the changes of a write that failed, beneath what was held since (which came later in the stream), so
   * the next write sends both as the stream left them.
   */
  restoreUnder(failed: MirrorWriteBuffer): void {
    for (const [key, older] of failed.rows) {
      const newer = this.rows.get(key);
      this.rows.set(key, newer ? combineHeldRows(older, newer) : older);
    }
    for (const [key, older] of failed.relations) if (!this.relations.has(key)) this.relations.set(key, older);
  }
}

/**
 * The one statement that writes a buffer: every row and relation row in a multi-row `INSERT … ON CONFLICT DO UPDATE
 * … WHERE stored position ≤ new position`, as two JSON parameters (no limit on rows per statement), returning the
 * rows it wrote; a row it did not return was newer in the mirror. Undefined for an empty buffer.
 */
export function mirrorWriteStatement(buffer: MirrorWriteBuffer): { sql: string; params: string[] } | undefined {
  if (buffer.size === 0) return undefined;
  const rows = [...buffer.rows.values()]
    .map(
      (r) =>
        `{"t":${JSON.stringify(r.table)},"id":${r.id},"doc":${r.rowJson},"pos":${r.position},"del":${r.deleted},"keep":${r.keepStoredRow}}`,
    )
    .join(',');
  const relations = JSON.stringify(
    [...buffer.relations.values()].map((r) => ({ t: r.table, l: r.left, r: r.right, pos: r.position, del: r.deleted })),
  );
  const sql = `
    WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t text, id bigint, doc jsonb, pos bigint, del boolean, keep boolean)
    ), replaced AS (
      INSERT INTO cdc_row AS c (table_name, row_id, row, source_position, deleted)
      SELECT t, id, doc, pos, del FROM input WHERE NOT keep
      ON CONFLICT (table_name, row_id) DO UPDATE
        SET row = EXCLUDED.row, deleted = EXCLUDED.deleted, source_position = EXCLUDED.source_position, updated_at = now()
        WHERE c.source_position <= EXCLUDED.source_position
      RETURNING c.table_name, c.row_id
    ), flagged AS (
      INSERT INTO cdc_row AS c (table_name, row_id, row, source_position, deleted)
      SELECT t, id, doc, pos, true FROM input WHERE keep
      ON CONFLICT (table_name, row_id) DO UPDATE
        SET deleted = true, source_position = EXCLUDED.source_position, updated_at = now()
        WHERE c.source_position <= EXCLUDED.source_position
      RETURNING c.table_name, c.row_id
    ), relation_input AS (
      SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(t text, l bigint, r bigint, pos bigint, del boolean)
    ), relations AS (
      INSERT INTO cdc_relation AS c (table_name, left_id, right_id, source_position, deleted)
      SELECT t, l, r, pos, del FROM relation_input
      ON CONFLICT (table_name, left_id, right_id) DO UPDATE
        SET deleted = EXCLUDED.deleted, source_position = EXCLUDED.source_position, updated_at = now()
        WHERE c.source_position <= EXCLUDED.source_position
      RETURNING c.table_name, c.left_id, c.right_id
    )
    SELECT table_name || '/' || row_id AS key FROM replaced
    UNION ALL SELECT table_name || '/' || row_id FROM flagged
    UNION ALL SELECT table_name || '/' || left_id || '/' || right_id FROM relations`;
  return { sql, params: [`[${rows}]`, relations] };
}

/** The keys of the buffer a write did not return: rows the mirror held at a newer position. */
export function unwrittenKeys(buffer: MirrorWriteBuffer, written: readonly string[]): string[] {
  const returned = new Set(written);
  return [...buffer.rows.keys(), ...buffer.relations.keys()].filter((key) => !returned.has(key));
}
