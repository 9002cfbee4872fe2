import avro from 'avsc';

/**
 * Avro `decimal` (bytes: big-endian two's complement of the unscaled value) read as an exact decimal string,
 * "1234.5000" at scale 4, never a float: the hub carries money and quantities this way. Decode only.
 */
export class DecimalType extends avro.types.LogicalType {
  private readonly scale: number;

  constructor(schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    this.scale = (schema as { scale?: number }).scale ?? 0;
  }

  protected override _fromValue(value: Buffer): string {
    let n = value.length ? BigInt(`0x${value.toString('hex')}`) : 0n;
    if (value.length && value[0] & 0x80) n -= 1n << BigInt(value.length * 8);
    const digits = (n < 0n ? -n : n).toString().padStart(this.scale + 1, '0');
    const body = this.scale ? `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}` : digits;
    return n < 0n ? `-${body}` : body;
  }

  // Encoding is not this example's job: raw bytes pass through, anything else is refused.
  protected override _toValue(value: unknown): Buffer | undefined {
    return Buffer.isBuffer(value) ? value : undefined;
  }
}
