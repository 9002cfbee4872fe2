import { DeferredDurabilityDatabase } from '@hub/runtime';
import { Client } from 'pg';
import type { DebeziumChange } from '../../apps/odoo-cdc/src/debezium/debezium-change';
import { CdcMirror } from '../../apps/odoo-cdc/src/mirror/cdc-mirror.repository';
import { PendingAggregate, PendingAggregates } from '../../apps/odoo-cdc/src/mirror/pending-aggregates.repository';
import { createHubDatabase, runId } from './support/stack';

/**
 * odoo-cdc's mirror against a real hub database: changes held in memory and written in one statement keep every
 * guarantee of the row-at-a-time writes they replaced (ordered by position, deletes keep the last row, TOAST filled,
 * a replay cannot move a row back), and a write that finds the mirror newer than it knew fails instead of publishing
 * from a wrong assumption.
 */
describe('odoo-cdc mirror, written in batches', () => {
  const run = runId('mirror').replace(/-/g, '_');
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let db: DeferredDurabilityDatabase;
  let sql: Client;

  const change = (
    table: string,
    op: DebeziumChange['op'],
    lsn: number,
    row: Record<string, unknown>,
    before: Record<string, unknown> | null = null,
  ): DebeziumChange => ({
    op,
    before: op === 'd' ? row : before,
    after: op === 'd' ? null : row,
    source: { connector: 'postgresql', name: 'odoo', db: 'odoo', schema: 'public', table, lsn, ts_ms: Date.now() },
  });
  const stored = async (table: string, id: number) =>
    (
      await sql.query<{ row: Record<string, unknown>; source_position: string; deleted: boolean }>(
        'SELECT row, source_position, deleted FROM cdc_row WHERE table_name = $1 AND row_id = $2',
        [table, id],
      )
    ).rows[0];
  const statements = () => db.pending;

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run}`);
    db = new DeferredDurabilityDatabase(hubDb.url);
    sql = new Client({ connectionString: hubDb.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await db?.onApplicationShutdown();
    await hubDb?.drop();
  });

  it('writes a fetch of changes in one statement, the same row changed twice ending at its newest change', async () => {
    const mirror = new CdcMirror(db);
    await db.makeDurable();
    expect((await mirror.apply(change('res_partner', 'c', 100, { id: 1, name: 'A' }))).stale).toBe(false);
    const before = statements();
    for (let id = 2; id <= 500; id++) await mirror.apply(change('res_partner', 'c', 100 + id, { id, name: `P${id}` }));
    expect((await mirror.apply(change('res_partner', 'u', 700, { id: 1, name: 'A renamed' }))).stale).toBe(false);
    // Older than what is held for the row: stale, without asking the database.
    expect((await mirror.apply(change('res_partner', 'u', 650, { id: 1, name: 'A older' }))).stale).toBe(true);
    expect(statements() - before).toBe(0);
    expect(mirror.unwritten).toBe(500);
    await mirror.flushWrites();
    expect(statements() - before).toBe(1);
    expect(mirror.unwritten).toBe(0);
    expect(await stored('res_partner', 1)).toEqual({
      row: { id: 1, name: 'A renamed' },
      source_position: '700',
      deleted: false,
    });
    expect(
      (await sql.query('SELECT count(*)::int AS n FROM cdc_row WHERE table_name = $1', ['res_partner'])).rows[0].n,
    ).toBe(500);
  });

  it('ignores a change older than the stored row (a replay), also when nothing of it is held', async () => {
    const mirror = new CdcMirror(db); // a restart: nothing held, positions read from the mirror
    expect((await mirror.apply(change('res_partner', 'u', 650, { id: 1, name: 'replayed' }))).stale).toBe(true);
    // The same position again is applied again (a fetch read twice publishes the same events again).
    expect((await mirror.apply(change('res_partner', 'u', 700, { id: 1, name: 'A renamed' }))).stale).toBe(false);
    expect((await mirror.apply(change('res_partner', 'u', 701, { id: 2, name: 'newer' }))).stale).toBe(false);
    await mirror.flushWrites();
    expect((await stored('res_partner', 1)).row).toEqual({ id: 1, name: 'A renamed' });
    expect((await stored('res_partner', 2)).row).toEqual({ id: 2, name: 'newer' });
  });

  it('flags a deleted row and keeps its last row, whether the update before it was written or held', async () => {
    const mirror = new CdcMirror(db);
    // Row 3 stored earlier; deleted with a key-only before-image.
    await mirror.apply(change('res_partner', 'd', 800, { id: 3 }));
    // Row 4 updated and deleted within one batch.
    await mirror.apply(change('res_partner', 'u', 801, { id: 4, name: 'last name' }));
    await mirror.apply(change('res_partner', 'd', 802, { id: 4 }));
    // Row 9000 never seen: its before-image is stored, flagged.
    await mirror.apply(change('res_partner', 'd', 803, { id: 9000, name: 'ghost' }));
    expect(await mirror.get('res_partner', 3)).toBeUndefined(); // a read writes what is held first
    expect(await stored('res_partner', 3)).toEqual({
      row: { id: 3, name: 'P3' },
      source_position: '800',
      deleted: true,
    });
    expect(await stored('res_partner', 4)).toEqual({
      row: { id: 4, name: 'last name' },
      source_position: '802',
      deleted: true,
    });
    expect(await mirror.get('res_partner', 9000, true)).toEqual({ id: 9000, name: 'ghost' });
    expect(await mirror.isDeleted('res_partner', 4)).toBe(true);
  });

  it('fills a TOAST placeholder from the held row, and from the stored one', async () => {
    const mirror = new CdcMirror(db);
    const placeholder = '__debezium_unavailable_value';
    await mirror.apply(change('product_template', 'c', 900, { id: 5, name: 'Long name', list_price: '1' }));
    const held = await mirror.apply(
      change('product_template', 'u', 901, { id: 5, name: placeholder, list_price: '2' }),
    );
    expect(held.row).toEqual({ id: 5, name: 'Long name', list_price: '2' });
    await mirror.flushWrites();
    const fresh = new CdcMirror(db);
    const written = await fresh.apply(
      change('product_template', 'u', 902, { id: 5, name: placeholder, list_price: '3' }),
    );
    expect(written.row).toEqual({ id: 5, name: 'Long name', list_price: '3' });
    await fresh.flushWrites();
    expect((await stored('product_template', 5)).row).toEqual({ id: 5, name: 'Long name', list_price: '3' });
  });

  it('orders relation rows by position too', async () => {
    const mirror = new CdcMirror(db);
    const rel = (lsn: number, op: DebeziumChange['op']) =>
      mirror.applyRelation(
        'sale_order_line_invoice_rel',
        change('sale_order_line_invoice_rel', op, lsn, { invoice_line_id: 7, order_line_id: 8 }),
      );
    expect((await rel(1000, 'c')).stale).toBe(false);
    expect((await rel(1001, 'd')).stale).toBe(false);
    expect((await rel(999, 'c')).stale).toBe(true);
    await mirror.flushWrites();
    expect(
      await mirror.relationPositionOf('sale_order_line_invoice_rel', { invoice_line_id: 7, order_line_id: 8 }),
    ).toBe(1001);
    const { rows } = await sql.query('SELECT deleted FROM cdc_relation WHERE left_id = 7 AND right_id = 8');
    expect(rows).toEqual([{ deleted: true }]);
  });

  it('fails the write when another writer moved a row past what it knew, until its changes are discarded', async () => {
    const mirror = new CdcMirror(db);
    await mirror.apply(change('res_partner', 'u', 1100, { id: 6, name: 'mine' }));
    await mirror.flushWrites();
    await mirror.apply(change('res_partner', 'u', 1101, { id: 6, name: 'mine again' }));
    // Another instance writes the row at a newer position meanwhile.
    await sql.query(
      `UPDATE cdc_row SET source_position = 5000, row = '{"id":6,"name":"theirs"}' WHERE table_name = 'res_partner' AND row_id = 6`,
    );
    await expect(mirror.flushWrites()).rejects.toMatchObject({ code: 'MIRROR_MOVED' });
    await expect(mirror.flushWrites()).rejects.toMatchObject({ code: 'MIRROR_MOVED' });
    mirror.discardUnwritten();
    // Applied again, the change is found stale against the stored row.
    expect((await mirror.apply(change('res_partner', 'u', 1101, { id: 6, name: 'mine again' }))).stale).toBe(true);
    await mirror.flushWrites();
    expect((await stored('res_partner', 6)).row).toEqual({ id: 6, name: 'theirs' });
  });

  it('keeps held changes when a write fails, beneath those applied while it ran, and writes them once it can', async () => {
    // Above every position the tests before wrote (5000), so the changes are held, not written one by one.
    const mirror = new CdcMirror(db);
    await mirror.apply(change('res_partner', 'u', 6300, { id: 10, name: 'in the failed write' }));
    await mirror.apply(change('res_partner', 'u', 6300, { id: 11, name: 'also' }));
    // The write waits behind a lock, and its connection is then cut: a real failure of the statement.
    await sql.query('BEGIN');
    await sql.query('LOCK TABLE cdc_row IN ACCESS EXCLUSIVE MODE');
    const write = mirror.flushWrites();
    const failed = expect(write).rejects.toMatchObject({ code: 'MIRROR_WRITE_FAILED' });
    let waiting: number | undefined;
    for (let i = 0; i < 100 && waiting === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const { rows } = await sql.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%jsonb_to_recordset%'`,
      );
      waiting = rows[0]?.pid;
    }
    expect(waiting).toBeDefined();
    // While it runs: a change older than the one being written is stale; a newer one (a delete) is held after it.
    expect((await mirror.apply(change('res_partner', 'u', 6299, { id: 10, name: 'older' }))).stale).toBe(true);
    expect((await mirror.apply(change('res_partner', 'd', 6301, { id: 10 }))).stale).toBe(false);
    await sql.query('SELECT pg_terminate_backend($1)', [waiting]);
    await failed;
    await sql.query('COMMIT');
    expect(mirror.unwritten).toBe(2);
    await mirror.flushWrites();
    expect(await stored('res_partner', 10)).toEqual({
      row: { id: 10, name: 'in the failed write' },
      source_position: '6301',
      deleted: true,
    });
    expect((await stored('res_partner', 11)).row).toEqual({ id: 11, name: 'also' });
  });
  it("reads a transaction's pending list a page at a time: every item once, partners by id first, then the others", async () => {
    const pending = new PendingAggregates(db);
    const items: PendingAggregate[] = [
      ...[5, 1, 4, 2, 3].map((id) => ({ kind: 'partner' as const, id, position: 10 + id })),
      ...[9, 7, 8].map((id) => ({ kind: 'product' as const, id, position: 20 + id })),
      ...[2, 1].map((id) => ({ kind: 'sales-order' as const, id, position: 30 + id })),
    ];
    await pending.add('tx-paging', items);
    await pending.add('tx-other', [{ kind: 'partner', id: 6, position: 1 }]);
    const { rows: others } = await sql.query<{ aggregate: string; aggregate_id: string }>(
      `SELECT aggregate, aggregate_id FROM (VALUES ('product', 9), ('product', 7), ('product', 8), ('sales-order', 2), ('sales-order', 1))
         AS v(aggregate, aggregate_id) ORDER BY aggregate, aggregate_id`,
    );
    const expected = [
      ...[1, 2, 3, 4, 5].map((id) => `partner/${id}`),
      ...others.map((r) => `${r.aggregate}/${r.aggregate_id}`),
    ];
    for (const limit of [1, 2, 3, 5, 6, 100]) {
      const seen: string[] = [];
      let after: PendingAggregate | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await pending.page('tx-paging', after, limit);
        expect(page.length).toBeLessThanOrEqual(limit);
        seen.push(...page.map((i) => `${i.kind}/${i.id}`));
        if (page.length < limit) break;
        after = page[page.length - 1];
      }
      expect({ limit, seen }).toEqual({ limit, seen: expected });
    }
    const first = await pending.page('tx-paging', undefined, 100);
    expect(first.find((i) => i.kind === 'product' && i.id === 9)).toEqual({ kind: 'product', id: 9, position: 29 });
  });
});
