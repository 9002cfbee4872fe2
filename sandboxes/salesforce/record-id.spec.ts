import { buildId, caseSafeSuffix, looksLikeId, toCaseSafeId } from './record-id';

describe('record ids', () => {
  // Pairs published with the documented 15 → 18 conversion and reused across client libraries.
  it.each([
    ['001A0000006Vm9r', '001A0000006Vm9rIAC'],
    ['003A0000005QB3A', '003A0000005QB3AIAW'],
    ['003A0000008qb1s', '003A0000008qb1sIAA'],
  ])('converts %s to %s', (id15, id18) => {
    expect(toCaseSafeId(id15)).toBe(id18);
    expect(toCaseSafeId(id18)).toBe(id18);
    expect(caseSafeSuffix(id15)).toBe(id18.slice(15));
  });

  it('rejects strings that are not Id-shaped', () => {
    for (const value of ['', '001', 'cust-42', '001A0000006Vm9rIA', '001A0000006Vm9r!AC']) {
      expect(looksLikeId(value)).toBe(false);
      expect(toCaseSafeId(value)).toBeUndefined();
    }
  });

  it('builds 18-character ids with the key prefix and a valid suffix', () => {
    const id = buildId('001', 1);
    expect(id).toBe('001Hb0000000001IAA');
    expect(toCaseSafeId(id.slice(0, 15))).toBe(id);
    expect(buildId('003', 62 * 62)).toBe('003Hb0000000100IAA');
    expect(buildId('001', 36)).toMatch(/^001Hb000000000a/);
    expect(() => buildId('01', 1)).toThrow(TypeError);
  });
});
