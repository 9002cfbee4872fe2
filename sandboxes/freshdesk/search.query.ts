/**
 * The filter language of `GET /api/v2/search/{companies,contacts}?query="…"` as far as the sandbox serves it:
 * the whole query between double quotes, at most 512 characters, terms `field:'text'`, `field:number`,
 * `field:true|false` or `field:null`, joined by `AND` / `OR` (AND binds first; no parentheses, no `:>`/`:<`).
 * Matching is exact equality (text without regard to case). Freshdesk pages results by 30, pages 1 to 10.
 * Freshdesk indexes changes "within a few minutes"; the sandbox indexes at once.
 */
export type Term = { field: string; value: string | number | boolean | null };
export type Query = Term[][]; // OR of ANDs

export const MAX_QUERY = 512;

export function parseSearchQuery(raw: string | null): { query: Query } | { error: string } {
  if (raw === null) return { error: 'missing' };
  if (raw.length > MAX_QUERY) return { error: `It should have maximum of ${MAX_QUERY} characters` };
  const quoted = /^"(.*)"$/s.exec(raw.trim());
  if (!quoted) return { error: "It should be in the 'valid query' format (a query enclosed in double quotes)" };
  const query: Query = [];
  for (const alternative of quoted[1].split(/\s+OR\s+/)) {
    const terms: Term[] = [];
    for (const part of alternative.split(/\s+AND\s+/)) {
      const m = /^\s*([A-Za-z0-9_]+):(?:'((?:[^'\\]|\\.)*)'|(-?\d+)|(true|false)|(null))\s*$/.exec(part);
      if (!m) return { error: `It should be in the 'valid query' format near '${part.trim()}'` };
      const value =
        m[2] !== undefined
          ? m[2].replace(/\\(.)/g, '$1')
          : m[3] !== undefined
            ? Number(m[3])
            : m[4] !== undefined
              ? m[4] === 'true'
              : null;
      terms.push({ field: m[1], value });
    }
    query.push(terms);
  }
  return { query };
}

/** Whether a record (its fields, custom fields flattened in) matches the query. */
export function matches(record: Record<string, unknown>, query: Query): boolean {
  return query.some((terms) =>
    terms.every(({ field, value }) => {
      const actual = record[field];
      if (value === null)
        return actual === null || actual === undefined || (Array.isArray(actual) && actual.length === 0);
      if (Array.isArray(actual)) return actual.some((a) => same(a, value));
      return same(actual, value);
    }),
  );
}

function same(actual: unknown, value: string | number | boolean): boolean {
  if (typeof value === 'string' && typeof actual === 'string') return actual.toLowerCase() === value.toLowerCase();
  return actual === value;
}
