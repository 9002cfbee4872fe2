import avro from 'avsc';

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Avro `decimal` (bytes) as exact decimal strings in JavaScript ("1234.5000"), never floats: money and quantities
 * keep every digit. Encoding refuses a value with more fractional digits than the schema's scale or more digits
 * than its precision (isValid reports the field) rather than rounding money silently.
 */
export class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  readonly scale: number;

  constructor(schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    const { precision, scale } = schema as { precision?: number; scale?: number };
    this.precision = precision ?? 38;
    this.scale = scale ?? 0;
  }

  protected override _fromValue(value: Buffer): string {
    return formatUnscaled(fromTwosComplement(value), this.scale);
  }

  protected override _toValue(value: unknown): Buffer | undefined {
    const unscaled = parseToUnscaled(value, this.scale, this.precision);
    return unscaled === undefined ? undefined : toTwosComplement(unscaled);
  }

  protected override _resolve(type: avro.Type) {
    if (type instanceof DecimalType && type.scale === this.scale) return (v: unknown) => v;
    return undefined;
  }
}

/** "12.5" at scale 4 → 125000n; undefined when it does not fit (not a decimal, too many digits). */
export function parseToUnscaled(value: unknown, scale: number, precision: number): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DECIMAL.exec(value.trim());
  if (!m) return undefined;
  const [, sign, whole, fraction = ''] = m;
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) return undefined;
  const digits = `${whole}${fraction.slice(0, scale).padEnd(scale, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > precision) return undefined;
  const n = BigInt(digits);
  return sign ? -n : n;
}

export function formatUnscaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

function toTwosComplement(n: bigint): Buffer {
  let hex = (n < 0n ? (1n << BigInt(byteLength(n) * 8)) + n : n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const buf = Buffer.from(hex, 'hex');
  const len = byteLength(n);
  return buf.length >= len
    ? buf.subarray(buf.length - len)
    : Buffer.concat([Buffer.alloc(len - buf.length, n < 0n ? 0xff : 0), buf]);
}

function byteLength(n: bigint): number {
  // Smallest length whose two's complement range holds n.
  let len = 1;
  while (n < -(1n << BigInt(len * 8 - 1)) || n >= 1n << BigInt(len * 8 - 1)) len++;
  return len;
}

function fromTwosComplement(buf: Buffer): bigint {
  if (buf.length === 0) return 0n;
  const unsigned = BigInt(`0x${buf.toString('hex')}`);
  return buf[0] & 0x80 ? unsigned - (1n << BigInt(buf.length * 8)) : unsigned;
}

/** avsc options every canonical codec uses. Spread a copy at each use: avsc stores its type registry in the object it is given. */
export const CANONICAL_AVRO_OPTIONS = { logicalTypes: { decimal: DecimalType } } as const;

/** A fresh copy of {@link CANONICAL_AVRO_OPTIONS}, typed for `avro.Type.forSchema`. */
export function canonicalAvroOptions(): Partial<avro.ForSchemaOptions> {
  return { logicalTypes: { ...CANONICAL_AVRO_OPTIONS.logicalTypes } };
}
