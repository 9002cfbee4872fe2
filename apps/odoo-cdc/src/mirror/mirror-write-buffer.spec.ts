import { heldRow } from './cdc-mirror.repository';
import { combineHeldRows, MirrorWriteBuffer, mirrorWriteStatement, unwrittenKeys } from './mirror-write-buffer';

const upsert = (id: number, position: number, name: string) => heldRow('res_partner', { id, name }, position, false);
const remove = (id: number, position: number, name = 'before-image') =>
  heldRow('res_partner', { id, name }, position, true);

describe('MirrorWriteBuffer', () => {
  it('keeps one entry per row, the newest change', () => {
    const buffer = new MirrorWriteBuffer();
    buffer.putRow(upsert(1, 10, 'first'));
    buffer.putRow(upsert(2, 11, 'other'));
    buffer.putRow(upsert(1, 12, 'second'));
    expect(buffer.size).toBe(2);
    expect(buffer.row('res_partner', 1)).toMatchObject({ position: 12, row: { name: 'second' }, deleted: false });
  });

  it('keeps a row an upsert of the same batch left when a delete follows it, as the single-row statements did', () => {
    const buffer = new MirrorWriteBuffer();
    buffer.putRow(upsert(1, 10, 'live'));
    buffer.putRow(remove(1, 12, 'key only'));
    expect(buffer.row('res_partner', 1)).toMatchObject({
      position: 12,
      deleted: true,
      keepStoredRow: false,
      row: { name: 'live' },
    });
  });

  it('keeps the stored row for a delete held alone, and for two deletes in a row', () => {
    const buffer = new MirrorWriteBuffer();
    buffer.putRow(remove(1, 10, 'first image'));
    buffer.putRow(remove(1, 11, 'second image'));
    expect(buffer.row('res_partner', 1)).toMatchObject({
      position: 11,
      deleted: true,
      keepStoredRow: true,
      row: { name: 'first image' },
    });
  });

  it('lets an upsert after a delete store its row, not deleted', () => {
    expect(combineHeldRows(remove(1, 10), upsert(1, 11, 'back'))).toMatchObject({
      deleted: false,
      keepStoredRow: false,
      row: { name: 'back' },
    });
  });

  it('puts back a failed write beneath what was held since', () => {
    const failed = new MirrorWriteBuffer();
    failed.putRow(upsert(1, 10, 'written first'));
    failed.putRow(upsert(2, 10, 'only in the failed write'));
    failed.putRelation({ table: 'sale_order_line_invoice_rel', left: 1, right: 2, deleted: false, position: 10 });
    const since = new MirrorWriteBuffer();
    since.putRow(remove(1, 20));
    since.putRelation({ table: 'sale_order_line_invoice_rel', left: 1, right: 2, deleted: true, position: 20 });
    since.restoreUnder(failed);
    expect(since.row('res_partner', 1)).toMatchObject({ position: 20, deleted: true, row: { name: 'written first' } });
    expect(since.row('res_partner', 2)).toMatchObject({ position: 10, row: { name: 'only in the failed write' } });
    expect(since.relation('sale_order_line_invoice_rel', 1, 2)).toMatchObject({ position: 20, deleted: true });
  });
});

describe('mirrorWriteStatement', () => {
  it('writes nothing for an empty buffer', () => {
    expect(mirrorWriteStatement(new MirrorWriteBuffer())).toBeUndefined();
  });

  it('sends every held row and relation row in one statement, guarded by position, returning what it wrote', () => {
    const buffer = new MirrorWriteBuffer();
    buffer.putRow(upsert(1, 10, 'Wood "Corner" \\ Ltd'));
    buffer.putRow(remove(2, 11));
    buffer.putRelation({ table: 'sale_order_line_invoice_rel', left: 3, right: 4, deleted: false, position: 12 });
    const statement = mirrorWriteStatement(buffer)!;
    expect(JSON.parse(statement.params[0])).toEqual([
      { t: 'res_partner', id: 1, doc: { id: 1, name: 'Wood "Corner" \\ Ltd' }, pos: 10, del: false, keep: false },
      { t: 'res_partner', id: 2, doc: { id: 2, name: 'before-image' }, pos: 11, del: true, keep: true },
    ]);
    expect(JSON.parse(statement.params[1])).toEqual([
      { t: 'sale_order_line_invoice_rel', l: 3, r: 4, pos: 12, del: false },
    ]);
    // Every upsert is guarded: a stored row at a newer position is left as it is.
    expect(statement.sql.match(/WHERE c\.source_position <= EXCLUDED\.source_position/g)).toHaveLength(3);
    expect(statement.sql).toContain('RETURNING');
  });

  it('names the held rows a write did not return (newer in the mirror)', () => {
    const buffer = new MirrorWriteBuffer();
    buffer.putRow(upsert(1, 10, 'a'));
    buffer.putRow(upsert(2, 10, 'b'));
    buffer.putRelation({ table: 'sale_order_line_invoice_rel', left: 3, right: 4, deleted: false, position: 12 });
    expect(unwrittenKeys(buffer, ['res_partner/2'])).toEqual(['res_partner/1', 'sale_order_line_invoice_rel/3/4']);
    expect(unwrittenKeys(buffer, ['res_partner/1', 'res_partner/2', 'sale_order_line_invoice_rel/3/4'])).toEqual([]);
  });
});

describe('heldRow', () => {
  it('refuses a row without an integer id, naming the table', () => {
    expect(() => heldRow('sale_order', { id: '7' } as never, 1, false)).toThrow(
      /sale_order: row without an integer id \("7"\)/,
    );
  });

  it('refuses a NUL character (jsonb cannot store it), and accepts the text "\\u0000"', () => {
    expect(() => heldRow('res_partner', { id: 3, name: 'a\u0000b' }, 1, false)).toThrow(
      /res_partner id=3: a value holds a NUL character/,
    );
    expect(heldRow('res_partner', { id: 3, name: 'C:\\u0000' }, 1, false).rowJson).toBe(
      JSON.stringify({ id: 3, name: 'C:\\u0000' }),
    );
  });
});
