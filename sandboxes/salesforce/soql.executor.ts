import { ApiErrors, ApiFailure } from './salesforce.errors';
import { toCaseSafeId } from './record-id';
import type { FieldValue, RecordReader, StoredRecord } from './record.store';
import {
  findField,
  findRelationship,
  type FieldDef,
  type SObjectCatalogue,
  type SObjectDef,
} from './sobject.catalogue';
import {
  formatSoqlError,
  parseSoql,
  SoqlSyntaxError,
  type Condition,
  type FieldPath,
  type Literal,
  type SoqlQuery,
} from './soql.parser';

/** A resolved field path: the reference fields to walk, then the field read on the last object. */
interface ResolvedPath {
  names: string[];
  hops: { field: FieldDef; target: SObjectDef }[];
  field: FieldDef;
}

export interface QueryOutcome {
  totalSize: number;
  records: Record<string, unknown>[];
}

export interface QueryOptions {
  version: string;
  /** queryAll: include soft-deleted rows. */
  includeDeleted: boolean;
}

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const ID_TYPES = new Set(['id', 'reference']);
const NUMBER_TYPES = new Set(['int', 'double', 'currency']);

function recordUrl(version: string, type: string, id: unknown): string {
  return `/services/data/v${version}/sobjects/${type}/${String(id)}`;
}

function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && (pattern.charAt(i + 1) === '%' || pattern.charAt(i + 1) === '_')) {
      source += pattern.charAt(++i);
    } else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

function datetimeMs(value: FieldValue): number {
  return typeof value === 'string' ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
}

/** Orders two non-null stored values of one field: text case-insensitively, datetimes by instant. */
function compareValues(field: FieldDef, a: FieldValue, b: FieldValue): number {
  if (field.type === 'datetime') return datetimeMs(a) - datetimeMs(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  // Ids are case-sensitive keys, ordered by their characters as stored (the order PK chunking's `Id > …` windows
  // rely on); text sorts without regard to case.
  if (field.type === 'id' || field.type === 'reference') {
    const [x, y] = [String(a), String(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Runs a parsed SOQL query against the store and shapes records as the REST query resource does. */
export class SoqlExecutor {
  constructor(private readonly catalogue: SObjectCatalogue) {}

  run(reader: RecordReader, soql: string, options: QueryOptions): QueryOutcome {
    let query: SoqlQuery;
    try {
      query = parseSoql(soql);
    } catch (e) {
      if (e instanceof SoqlSyntaxError) throw ApiErrors.malformedQuery(formatSoqlError(soql, e.pos, e.message));
      throw e;
    }
    const object = this.catalogue.get(query.from.name);
    if (!object) {
      throw ApiErrors.invalidType(
        formatSoqlError(
          soql,
          query.from.pos,
          `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    const resolve = (fp: FieldPath) => this.resolve(soql, object, fp);
    const counts = query.select.filter((s) => s.kind === 'count');
    if (counts.length && query.select.length > 1) {
      const extra = query.select.find((s) => s.kind === 'field') ?? query.select[1];
      throw ApiErrors.malformedQuery(
        formatSoqlError(
          soql,
          extra?.pos ?? 0,
          'Field must be grouped or aggregated: ' + (extra?.kind === 'field' ? extra.path.join('.') : 'COUNT'),
        ),
      );
    }
    const selected = query.select.flatMap((s) => (s.kind === 'field' ? [resolve(s)] : []));
    const where = query.where ? this.compile(soql, object, query.where, reader) : () => true;
    const order = query.orderBy.map((o) => ({ ...o, resolved: resolve(o.field) }));
    const countField = counts[0]?.kind === 'count' && counts[0].field ? resolve(counts[0].field) : undefined;

    let rows = reader
      .list(object.name)
      .filter((r) => options.includeDeleted || r.values['IsDeleted'] !== true)
      .filter(where);
    if (order.length) {
      rows = [...rows].sort((a, b) => {
        for (const o of order) {
          const x = this.read(reader, a, o.resolved);
          const y = this.read(reader, b, o.resolved);
          if (x === null && y === null) continue;
          if (x === null) return o.nullsLast ? 1 : -1;
          if (y === null) return o.nullsLast ? -1 : 1;
          const c = compareValues(o.resolved.field, x, y);
          if (c !== 0) return o.descending ? -c : c;
        }
        return 0;
      });
    }
    if (query.offset !== undefined) {
      if (query.offset > 2000) {
        throw ApiFailure.of(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
      }
      rows = rows.slice(query.offset);
    }
    if (query.limit !== undefined) rows = rows.slice(0, query.limit);

    if (counts.length) {
      if (!countField) return { totalSize: rows.length, records: [] };
      const n = rows.filter((r) => this.read(reader, r, countField) !== null).length;
      return { totalSize: 1, records: [{ attributes: { type: 'AggregateResult' }, expr0: n }] };
    }
    return { totalSize: rows.length, records: rows.map((r) => this.shape(reader, r, selected, options.version)) };
  }

  private resolve(soql: string, object: SObjectDef, fp: FieldPath): ResolvedPath {
    const hops: ResolvedPath['hops'] = [];
    let current = object;
    const names: string[] = [];
    for (const segment of fp.path.slice(0, -1)) {
      const ref = findRelationship(current, segment);
      const target = ref ? this.catalogue.get(ref.referenceTo ?? '') : undefined;
      if (!ref || !target) {
        throw ApiErrors.invalidQueryField(
          formatSoqlError(
            soql,
            fp.pos,
            `Didn't understand relationship '${segment}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
          ),
        );
      }
      hops.push({ field: ref, target });
      names.push(ref.relationshipName as string);
      current = target;
    }
    const last = fp.path[fp.path.length - 1] as string;
    const field = findField(current, last);
    if (!field) {
      throw ApiErrors.invalidQueryField(
        formatSoqlError(
          soql,
          fp.pos,
          `No such column '${last}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    names.push(field.name);
    return { names, hops, field };
  }

  /** The parent row reached by walking `hops`, or null when a reference is empty or points at a deleted row. */
  private walk(reader: RecordReader, row: StoredRecord, hops: ResolvedPath['hops']): StoredRecord | null {
    let current: StoredRecord | undefined = row;
    for (const hop of hops) {
      const id: FieldValue | undefined = current.values[hop.field.name];
      current = typeof id === 'string' ? reader.get(id) : undefined;
      if (!current || current.values['IsDeleted'] === true) return null;
    }
    return current;
  }

  private read(reader: RecordReader, row: StoredRecord, path: ResolvedPath): FieldValue {
    const target = this.walk(reader, row, path.hops);
    return target ? (target.values[path.field.name] ?? null) : null;
  }

  private shape(reader: RecordReader, row: StoredRecord, selected: ResolvedPath[], version: string) {
    const out: Record<string, unknown> = {
      attributes: { type: row.type, url: recordUrl(version, row.type, row.values['Id']) },
    };
    for (const path of selected) {
      let node = out;
      let current: StoredRecord | null = row;
      for (let h = 0; h < path.hops.length; h++) {
        const hop = path.hops[h] as ResolvedPath['hops'][number];
        const name = path.names[h] as string;
        const parent: StoredRecord | null = current ? this.walk(reader, current, [hop]) : null;
        if (!parent) {
          if (!(name in node)) node[name] = null;
          current = null;
          break;
        }
        const existing = node[name];
        if (existing === null || typeof existing !== 'object') {
          node[name] = { attributes: { type: parent.type, url: recordUrl(version, parent.type, parent.values['Id']) } };
        }
        node = node[name] as Record<string, unknown>;
        current = parent;
      }
      if (current) node[path.field.name] = current.values[path.field.name] ?? null;
    }
    return out;
  }

  private compile(
    soql: string,
    object: SObjectDef,
    condition: Condition,
    reader: RecordReader,
  ): (row: StoredRecord) => boolean {
    switch (condition.kind) {
      case 'and': {
        const parts = condition.items.map((c) => this.compile(soql, object, c, reader));
        return (row) => parts.every((p) => p(row));
      }
      case 'or': {
        const parts = condition.items.map((c) => this.compile(soql, object, c, reader));
        return (row) => parts.some((p) => p(row));
      }
      case 'not': {
        const inner = this.compile(soql, object, condition.item, reader);
        return (row) => !inner(row);
      }
      case 'in': {
        const path = this.resolve(soql, object, condition.field);
        const values = condition.values.map((v) => this.operand(soql, condition.field, path.field, v));
        return (row) => {
          const actual = this.read(reader, row, path);
          const hit = values.some((v) => this.equals(path.field, actual, v));
          return condition.negated ? !hit : hit;
        };
      }
      case 'compare': {
        const path = this.resolve(soql, object, condition.field);
        const expected = this.operand(soql, condition.field, path.field, condition.value);
        const { op } = condition;
        if (op === 'LIKE') {
          const pattern = typeof expected === 'string' ? likeToRegExp(expected) : undefined;
          return (row) => {
            const actual = this.read(reader, row, path);
            return pattern !== undefined && actual !== null && pattern.test(String(actual));
          };
        }
        return (row) => {
          const actual = this.read(reader, row, path);
          if (op === '=') return this.equals(path.field, actual, expected);
          if (op === '!=') return !this.equals(path.field, actual, expected);
          if (actual === null || expected === null) return false;
          const c = compareValues(path.field, actual, expected);
          return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
        };
      }
    }
  }

  private equals(field: FieldDef, actual: FieldValue, expected: FieldValue): boolean {
    if (actual === null || expected === null) return actual === expected;
    return compareValues(field, actual, expected) === 0;
  }

  /** Checks a literal against the field's type, as Salesforce does, and converts it to a stored value. */
  private operand(soql: string, fp: FieldPath, field: FieldDef, literal: Literal): FieldValue {
    if (literal.kind === 'null') return null;
    const fail = (type: string, quoted: boolean) =>
      ApiErrors.invalidQueryField(
        formatSoqlError(
          soql,
          fp.pos,
          `value of filter criterion for field '${field.name}' must be of type ${type} and ${
            quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'
          }`,
        ),
      );
    if (TEXT_TYPES.has(field.type)) {
      if (literal.kind !== 'string') throw fail('string', true);
      return literal.value;
    }
    if (ID_TYPES.has(field.type)) {
      if (literal.kind !== 'string') throw fail('id', true);
      const id = toCaseSafeId(literal.value);
      if (!id) {
        throw ApiFailure.of(400, 'INVALID_QUERY_FILTER_OPERATOR', `\ninvalid ID field: ${literal.value}`);
      }
      return id;
    }
    if (field.type === 'boolean') {
      if (literal.kind !== 'boolean') throw fail('boolean', false);
      return literal.value;
    }
    if (NUMBER_TYPES.has(field.type)) {
      if (literal.kind !== 'number') throw fail(field.type === 'int' ? 'int' : 'double', false);
      return literal.value;
    }
    if (field.type === 'date') {
      if (literal.kind !== 'date') throw fail('date', false);
      return literal.value;
    }
    if (literal.kind !== 'datetime') throw fail('dateTime', false);
    return new Date(literal.value).toISOString().replace('Z', '+0000');
  }
}
