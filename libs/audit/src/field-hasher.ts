import { createHmac } from 'node:crypto';
import type { AuditedField } from './audit-entry';

/**
 * Field values to keyed hashes: HMAC-SHA256 under the installation's AUDIT_HASH_KEY of the value's canonical JSON
 * (object keys sorted, so one value always hashes alike). Without the key, a hash cannot be matched against guessed
 * values (an email, a phone number: small spaces a plain hash would give away); with it, an auditor holding a value
 * can check whether a write carried it. The trail stores the first {@link HASH_HEX_LENGTH} hex digits.
 */
export class FieldHasher {
  constructor(private readonly key: string) {
    if (key.length < MIN_KEY_LENGTH)
      throw new RangeError(`the audit hash key must be at least ${MIN_KEY_LENGTH} characters`);
  }

  hash(value: unknown): string {
    return createHmac('sha256', this.key).update(canonicalJson(value)).digest('hex').slice(0, HASH_HEX_LENGTH);
  }

  /** Each field's name and hash, sorted by name. */
  fields(values: Readonly<Record<string, unknown>>): AuditedField[] {
    return Object.keys(values)
      .sort()
      .map((name) => ({ name, hash: this.hash(values[name]) }));
  }
}

/** 128 bits: collisions are out of reach, and the column stays small. */
export const HASH_HEX_LENGTH = 32;
export const MIN_KEY_LENGTH = 32;

/** JSON with object keys sorted; undefined as null; bigint and Date as their text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
