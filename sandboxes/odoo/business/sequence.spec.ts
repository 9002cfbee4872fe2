import { formatSequence, interpolate, odooNow } from './sequence';

describe('ir.sequence formatting', () => {
  const now = new Date('2025-03-04T05:06:07Z');

  it('pads the number and interpolates the prefix', () => {
    expect(formatSequence({ prefix: 'S', suffix: null, padding: 5 }, 42, now)).toBe('S00042');
    expect(formatSequence({ prefix: 'WH/OUT/', suffix: null, padding: 5 }, 1, now)).toBe('WH/OUT/00001');
    expect(interpolate('INV/%(year)s/%(month)s/', now)).toBe('INV/2025/03/');
  });

  it('writes datetimes as Odoo does: UTC, to the second', () => {
    expect(odooNow(now)).toBe('2025-03-04 05:06:07');
  });
});
