import avro from 'avsc';
import { CANONICAL_AVRO_OPTIONS, DecimalType, formatUnscaled, parseToUnscaled } from './decimal.type';

const type = avro.Type.forSchema(
  {
    type: 'record',
    name: 'M',
    fields: [{ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 4 } }],
  },
  CANONICAL_AVRO_OPTIONS as unknown as Partial<avro.ForSchemaOptions>,
);

describe('DecimalType', () => {
  it.each(['0', '1', '70.5', '-70.5', '1234567890123456.1234', '-0.0001', '255', '128', '-128', '-129'])(
    'round-trips %s exactly',
    (v) => {
      const decoded = type.fromBuffer(type.toBuffer({ amount: v })) as { amount: string };
      expect(decoded.amount).toBe(formatUnscaled(parseToUnscaled(v, 4, 20)!, 4));
      expect(Number(decoded.amount)).toBe(Number(v));
    },
  );

  it('writes the unscaled value as big-endian two’s complement, like Java’s BigDecimal', () => {
    const buf = type.toBuffer({ amount: '-1.0000' });
    // record = bytes field: zig-zag length 1 (0x02) then 0xd8f0 for -10000
    expect(buf.toString('hex')).toBe('04d8f0');
  });

  it('refuses more fractional digits than the scale, and floats', () => {
    const problems: string[] = [];
    expect(type.isValid({ amount: '1.00001' }, { errorHook: (p) => problems.push(p.join('.')) })).toBe(false);
    expect(problems).toEqual(['amount']);
    expect(type.isValid({ amount: 1.5 })).toBe(false);
    expect(type.isValid({ amount: '1.50000' })).toBe(true);
  });

  it('refuses more digits than the precision', () => {
    expect(type.isValid({ amount: '12345678901234567.0' })).toBe(false);
  });

  it('is registered for the decimal logical type', () => {
    expect(CANONICAL_AVRO_OPTIONS.logicalTypes.decimal).toBe(DecimalType);
  });
});
