/**
 * The age buckets open work-queue exceptions are counted in: the order desk's working rhythm (within the hour, the
 * day, the week, and older). `upToSeconds` is exclusive; the last bucket has none.
 */
export const EXCEPTION_AGE_BUCKETS = [
  { age: 'under_1h', upToSeconds: 3_600 },
  { age: '1h_to_1d', upToSeconds: 86_400 },
  { age: '1d_to_7d', upToSeconds: 7 * 86_400 },
  { age: 'over_7d', upToSeconds: null },
] as const;

export type ExceptionAge = (typeof EXCEPTION_AGE_BUCKETS)[number]['age'];

/** The bucket of an exception opened `ageSeconds` ago. */
export function exceptionAgeBucket(ageSeconds: number): ExceptionAge {
  for (const b of EXCEPTION_AGE_BUCKETS) if (b.upToSeconds === null || ageSeconds < b.upToSeconds) return b.age;
  return 'over_7d';
}

/** SQL of the bucket of an exception opened `ageSeconds` ago (an SQL expression in seconds): the same bounds. */
export function exceptionAgeBucketSql(ageSeconds: string): string {
  const whens = EXCEPTION_AGE_BUCKETS.filter((b) => b.upToSeconds !== null).map(
    (b) => `WHEN ${ageSeconds} < ${b.upToSeconds} THEN '${b.age}'`,
  );
  return `CASE ${whens.join(' ')} ELSE '${EXCEPTION_AGE_BUCKETS.at(-1)!.age}' END`;
}

/** Every bucket, in order, with the counted ones filled in: a bucket with none reads 0, not absent. */
export function fillExceptionAgeBuckets(
  counted: { age: string; count: number; oldestAgeSeconds: number }[],
): { age: ExceptionAge; count: number; oldestAgeSeconds: number | null }[] {
  return EXCEPTION_AGE_BUCKETS.map((b) => {
    const row = counted.find((c) => c.age === b.age);
    return { age: b.age, count: row?.count ?? 0, oldestAgeSeconds: row ? row.oldestAgeSeconds : null };
  });
}
