import { exceptionAgeBucket, exceptionAgeBucketSql, fillExceptionAgeBuckets } from './exception-age';

describe('exception age buckets', () => {
  it('puts each age in the bucket whose bound it is under, the last bucket open-ended', () => {
    expect(exceptionAgeBucket(0)).toBe('under_1h');
    expect(exceptionAgeBucket(3_599)).toBe('under_1h');
    expect(exceptionAgeBucket(3_600)).toBe('1h_to_1d');
    expect(exceptionAgeBucket(86_399)).toBe('1h_to_1d');
    expect(exceptionAgeBucket(86_400)).toBe('1d_to_7d');
    expect(exceptionAgeBucket(7 * 86_400)).toBe('over_7d');
    expect(exceptionAgeBucket(400 * 86_400)).toBe('over_7d');
  });

  it('writes the same bounds into SQL', () => {
    expect(exceptionAgeBucketSql('s')).toBe(
      "CASE WHEN s < 3600 THEN 'under_1h' WHEN s < 86400 THEN '1h_to_1d' WHEN s < 604800 THEN '1d_to_7d' ELSE 'over_7d' END",
    );
  });

  it('reports every bucket, 0 and no age where none is open', () => {
    expect(fillExceptionAgeBuckets([{ age: '1d_to_7d', count: 2, oldestAgeSeconds: 90_000 }])).toEqual([
      { age: 'under_1h', count: 0, oldestAgeSeconds: null },
      { age: '1h_to_1d', count: 0, oldestAgeSeconds: null },
      { age: '1d_to_7d', count: 2, oldestAgeSeconds: 90_000 },
      { age: 'over_7d', count: 0, oldestAgeSeconds: null },
    ]);
  });
});
