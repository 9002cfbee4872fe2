import type { TargetWrite } from '@hub/projection';

/**
 * Drift between the source of record and Salesforce, pure: what the mapping would write for each source aggregate
 * (restricted to the fields the source owns, as the projector restricts it) against what Salesforce holds.
 *
 * - missing: a record the source implies is not in Salesforce (deleted there, or never landed);
 * - stale: a field the hub writes holds another value than the source's;
 * - link-broken: a lookup the hub writes (Order.Account, OrderItem.Order) names another record, or none;
 * - orphan: a record keyed by the hub's external id that no source aggregate implies.
 *
 * Fields the mapping does not write from the source's own fields (a field Salesforce owns by config/ownership.yaml,
 * such as Account.Industry, or a rep's name on an Account created in Salesforce) are never compared: a person's edit
 * of them is not drift.
 */
export type DriftKind = 'missing' | 'stale' | 'link-broken' | 'orphan';
export const DRIFT_KINDS: readonly DriftKind[] = ['missing', 'stale', 'link-broken', 'orphan'];

/** A lookup the hub writes by the parent's external id: `{ Account: { Odoo_Id__c: 'odoo-partner-7' } }`. */
export interface ExpectedLink {
  relationship: string;
  keyField: string;
  key: string | null;
}

/** One Salesforce record as the source implies it. */
export interface ExpectedRecord {
  /** The engine's stale-guard scope (`SalesOrder:OrderItem`). */
  scope: string;
  object: string;
  keyField: string;
  key: string;
  aggregateId: string;
  /** Scalar fields the hub writes. */
  fields: Record<string, unknown>;
  links: ExpectedLink[];
  /** A deletion flag (Odoo_Deleted__c): compared when the record is there, and its absence is no drift. */
  flagOnly: boolean;
}

export interface FieldDifference {
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface Finding {
  kind: DriftKind;
  object: string;
  key: string;
  /** The source aggregate; null for an orphan no aggregate claims. */
  aggregateId: string | null;
  scope?: string;
  salesforceId?: string;
  differences?: FieldDifference[];
}

/**
 * The records a planned aggregate implies. Writes to a record a rep created (linked by its Salesforce Id) are left
 * out: the person's own fields are theirs, and the hub's are checked when that record is keyed by the hub's id.
 */
export function expectedRecords(aggregateId: string, steps: TargetWrite[][]): ExpectedRecord[] {
  const out: ExpectedRecord[] = [];
  for (const w of steps.flat()) {
    if (w.kind === 'remove' || w.linkedBy) continue;
    const fields: Record<string, unknown> = {};
    const links: ExpectedLink[] = [];
    for (const [name, value] of [...Object.entries(w.fields), ...Object.entries(w.createOnly)]) {
      const link = asLink(name, value);
      if (link) links.push(link);
      // Create-only scalars (Pricebook2Id) are Salesforce's once the record exists: not compared.
      else if (name in w.fields) fields[name] = value;
    }
    out.push({
      scope: w.scope,
      object: w.object,
      keyField: w.keyField,
      key: w.key,
      aggregateId,
      fields,
      links,
      flagOnly: w.kind === 'flag',
    });
  }
  return out;
}

/** The SOQL select list that reads what `records` of one object need compared. */
export function selectList(records: readonly ExpectedRecord[], keyField: string): string[] {
  const fields = new Set<string>(['Id', keyField]);
  for (const r of records) {
    for (const f of Object.keys(r.fields)) fields.add(f);
    for (const l of r.links) fields.add(`${l.relationship}.${l.keyField}`);
  }
  return [...fields];
}

/**
 * Compares expected records with the Salesforce records found by their external ids (`actual`, keyed by that id).
 * Order: missing, link-broken, stale; a record has at most one finding per kind.
 */
export function compare(
  expected: readonly ExpectedRecord[],
  actual: ReadonlyMap<string, Record<string, unknown>>,
): Finding[] {
  const findings: Finding[] = [];
  for (const e of expected) {
    const found = actual.get(recordRef(e.object, e.key));
    const base = { object: e.object, key: e.key, aggregateId: e.aggregateId, scope: e.scope };
    if (!found) {
      if (!e.flagOnly) findings.push({ kind: 'missing', ...base });
      continue;
    }
    const salesforceId = typeof found.Id === 'string' ? found.Id : undefined;
    const broken = e.links.flatMap((l): FieldDifference[] => {
      const actualKey = readPath(found, `${l.relationship}.${l.keyField}`) ?? null;
      return sameValue(l.key, actualKey) ? [] : [{ field: l.relationship, expected: l.key, actual: actualKey }];
    });
    if (broken.length) findings.push({ kind: 'link-broken', ...base, salesforceId, differences: broken });
    const stale = Object.entries(e.fields).flatMap(([field, value]): FieldDifference[] =>
      sameValue(value, found[field]) ? [] : [{ field, expected: value, actual: found[field] ?? null }],
    );
    if (stale.length) findings.push({ kind: 'stale', ...base, salesforceId, differences: stale });
  }
  return findings;
}

/**
 * Salesforce records keyed by the hub (read in a SystemModstamp window, or as children of a compared aggregate) that
 * no expected record names: orphans. `claimed` holds {@link recordRef}s of every expected record of the pass.
 */
export function orphans(
  object: string,
  keyField: string,
  found: readonly Record<string, unknown>[],
  claimed: ReadonlySet<string>,
): Finding[] {
  return found.flatMap((r): Finding[] => {
    const key = r[keyField];
    if (typeof key !== 'string' || claimed.has(recordRef(object, key))) return [];
    return [
      { kind: 'orphan', object, key, aggregateId: null, salesforceId: typeof r.Id === 'string' ? r.Id : undefined },
    ];
  });
}

export const recordRef = (object: string, key: string) => `${object}\u0000${key}`;

/**
 * Whether Salesforce holds the value the mapping writes: null, undefined and '' are one (Salesforce stores an empty
 * text as null), numbers by value (Salesforce answers 12 for '12.0000'), timestamps by instant (it answers
 * `2026-01-02T03:04:05.000+0000` for `…Z`).
 */
export function sameValue(expected: unknown, actual: unknown): boolean {
  const blank = (v: unknown) => v === null || v === undefined || v === '';
  if (blank(expected) || blank(actual)) return blank(expected) && blank(actual);
  if (typeof expected === 'number' || typeof actual === 'number') {
    const a = Number(expected);
    const b = Number(actual);
    return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  }
  if (typeof expected === 'boolean' || typeof actual === 'boolean') return String(expected) === String(actual);
  if (typeof expected === 'string' && typeof actual === 'string') {
    if (expected === actual) return true;
    if (DATETIME.test(expected) && DATETIME.test(actual))
      return Date.parse(expected) === Date.parse(actual.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    return false;
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

function asLink(name: string, value: unknown): ExpectedLink | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [keyField, key] = entries[0];
  return { relationship: name, keyField, key: typeof key === 'string' ? key : null };
}

function readPath(record: Record<string, unknown>, path: string): unknown {
  let at: unknown = record;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
