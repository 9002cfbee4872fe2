import type { DebeziumChange } from '../debezium/debezium-change';
import { HubDatabase } from '@hub/runtime';

export type OdooRow = Record<string, unknown> & { id: number };

/** Debezium's stand-in for a TOASTed column an UPDATE left unchanged (`unavailable.value.placeholder`). */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';

/**
 * Odoo many2many relation tables the mirror keeps, with the columns holding their two ids. They have no id column:
 * the pair is the row. sale_order_line_invoice_rel links an invoice line (account_move_line) to the order line
 * (sale_order_line) it bills.
 */
export const RELATION_TABLES = {
  sale_order_line_invoice_rel: { left: 'invoice_line_id', right: 'order_line_id' },
} as const;
export type RelationTable = keyof typeof RELATION_TABLES;

export function isRelationTable(table: string): table is RelationTable {
  return Object.prototype.hasOwnProperty.call(RELATION_TABLES, table);
}

/** The two ids of a relation row; undefined when either is not an integer (checked before it reaches the mirror). */
export function relationIds(table: RelationTable, row: Record<string, unknown>): [number, number] | undefined {
  const { left, right } = RELATION_TABLES[table];
  const ids = [row[left], row[right]];
  return ids.every((id) => typeof id === 'number' && Number.isInteger(id)) ? (ids as [number, number]) : undefined;
}

/** Join columns the mirror indexes, per table (see migrations/hub). */
export type MirrorLink =
  | { table: 'sale_order_line'; column: 'order_id' }
  | { table: 'account_move_line'; column: 'move_id' }
  | { table: 'product_product'; column: 'product_tmpl_id' }
  | { table: 'stock_move'; column: 'picking_id' }
  | { table: 'stock_quant'; column: 'product_id' }
  | { table: 'account_payment'; column: 'move_id' };

/**
 * The last known state of each captured Odoo row, in the hub database. Writes are ordered by WAL position: a change
 * older than what is stored is ignored, so replaying the stream after a crash cannot move a row back in time.
 */
export class CdcMirror {
  constructor(private readonly db: HubDatabase) {}

  /**
   * Stores the row a change leaves behind and returns it complete: a column Debezium could not send (TOAST
   * placeholder) keeps its last known value. Returns `stale` when a newer position is stored already.
   */
  async apply(change: DebeziumChange): Promise<{ row: OdooRow | null; stale: boolean }> {
    const table = change.source.table;
    const position = change.source.lsn;
    if (change.op === 'd') {
      const before = change.before as OdooRow;
      const res = await this.db.query(
        `INSERT INTO cdc_row (table_name, row_id, row, source_position, deleted) VALUES ($1, $2, $3, $4, true)
         ON CONFLICT (table_name, row_id) DO UPDATE SET deleted = true, source_position = EXCLUDED.source_position, updated_at = now()
         WHERE cdc_row.source_position <= EXCLUDED.source_position`,
        [table, before.id, before, position],
      );
      return { row: null, stale: res.rowCount === 0 };
    }
    let after = change.after as OdooRow;
    const missing = Object.keys(after).filter((k) => after[k] === UNAVAILABLE_VALUE);
    if (missing.length) {
      const known = (await this.get(table, after.id, true)) ?? (change.before as OdooRow | null) ?? undefined;
      after = { ...after };
      for (const column of missing) after[column] = known && known[column] !== UNAVAILABLE_VALUE ? known[column] : null;
    }
    const res = await this.db.query(
      `INSERT INTO cdc_row (table_name, row_id, row, source_position, deleted) VALUES ($1, $2, $3, $4, false)
       ON CONFLICT (table_name, row_id) DO UPDATE SET row = EXCLUDED.row, deleted = false, source_position = EXCLUDED.source_position, updated_at = now()
       WHERE cdc_row.source_position <= EXCLUDED.source_position`,
      [table, after.id, after, position],
    );
    return { row: after, stale: res.rowCount === 0 };
  }

  /**
   * Stores a change of a relation table's row (present, or deleted), ordered by WAL position like {@link apply}.
   * Returns the row it leaves behind (null after a delete) and `stale` when a newer position is stored already.
   */
  async applyRelation(
    table: RelationTable,
    change: DebeziumChange,
  ): Promise<{ row: Record<string, unknown> | null; stale: boolean }> {
    const deleted = change.op === 'd';
    const row = (deleted ? change.before : change.after) as Record<string, unknown>;
    const ids = relationIds(table, row);
    if (!ids) throw new Error(`${table}: change without both ids: ${JSON.stringify(row)}`);
    const res = await this.db.query(
      `INSERT INTO cdc_relation (table_name, left_id, right_id, source_position, deleted) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (table_name, left_id, right_id) DO UPDATE SET deleted = EXCLUDED.deleted, source_position = EXCLUDED.source_position, updated_at = now()
       WHERE cdc_relation.source_position <= EXCLUDED.source_position`,
      [table, ids[0], ids[1], change.source.lsn, deleted],
    );
    return { row: deleted ? null : row, stale: res.rowCount === 0 };
  }

  /** The WAL position stored for a relation row, if it is known. */
  async relationPositionOf(table: RelationTable, row: Record<string, unknown>): Promise<number | undefined> {
    const ids = relationIds(table, row);
    if (!ids) return undefined;
    const { rows } = await this.db.query<{ source_position: string }>(
      'SELECT source_position FROM cdc_relation WHERE table_name = $1 AND left_id = $2 AND right_id = $3',
      [table, ids[0], ids[1]],
    );
    return rows[0] ? Number(rows[0].source_position) : undefined;
  }

  /**
   * The Odoo ids of the sales orders an invoice (account_move id) bills, ascending: the orders of the order lines its
   * live invoice lines are linked to through sale_order_line_invoice_rel.
   */
  async ordersBilledBy(moveId: number): Promise<number[]> {
    const { rows } = await this.db.query<{ order_id: string }>(
      `SELECT DISTINCT (sol.row ->> 'order_id')::bigint AS order_id
       FROM cdc_row aml
       JOIN cdc_relation rel ON rel.table_name = 'sale_order_line_invoice_rel' AND rel.left_id = aml.row_id AND NOT rel.deleted
       JOIN cdc_row sol ON sol.table_name = 'sale_order_line' AND sol.row_id = rel.right_id AND NOT sol.deleted
       WHERE aml.table_name = 'account_move_line' AND (aml.row ->> 'move_id')::bigint = $1 AND NOT aml.deleted
       ORDER BY 1`,
      [moveId],
    );
    return rows.map((r) => Number(r.order_id));
  }

  /** The WAL position stored for a row, if the row is known. */
  async positionOf(table: string, id: number): Promise<number | undefined> {
    const { rows } = await this.db.query<{ source_position: string }>(
      'SELECT source_position FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    return rows[0] ? Number(rows[0].source_position) : undefined;
  }

  async get(table: string, id: number, includeDeleted = false): Promise<OdooRow | undefined> {
    const { rows } = await this.db.query<{ row: OdooRow; deleted: boolean }>(
      'SELECT row, deleted FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    if (!rows[0] || (rows[0].deleted && !includeDeleted)) return undefined;
    return rows[0].row;
  }

  /** Several live rows of one table by id, in one statement: the rows it knows, by id. */
  async getMany(table: string, ids: readonly number[]): Promise<Map<number, OdooRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ row_id: string; row: OdooRow }>(
      'SELECT row_id, row FROM cdc_row WHERE table_name = $1 AND row_id = ANY($2::bigint[]) AND NOT deleted',
      [table, [...new Set(ids)]],
    );
    return new Map(rows.map((r) => [Number(r.row_id), r.row]));
  }

  /** {@link hubExternalIds} of several records of one model in one statement, by record id. */
  async hubExternalIdsOfMany(model: string, resIds: readonly number[]): Promise<Map<number, OdooRow[]>> {
    const byRecord = new Map<number, OdooRow[]>();
    if (resIds.length === 0) return byRecord;
    const { rows } = await this.db.query<{ row: OdooRow }>(
      `SELECT row FROM cdc_row
        WHERE table_name = 'ir_model_data' AND row ->> 'model' = $1 AND (row ->> 'res_id')::bigint = ANY($2::bigint[])
          AND NOT deleted
        ORDER BY row_id`,
      [model, [...new Set(resIds)]],
    );
    for (const { row } of rows) {
      const id = Number(row.res_id);
      byRecord.set(id, [...(byRecord.get(id) ?? []), row]);
    }
    return byRecord;
  }

  /** Whether the row is known and was deleted (as opposed to never seen). */
  async isDeleted(table: string, id: number): Promise<boolean> {
    const { rows } = await this.db.query<{ deleted: boolean }>(
      'SELECT deleted FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    return rows[0]?.deleted === true;
  }

  /**
   * The hub's external ids of one Odoo record (ir_model_data rows of module `hub`: the mirror keeps no others), oldest
   * first, e.g. `hub.salesforce_account_<Id>` of a res.partner.
   */
  async hubExternalIds(model: string, resId: number): Promise<OdooRow[]> {
    const { rows } = await this.db.query<{ row: OdooRow }>(
      `SELECT row FROM cdc_row
        WHERE table_name = 'ir_model_data' AND row ->> 'model' = $1 AND (row ->> 'res_id')::bigint = $2 AND NOT deleted
        ORDER BY row_id`,
      [model, resId],
    );
    return rows.map((r) => r.row);
  }

  /** Live rows of `link.table` whose `link.column` equals `value`, in id order. */
  async children(link: MirrorLink, value: number): Promise<OdooRow[]> {
    const { rows } = await this.db.query<{ row: OdooRow }>(
      `SELECT row FROM cdc_row WHERE table_name = $1 AND (row ->> '${link.column}')::bigint = $2 AND NOT deleted ORDER BY row_id`,
      [link.table, value],
    );
    return rows.map((r) => r.row);
  }

  /**
   * Root rows of an aggregate (res_partner, sale_order) for the reconciler, in id order after `afterId`: those whose
   * Odoo write_date (or a child's, for `child`) is at least `sinceMs`, or those of `ids`; deleted ones included. Each
   * with the highest WAL position stored for it and its children: a re-publish is never older than what the mirror
   * shows. write_date is epoch milliseconds in the mirror (Debezium time.precision.mode=connect); a row without one
   * (written by SQL, not the ORM) counts from when the mirror stored it.
   */
  async roots(
    table: string,
    query: { sinceMs?: number; ids?: readonly number[]; afterId: number; limit: number; child?: MirrorLink },
  ): Promise<{ id: number; deleted: boolean; position: number }[]> {
    const writeDate = (alias: string) =>
      `CASE WHEN ${alias}.row ->> 'write_date' ~ '^[0-9]+$' THEN (${alias}.row ->> 'write_date')::bigint
            ELSE (extract(epoch FROM ${alias}.updated_at) * 1000)::bigint END`;
    const child = query.child;
    const childJoin = child
      ? `FROM cdc_row c WHERE c.table_name = '${child.table}' AND (c.row ->> '${child.column}')::bigint = r.row_id`
      : undefined;
    const { rows } = await this.db.query<{ row_id: string; deleted: boolean; position: string }>(
      `SELECT r.row_id, r.deleted,
              GREATEST(r.source_position, ${childJoin ? `(SELECT max(c.source_position) ${childJoin})` : 'NULL'}) AS position
         FROM cdc_row r
        WHERE r.table_name = $1 AND r.row_id > $2
          AND ($3::bigint IS NULL OR ${writeDate('r')} >= $3
               ${childJoin ? `OR EXISTS (SELECT 1 ${childJoin} AND ${writeDate('c')} >= $3)` : ''})
          AND ($4::bigint[] IS NULL OR r.row_id = ANY($4::bigint[]))
        ORDER BY r.row_id
        LIMIT $5`,
      [table, query.afterId, query.sinceMs ?? null, query.ids ? [...query.ids] : null, query.limit],
    );
    return rows.map((r) => ({ id: Number(r.row_id), deleted: r.deleted, position: Number(r.position) }));
  }
}
