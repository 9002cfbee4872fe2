/**
 * The value expressions of the mapping file, compiled once at start into functions. Compilation checks every source
 * path against the entity's schema (through `checkPath`), so a typo fails the start instead of writing nulls.
 */

/** What an expression reads: the entity (or the list element under forEach) and, under forEach, the entity itself. */
export interface Scope {
  item: Record<string, unknown>;
  parent?: Record<string, unknown>;
  /** The org's standard Pricebook2 Id, resolved once by the projector when the mapping asks for it. */
  standardPricebookId?: string;
}

export type Evaluate = (scope: Scope) => unknown;

export interface CompileContext {
  /** Throws (or records a problem) when `path` does not exist; `list` is set for paths that must be lists. */
  checkPath(path: string, options?: { list?: boolean }): void;
  /** Where the expression sits, for error messages: `SalesOrder → Order.Status`. */
  where: string;
}

/** A value the mapping cannot turn into what Salesforce expects (an Odoo code with no translation). */
export class MappingValueError extends Error {
  override readonly name = 'MappingValueError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A parent record referenced by external id (the value of a `ref`): the writer sends parents before children. */
export interface ParentReference {
  object: string;
  externalIdField: string;
  externalId: string;
}

/** Marks a `ref` value with the parent it names; not serialised (a symbol key). */
export const PARENT = Symbol('parent-reference');

/** The parent a `ref` value names, if it is one. */
export function parentReference(value: unknown): ParentReference | undefined {
  return isObject(value) && PARENT in value
    ? ((value as Record<symbol, unknown>)[PARENT] as ParentReference)
    : undefined;
}

/** Reads a dotted path; `$parent.` reads the entity itself under forEach. Null anywhere on the way gives null. */
function read(scope: Scope, path: string): unknown {
  let node: unknown = scope.item;
  let rest = path;
  if (path.startsWith('$parent.')) {
    node = scope.parent;
    rest = path.slice('$parent.'.length);
  }
  for (const part of rest.split('.')) {
    if (!isObject(node)) return null;
    node = node[part];
  }
  return node ?? null;
}

const DAY_MS = 86_400_000;

function decimalToNumber(value: unknown, where: string): number | null {
  if (value === null) return null;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new MappingValueError(`${where}: ${JSON.stringify(value)} is not a number`);
  return n;
}

const KINDS = [
  'const',
  'join',
  'firstName',
  'lastName',
  'number',
  'date',
  'dateOf',
  'datetime',
  'map',
  'ref',
  'template',
  'sum',
  'truncate',
  'standardPricebook',
] as const;

/** Compiles one expression; throws an Error naming `ctx.where` and the problem. */
export function compileExpression(spec: unknown, ctx: CompileContext): Evaluate {
  const fail = (problem: string): never => {
    throw new Error(`${ctx.where}: ${problem}`);
  };
  const path = (p: unknown, options?: { list?: boolean }): string => {
    if (typeof p !== 'string' || p === '') return fail(`expected a source path, got ${JSON.stringify(p)}`);
    ctx.checkPath(p, options);
    return p;
  };
  if (typeof spec === 'string') {
    const p = path(spec);
    return (scope) => read(scope, p);
  }
  if (!isObject(spec)) return fail(`expected a path or an expression object, got ${JSON.stringify(spec)}`);
  const kind = KINDS.find((k) => k in spec);
  if (!kind) return fail(`unknown expression ${JSON.stringify(spec)}; expected a path or one of ${KINDS.join(', ')}`);
  const extra = Object.keys(spec).filter((k) => !allowedKeys(kind).includes(k));
  if (extra.length) fail(`unexpected key(s) ${extra.join(', ')} in a ${kind} expression`);

  switch (kind) {
    case 'const': {
      const value = spec.const;
      return () => value;
    }
    case 'join': {
      if (!Array.isArray(spec.join)) return fail('join expects a list of paths');
      const parts = spec.join.map((p) => path(p));
      const separator = typeof spec.separator === 'string' ? spec.separator : ' ';
      return (scope) => {
        const text = parts
          .map((p) => read(scope, p))
          .filter((v) => v !== null && v !== '')
          .join(separator);
        return text === '' ? null : text;
      };
    }
    case 'firstName':
    case 'lastName': {
      const p = path(spec[kind]);
      const first = kind === 'firstName';
      // "Brandon Freeman" → Brandon / Freeman; a single word is the LastName, which Salesforce requires.
      return (scope) => {
        const name = read(scope, p);
        if (typeof name !== 'string' || name.trim() === '') return null;
        const words = name.trim().split(/\s+/);
        const last = words.pop()!;
        if (!first) return last;
        return words.length ? words.join(' ') : null;
      };
    }
    case 'number': {
      const p = path(spec.number);
      return (scope) => decimalToNumber(read(scope, p), ctx.where);
    }
    case 'date': {
      const p = path(spec.date);
      return (scope) => {
        const days = read(scope, p);
        return typeof days === 'number' ? new Date(days * DAY_MS).toISOString().slice(0, 10) : null;
      };
    }
    case 'dateOf':
    case 'datetime': {
      const p = path(spec[kind]);
      const dateOnly = kind === 'dateOf';
      return (scope) => {
        const millis = read(scope, p);
        if (typeof millis !== 'number') return null;
        const iso = new Date(millis).toISOString();
        return dateOnly ? iso.slice(0, 10) : iso;
      };
    }
    case 'map': {
      const p = path(spec.map);
      if (!isObject(spec.values)) return fail('map expects `values`: an object from source code to target value');
      const values = spec.values;
      const hasDefault = 'default' in spec;
      const fallback = spec.default;
      return (scope) => {
        const code = read(scope, p);
        if (code === null) return null;
        const key = String(code);
        if (Object.prototype.hasOwnProperty.call(values, key)) return values[key];
        if (hasDefault) return fallback;
        throw new MappingValueError(`${ctx.where}: no translation for ${JSON.stringify(key)}`);
      };
    }
    case 'ref': {
      const ref = spec.ref;
      if (!isObject(ref) || typeof ref.field !== 'string' || typeof ref.object !== 'string') {
        return fail('ref expects { object, field, value }');
      }
      const field = ref.field;
      const value = compileExpression(ref.value, { ...ctx, where: `${ctx.where}.ref` });
      const idField = spec.idField;
      if (idField !== undefined && typeof idField !== 'string') return fail('idField must be a field name');
      return (scope) => {
        const v = value(scope);
        if (v === null || v === undefined || v === '') return idField ? { [CLEAR]: idField } : undefined;
        return { [field]: v, [PARENT]: { object: ref.object, externalIdField: field, externalId: String(v) } };
      };
    }
    case 'template': {
      if (typeof spec.template !== 'string') return fail('template expects a string');
      const text = spec.template;
      const paths = [...text.matchAll(/\{([^}]+)\}/g)].map((m) => path(m[1]));
      if (paths.length === 0) fail('a template without {path} placeholders is a const');
      return (scope) => {
        let missing = false;
        const out = text.replace(/\{([^}]+)\}/g, (_, p: string) => {
          const v = read(scope, p);
          if (v === null) missing = true;
          return String(v);
        });
        return missing ? null : out;
      };
    }
    case 'sum': {
      const list = path(spec.sum, { list: true });
      if (typeof spec.of !== 'string') return fail('sum expects `of`: the field of each element to add');
      ctx.checkPath(`${list}[].${spec.of}`);
      const of = spec.of;
      return (scope) => {
        const items = read(scope, list);
        if (!Array.isArray(items)) return null;
        // Decimal strings summed in units of 1e-4 (the canonical scale) to stay exact.
        let total = 0n;
        for (const item of items) {
          const v = isObject(item) ? item[of] : null;
          if (v === null || v === undefined) continue;
          total += BigInt(Math.round(Number(v) * 10_000));
        }
        return Number(total) / 10_000;
      };
    }
    case 'truncate': {
      const p = path(spec.truncate);
      const length = spec.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 1) {
        return fail('truncate expects a positive integer `length`');
      }
      return (scope) => {
        const v = read(scope, p);
        return typeof v === 'string' && v.length > length ? v.slice(0, length) : v;
      };
    }
    case 'standardPricebook':
      if (spec.standardPricebook !== true) return fail('standardPricebook expects true');
      return (scope) => {
        if (!scope.standardPricebookId) throw new Error('standard price book id not resolved');
        return scope.standardPricebookId;
      };
  }
}

function allowedKeys(kind: (typeof KINDS)[number]): string[] {
  switch (kind) {
    case 'join':
      return ['join', 'separator'];
    case 'map':
      return ['map', 'values', 'default'];
    case 'ref':
      return ['ref', 'idField'];
    case 'sum':
      return ['sum', 'of'];
    case 'truncate':
      return ['truncate', 'length'];
    default:
      return [kind];
  }
}

/**
 * Marker returned by a `ref` with a null value and an `idField`: the record's lookup (e.g. AccountId) is cleared
 * rather than the relationship omitted, so unlinking in Odoo unlinks in Salesforce.
 */
export const CLEAR = Symbol('clear-lookup');

/** Whether a compiled expression asked to clear a lookup field; returns that field's name. */
export function clearedLookup(value: unknown): string | undefined {
  return isObject(value) && CLEAR in value ? String((value as Record<symbol, unknown>)[CLEAR]) : undefined;
}
