import { parseX2ManyCommands, recordsetRepr, toColumn, toRead } from './field.values';
import type { FieldDef } from './model.catalogue';

const f = (type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({
  name: 'x',
  type,
  string: 'X',
  store: true,
  ...extra,
});

describe('toColumn', () => {
  it('stores False as 0 for numbers and as NULL for the rest', () => {
    expect(toColumn('m', f('integer'), false)).toBe(0);
    expect(toColumn('m', f('float'), false)).toBe(0);
    expect(toColumn('m', f('char'), false)).toBeNull();
    expect(toColumn('m', f('many2one'), false)).toBeNull();
    expect(toColumn('m', f('boolean'), null)).toBe(false);
  });

  it('checks selections and many2one ids as Odoo does', () => {
    const sel = f('selection', { selection: [['a', 'A']] });
    expect(toColumn('m', sel, 'a')).toBe('a');
    expect(() => toColumn('m', sel, 'b')).toThrow("Wrong value for m.x: 'b'");
    expect(() => toColumn('m', f('many2one'), 'acme')).toThrow("Wrong value for m.x: 'acme'");
    expect(toColumn('m', f('many2one'), [5, 'Acme'])).toBe(5);
  });

  it('parses dates and datetimes, and names the format a bad one misses', () => {
    expect(toColumn('m', f('date'), '2024-05-01 10:00:00')).toBe('2024-05-01');
    expect(toColumn('m', f('datetime'), '2024-05-01')).toBe('2024-05-01 00:00:00');
    expect(() => toColumn('m', f('datetime'), '01/05/2024')).toThrow(
      "time data '01/05/2024' does not match format '%Y-%m-%d %H:%M:%S'",
    );
  });
});

describe('toRead', () => {
  it('answers False for empty values, floats for numerics, [id, name] for many2one', () => {
    expect(toRead(f('char'), null, () => undefined)).toBe(false);
    expect(toRead(f('integer'), null, () => undefined)).toBe(0);
    expect(toRead(f('monetary'), '70.5000', () => undefined)).toBe(70.5);
    expect(toRead(f('many2one'), 3, (id) => `P${id}`)).toEqual([3, 'P3']);
    expect(toRead(f('many2one'), 3, () => undefined)).toBe(3);
    expect(toRead(f('datetime'), '2024-05-01 10:11:12.345678', () => undefined)).toBe('2024-05-01 10:11:12');
  });
});

describe('parseX2ManyCommands', () => {
  it('reads command tuples and plain id lists', () => {
    expect(
      parseX2ManyCommands('m', f('one2many'), [
        [0, 0, { a: 1 }],
        [1, 5, { b: 2 }],
        [2, 6],
        [6, 0, [1, 2]],
      ]),
    ).toEqual([
      { op: 'create', values: { a: 1 } },
      { op: 'update', id: 5, values: { b: 2 } },
      { op: 'delete', id: 6 },
      { op: 'set', ids: [1, 2] },
    ]);
    expect(parseX2ManyCommands('m', f('one2many'), [3, 4])).toEqual([{ op: 'set', ids: [3, 4] }]);
    expect(() => parseX2ManyCommands('m', f('one2many'), [[9, 0, 0]])).toThrow('Wrong value for m.x: [9,0,0]');
  });

  it('prints recordsets like Python', () => {
    expect(recordsetRepr('res.partner', [7])).toBe('res.partner(7,)');
    expect(recordsetRepr('sale.order', [1, 2])).toBe('sale.order(1, 2)');
  });
});
