import type { QueryResult, QueryResultRow } from 'pg';
import { HubDatabase } from '@hub/runtime';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';
import { HeldRelation, HeldRow, MirrorWriteBuffer, mirrorWriteStatement, unwrittenKeys } from './mirror-write-buffer';

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

/** The id of a row the mirror stores; PermanentError(INVALID_RECORD) when it has none it can key the row by. */
export function integerId(table: string, row: Record<string, unknown> | null): number {
  const id = row?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new PermanentError(
      PermanentErrorCode.INVALID_RECORD,
      `${table}: row without an integer id (${JSON.stringify(id)}), the mirror cannot key it`,
    );
  }
  return id;
}

const JSON_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * A change as the mirror holds it, its row made JSON once. PostgreSQL's jsonb refuses the NUL character, and one
 * refused row would fail the whole multi-row write: such a row is refused here, by its own record.
 */
export function heldRow(table: string, row: OdooRow, position: number, deleted: boolean): HeldRow {
  const id = integerId(table, row);
  const rowJson = JSON.stringify(row);
  // JSON writes NUL as \u0000; an escaped backslash before "u0000" is text, not NUL.
  if (JSON_NUL.test(rowJson)) {
    throw new PermanentError(
      PermanentErrorCode.INVALID_RECORD,
      `${table} id=${id}: a value holds a NUL character, which the mirror (jsonb) cannot store`,
    );
  }
  return { table, id, row, rowJson, deleted, keepStoredRow: deleted, position };
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
 *
 * Changes are held in memory ({@link MirrorWriteBuffer}) and written together, one statement for all of them, when
 * the fetch's effects are made durable ({@link flushWrites}, from CdcFetchEffects) or before any read of the mirror:
 * every read sees every change applied before it. Whether a change is stale is decided when it is applied, without a
 * round trip, from what is held for its row and the highest position stored per table (loaded once): a change at or
 * above it cannot be older than a stored row. A change below it (transactions interleaved in the WAL, a replay) is
 * written at once with the single-row statement, as before. The write's RETURNING confirms each held row was written;
 * one that was not (another writer moved the mirror meanwhile) fails the flush, so the fetch is handled again.
 */
export class CdcMirror {
  private buffer = new MirrorWriteBuffer();
  /** The changes of the write under way (taken from the buffer when it started). */
  private inFlight?: MirrorWriteBuffer;
  private writing: Promise<void> = Promise.resolve();
  /** The highest position stored per table; undefined until first needed, and after a discard. */
  private highWater?: Map<string, number>;
  /** Set when a write found a row newer than this instance knew: everything until the next discard is suspect. */
  private diverged?: TransientError;

  constructor(private readonly db: HubDatabase) {}

  /** Changes held and not yet written. */
  get unwritten(): number {
    return this.buffer.size + (this.inFlight?.size ?? 0);
  }

  /**
   * Stores the row a change leaves behind and returns it complete: a column Debezium could not send (TOAST
   * placeholder) keeps its last known value. Returns `stale` when a newer position is stored already. The write
   * itself is held until {@link flushWrites} (or the next read); a change below the table's highest stored position
   * is written at once. Throws PermanentError(INVALID_RECORD) for a row the mirror cannot store (no integer id, a NUL
   * character).
   */
  async apply(change: DebeziumChange): Promise<{ row: OdooRow | null; stale: boolean }> {
    const table = change.source.table;
    const position = change.source.lsn;
    if (change.op === 'd') {
      const before = change.before as OdooRow;
      const held = heldRow(table, before, position, true);
      return { row: null, stale: !(await this.holdRow(held)) };
    }
    let after = change.after as OdooRow;
    const missing = Object.keys(after).filter((k) => after[k] === UNAVAILABLE_VALUE);
    if (missing.length === 0) {
      return { row: after, stale: !(await this.holdRow(heldRow(table, after, position, false))) };
    }
    const id = integerId(table, after);
    const stale = this.staleAgainstHeld(table, id, position);
    if (stale) return { row: after, stale };
    const known = (await this.lastKnownRow(table, id)) ?? (change.before as OdooRow | null) ?? undefined;
    after = { ...after };
    for (const column of missing) after[column] = known && known[column] !== UNAVAILABLE_VALUE ? known[column] : null;
    return { row: after, stale: !(await this.holdRow(heldRow(table, after, position, false))) };
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
    const held: HeldRelation = { table, left: ids[0], right: ids[1], deleted, position: change.source.lsn };
    return { row: deleted ? null : row, stale: !(await this.holdRelation(held)) };
  }

  /**
   * Writes every held change in one statement. Serialised: a read of the repair API and the stream's flush never
   * write at once. On failure the changes stay held (beneath any held since) and the error is thrown: a database
   * error as it is; a row found newer than known as TransientError MIRROR_MOVED, until {@link discardUnwritten}.
   */
  flushWrites(): Promise<void> {
    const run = this.writing.then(() => this.writeHeld());
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Drops what is held and forgets the stored positions: the changes are read and applied again. */
  discardUnwritten(): void {
    this.buffer = new MirrorWriteBuffer();
    this.highWater = undefined;
    this.diverged = undefined;
  }

  private async writeHeld(): Promise<void> {
    if (this.diverged) throw this.diverged;
    const statement = mirrorWriteStatement(this.buffer);
    if (!statement) return;
    const batch = this.buffer;
    this.buffer = new MirrorWriteBuffer();
    this.inFlight = batch;
    let written: string[];
    try {
      const { rows } = await this.db.query<{ key: string }>(statement.sql, statement.params);
      written = rows.map((r) => r.key);
    } catch (error) {
      this.buffer.restoreUnder(batch);
      // Not the fault of the record being handled when a read makes the write: the whole batch waits and is retried.
      throw new TransientError(
        'MIRROR_WRITE_FAILED',
        `writing ${batch.size} mirror row(s): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      this.inFlight = undefined;
    }
    const stale = unwrittenKeys(batch, written);
    if (stale.length) {
      this.highWater = undefined;
      this.diverged = new TransientError(
        'MIRROR_MOVED',
        `the mirror held newer positions than odoo-cdc knew for ${stale.length} row(s) (${stale.slice(0, 5).join(', ')}): the changes are handled again`,
        { retryAfterMs: 1_000 },
      );
      throw this.diverged;
    }
  }

  /** Whether a held change of the row is newer than `position`. */
  private staleAgainstHeld(table: string, id: number, position: number): boolean {
    const held = this.buffer.row(table, id) ?? this.inFlight?.row(table, id);
    return held !== undefined && held.position > position;
  }

  /** The row as the mirror will hold it once what is held is written, deleted or not. */
  private async lastKnownRow(table: string, id: number): Promise<OdooRow | undefined> {
    const held = this.buffer.row(table, id) ?? this.inFlight?.row(table, id);
    if (held && !held.keepStoredRow) return held.row;
    // A held delete keeps the stored row, and stores its before-image only where there is none.
    const { rows } = await this.db.query<{ row: OdooRow }>(
      'SELECT row FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    return rows[0]?.row ?? held?.row;
  }

  /** Holds a change unless it is older than what is held or stored for its row; returns whether it was applied. */
  private async holdRow(change: HeldRow): Promise<boolean> {
    const held = this.buffer.row(change.table, change.id) ?? this.inFlight?.row(change.table, change.id);
    if (held || change.position >= (await this.highWaterOf(change.table))) {
      if (held && held.position > change.position) return false;
      this.buffer.putRow(change);
      this.raiseHighWater(change.table, change.position);
      return true;
    }
    const res = change.deleted
      ? await this.db.query(
          `INSERT INTO cdc_row (table_name, row_id, row, source_position, deleted) VALUES ($1, $2, $3::jsonb, $4, true)
           ON CONFLICT (table_name, row_id) DO UPDATE SET deleted = true, source_position = EXCLUDED.source_position, updated_at = now()
           WHERE cdc_row.source_position <= EXCLUDED.source_position`,
          [change.table, change.id, change.rowJson, change.position],
        )
      : await this.db.query(
          `INSERT INTO cdc_row (table_name, row_id, row, source_position, deleted) VALUES ($1, $2, $3::jsonb, $4, false)
           ON CONFLICT (table_name, row_id) DO UPDATE SET row = EXCLUDED.row, deleted = false, source_position = EXCLUDED.source_position, updated_at = now()
           WHERE cdc_row.source_position <= EXCLUDED.source_position`,
          [change.table, change.id, change.rowJson, change.position],
        );
    if (res.rowCount === 0) return false;
    this.raiseHighWater(change.table, change.position);
    return true;
  }

  private async holdRelation(change: HeldRelation): Promise<boolean> {
    const held =
      this.buffer.relation(change.table, change.left, change.right) ??
      this.inFlight?.relation(change.table, change.left, change.right);
    if (held || change.position >= (await this.highWaterOf(change.table))) {
      if (held && held.position > change.position) return false;
      this.buffer.putRelation(change);
      this.raiseHighWater(change.table, change.position);
      return true;
    }
    const res = await this.db.query(
      `INSERT INTO cdc_relation (table_name, left_id, right_id, source_position, deleted) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (table_name, left_id, right_id) DO UPDATE SET deleted = EXCLUDED.deleted, source_position = EXCLUDED.source_position, updated_at = now()
       WHERE cdc_relation.source_position <= EXCLUDED.source_position`,
      [change.table, change.left, change.right, change.position, change.deleted],
    );
    if (res.rowCount === 0) return false;
    this.raiseHighWater(change.table, change.position);
    return true;
  }

  /** The highest position stored for a table's rows (one scan of the mirror when first needed). */
  private async highWaterOf(table: string): Promise<number> {
    if (!this.highWater) {
      const { rows } = await this.db.query<{ table_name: string; position: string }>(
        `SELECT table_name, max(source_position) AS position FROM cdc_row GROUP BY table_name
         UNION ALL SELECT table_name, max(source_position) FROM cdc_relation GROUP BY table_name`,
      );
      const loaded = new Map<string, number>();
      for (const r of rows)
        loaded.set(r.table_name, Math.max(loaded.get(r.table_name) ?? -Infinity, Number(r.position)));
      this.highWater = loaded;
    }
    return this.highWater.get(table) ?? -Infinity;
  }

  private raiseHighWater(table: string, position: number): void {
    if (this.highWater) this.highWater.set(table, Math.max(this.highWater.get(table) ?? -Infinity, position));
  }

  /** A read of the mirror: what is held is written first, so the read sees every change applied before it. */
  private async read<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<QueryResult<R>> {
    await this.flushWrites();
    return this.db.query<R>(sql, params);
  }

  /** The WAL position stored for a relation row, if it is known. */
  async relationPositionOf(table: RelationTable, row: Record<string, unknown>): Promise<number | undefined> {
    const ids = relationIds(table, row);
    if (!ids) return undefined;
    const held = this.buffer.relation(table, ids[0], ids[1]) ?? this.inFlight?.relation(table, ids[0], ids[1]);
    if (held) return held.position;
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
    const { rows } = await this.read<{ order_id: string }>(
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
    const held = this.buffer.row(table, id) ?? this.inFlight?.row(table, id);
    if (held) return held.position;
    const { rows } = await this.db.query<{ source_position: string }>(
      'SELECT source_position FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    return rows[0] ? Number(rows[0].source_position) : undefined;
  }

  async get(table: string, id: number, includeDeleted = false): Promise<OdooRow | undefined> {
    const { rows } = await this.read<{ row: OdooRow; deleted: boolean }>(
      'SELECT row, deleted FROM cdc_row WHERE table_name = $1 AND row_id = $2',
      [table, id],
    );
    if (!rows[0] || (rows[0].deleted && !includeDeleted)) return undefined;
    return rows[0].row;
  }

  /** Several live rows of one table by id, in one statement: the rows it knows, by id. */
  async getMany(table: string, ids: readonly number[]): Promise<Map<number, OdooRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.read<{ row_id: string; row: OdooRow }>(
      'SELECT row_id, row FROM cdc_row WHERE table_name = $1 AND row_id = ANY($2::bigint[]) AND NOT deleted',
      [table, [...new Set(ids)]],
    );
    return new Map(rows.map((r) => [Number(r.row_id), r.row]));
  }

  /** {@link hubExternalIds} of several records of one model in one statement, by record id. */
  async hubExternalIdsOfMany(model: string, resIds: readonly number[]): Promise<Map<number, OdooRow[]>> {
    const byRecord = new Map<number, OdooRow[]>();
    if (resIds.length === 0) return byRecord;
    const { rows } = await this.read<{ row: OdooRow }>(
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
    const { rows } = await this.read<{ deleted: boolean }>(
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
    const { rows } = await this.read<{ row: OdooRow }>(
      `SELECT row FROM cdc_row
        WHERE table_name = 'ir_model_data' AND row ->> 'model' = $1 AND (row ->> 'res_id')::bigint = $2 AND NOT deleted
        ORDER BY row_id`,
      [model, resId],
    );
    return rows.map((r) => r.row);
  }

  /** Live rows of `link.table` whose `link.column` equals `value`, in id order. */
  async children(link: MirrorLink, value: number): Promise<OdooRow[]> {
    const { rows } = await this.read<{ row: OdooRow }>(
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
    const { rows } = await this.read<{ row_id: string; deleted: boolean; position: string }>(
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
