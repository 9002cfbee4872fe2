import { createHmac } from 'node:crypto';
import { canonicalJson, FieldHasher, HASH_HEX_LENGTH } from './field-hasher';

const KEY = 'k'.repeat(32);

describe('FieldHasher', () => {
  const hasher = new FieldHasher(KEY);

  it('is an HMAC-SHA256 under the key of the canonical JSON, cut to its prefix', () => {
    const expected = createHmac('sha256', KEY).update('"ada@example.com"').digest('hex').slice(0, HASH_HEX_LENGTH);
    expect(hasher.hash('ada@example.com')).toBe(expected);
  });

  it('gives another hash under another key: a value cannot be confirmed without the key', () => {
    expect(new FieldHasher('x'.repeat(32)).hash('ada@example.com')).not.toBe(hasher.hash('ada@example.com'));
  });

  it('keeps field names and never the value', () => {
    const fields = hasher.fields({ Phone: '+44 20 7946 0000', Name: 'Ada Lovelace', Amount: 12.5 });
    expect(fields.map((f) => f.name)).toEqual(['Amount', 'Name', 'Phone']);
    const text = JSON.stringify(fields);
    expect(text).not.toContain('Ada');
    expect(text).not.toContain('7946');
    expect(fields.every((f) => /^[0-9a-f]{32}$/.test(f.hash))).toBe(true);
  });

  it('hashes equal values alike whatever their key order, and tells different values apart', () => {
    expect(hasher.hash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hasher.hash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hasher.hash('1')).not.toBe(hasher.hash(1));
    expect(hasher.hash(null)).toBe(hasher.hash(undefined));
  });

  it('refuses a short key', () => {
    expect(() => new FieldHasher('short')).toThrow(/at least 32 characters/);
  });

  it('writes bigint and dates as text', () => {
    expect(canonicalJson(12345678901234567890n)).toBe('"12345678901234567890"');
    expect(canonicalJson(new Date('2026-01-02T03:04:05Z'))).toBe('"2026-01-02T03:04:05.000Z"');
  });
});
