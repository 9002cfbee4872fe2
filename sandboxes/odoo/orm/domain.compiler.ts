/**
 * Odoo search domains to SQL: prefix notation with '&', '|', '!' and implicit '&' between terms; leaves
 * `[path, operator, value]` where the path may cross many2one and one2many fields (`partner_id.vat`,
 * `order_line.product_id`). Semantics follow Odoo 17's expression.py where a client can tell: `= False` is
 * "not set", `!=` and `not in` also match NULL, `ilike` wraps the value in %...%, a many2one compared to a string
 * is a name search on the comodel, `=?` with an empty value is always true, and archived records are left out
 * unless the domain mentions `active` or the context says `active_test: false`.
 */
import { PythonError } from '../odoo.errors';
import { quoteIdent, translated, type FieldDef, type ModelCatalogue, type ModelDef } from './model.catalogue';

export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface SqlContext {
  catalogue: ModelCatalogue;
  /** A language code already checked by safeLang. */
  lang: string;
  params: SqlParams;
  /** Source of unique aliases for sub-queries. */
  aliases: { next: number };
}

const OPERATORS = new Set([
  '=',
  '!=',
  '<>',
  '<',
  '>',
  '<=',
  '>=',
  '=?',
  'like',
  'not like',
  'ilike',
  'not ilike',
  '=like',
  '=ilike',
  'in',
  'not in',
]);
const NEGATIVE = new Set(['!=', '<>', 'not like', 'not ilike', 'not in']);

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; child: Node }
  | { kind: 'leaf'; path: string; operator: string; value: unknown }
  | { kind: 'const'; value: boolean };

function repr(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Parses a domain into a tree; throws Odoo's ValueError for anything that is not a well-formed domain. */
export function parseDomain(domain: unknown): Node | null {
  if (domain === null || domain === undefined || domain === false) return null;
  if (!Array.isArray(domain)) throw new PythonError('ValueError', `Invalid domain ${repr(domain)}`);
  let i = 0;
  const next = (): Node => {
    if (i >= domain.length) throw new PythonError('ValueError', `Domain ${repr(domain)} is syntactically not correct.`);
    const token: unknown = domain[i++];
    if (token === '&' || token === '|') {
      const left = next();
      const right = next();
      return { kind: token === '&' ? 'and' : 'or', left, right };
    }
    if (token === '!') return { kind: 'not', child: next() };
    if (!Array.isArray(token) || token.length !== 3) {
      throw new PythonError('ValueError', `Invalid leaf ${repr(token)}`);
    }
    const [path, operator, value] = token as [unknown, unknown, unknown];
    if (path === 1 && operator === '=' && value === 1) return { kind: 'const', value: true };
    if (path === 0 && operator === '=' && value === 1) return { kind: 'const', value: false };
    if (typeof path !== 'string' || typeof operator !== 'string') {
      throw new PythonError('ValueError', `Invalid leaf ${repr(token)}`);
    }
    const op = operator.toLowerCase();
    if (!OPERATORS.has(op)) throw new PythonError('ValueError', `Invalid leaf ${repr(token)}`);
    return { kind: 'leaf', path, operator: op, value };
  };
  const terms: Node[] = [];
  while (i < domain.length) terms.push(next());
  if (terms.length === 0) return null;
  return terms.reduce((left, right) => ({ kind: 'and', left, right }));
}

/** Whether a domain has a leaf on `field` (at its first level of path), which turns off the active test. */
export function mentionsField(node: Node | null, field: string): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'and':
    case 'or':
      return mentionsField(node.left, field) || mentionsField(node.right, field);
    case 'not':
      return mentionsField(node.child, field);
    case 'leaf':
      return node.path.split('.')[0] === field;
    default:
      return false;
  }
}

export function fieldOf(model: ModelDef, name: string, leaf?: unknown): FieldDef {
  const f = model.fields.get(name);
  if (!f) {
    throw new PythonError(
      'ValueError',
      leaf === undefined
        ? `Invalid field ${repr(name)} on model ${repr(model.name)}`
        : `Invalid field ${model.name}.${name} in leaf ${repr(leaf)}`,
    );
  }
  return f;
}

function newAlias(ctx: SqlContext): string {
  return `t${ctx.aliases.next++}`;
}

/** A scalar SQL expression for a field of the row aliased `alias` (a stored column, a related or computed one). */
export function fieldExpression(model: ModelDef, alias: string, f: FieldDef, ctx: SqlContext): string {
  if (f.name === 'display_name') return model.displayName(alias, ctx.lang);
  if (f.sql) return f.sql(alias);
  if (f.related) {
    const via = fieldOf(model, f.related[0] as string);
    const comodel = ctx.catalogue.require(via.comodel as string);
    const sub = newAlias(ctx);
    const target = fieldOf(comodel, f.related[1] as string);
    return `(SELECT ${fieldExpression(comodel, sub, target, ctx)} FROM ${quoteIdent(comodel.table)} ${sub} WHERE ${sub}.id = ${alias}.${quoteIdent(via.name)})`;
  }
  if (!f.store || f.type === 'one2many') {
    throw new PythonError('ValueError', `Non-stored field ${model.name}.${f.name} cannot be searched.`);
  }
  const column = `${alias}.${quoteIdent(f.name)}`;
  return f.translate ? translated(column, ctx.lang) : column;
}

/** Compiles a domain for rows of `model` aliased `alias`; 'TRUE' for an empty domain. */
export function compileDomain(
  model: ModelDef,
  alias: string,
  domain: unknown,
  ctx: SqlContext,
  options: { activeTest?: boolean } = {},
): string {
  const tree = parseDomain(domain);
  const clauses: string[] = [];
  if (tree) clauses.push(compileNode(model, alias, tree, ctx));
  if ((options.activeTest ?? true) && model.fields.has('active') && !mentionsField(tree, 'active')) {
    clauses.push(`${alias}."active" = true`);
  }
  return clauses.length ? clauses.join(' AND ') : 'TRUE';
}

function compileNode(model: ModelDef, alias: string, node: Node, ctx: SqlContext): string {
  switch (node.kind) {
    case 'and':
      return `(${compileNode(model, alias, node.left, ctx)} AND ${compileNode(model, alias, node.right, ctx)})`;
    case 'or':
      return `(${compileNode(model, alias, node.left, ctx)} OR ${compileNode(model, alias, node.right, ctx)})`;
    case 'not':
      return `(NOT COALESCE(${compileNode(model, alias, node.child, ctx)}, false))`;
    case 'const':
      return node.value ? 'TRUE' : 'FALSE';
    case 'leaf':
      return compileLeaf(model, alias, node.path.split('.'), node.operator, node.value, ctx, [
        node.path,
        node.operator,
        node.value,
      ]);
  }
}

function isEmpty(value: unknown): boolean {
  return value === false || value === null || value === undefined;
}

function compileLeaf(
  model: ModelDef,
  alias: string,
  path: string[],
  operator: string,
  rawValue: unknown,
  ctx: SqlContext,
  leaf: unknown[],
): string {
  const f = fieldOf(model, path[0] as string, leaf);
  if (operator === '=?') {
    if (isEmpty(rawValue)) return 'TRUE';
    operator = '=';
  }
  let value = rawValue;
  if (Array.isArray(value) && (operator === '=' || operator === '!=' || operator === '<>')) {
    operator = operator === '=' ? 'in' : 'not in';
  }
  if (f.related && f.type !== 'one2many') {
    // A related field is searched through its path, as the ORM rewrites it.
    return compileLeaf(model, alias, [...f.related, ...path.slice(1)], operator, value, ctx, leaf);
  }
  if (path.length > 1) {
    if (f.type === 'many2one') {
      const comodel = ctx.catalogue.require(f.comodel as string);
      const sub = newAlias(ctx);
      const inner = compileLeaf(comodel, sub, path.slice(1), operator, value, ctx, leaf);
      return `${alias}.${quoteIdent(f.name)} IN (SELECT ${sub}.id FROM ${quoteIdent(comodel.table)} ${sub} WHERE ${inner})`;
    }
    if (f.type === 'one2many') {
      const comodel = ctx.catalogue.require(f.comodel as string);
      const sub = newAlias(ctx);
      const inner = compileLeaf(comodel, sub, path.slice(1), operator, value, ctx, leaf);
      return `${alias}.id IN (SELECT ${sub}.${quoteIdent(f.inverse as string)} FROM ${quoteIdent(comodel.table)} ${sub} WHERE ${inner})`;
    }
    throw new PythonError('ValueError', `Invalid field ${model.name}.${path.join('.')} in leaf ${repr(leaf)}`);
  }
  if (f.type === 'one2many') return compileOne2many(alias, f, operator, value, ctx);
  if (f.type === 'many2one' && isNameSearch(value)) return compileNameSearch(model, alias, f, operator, value, ctx);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    throw new PythonError('ValueError', `Invalid leaf ${repr(leaf)}`);
  }
  if (Array.isArray(value) && f.type === 'many2one') value = value.map((v) => (Array.isArray(v) ? v[0] : v));
  return compareScalar(fieldExpression(model, alias, f, ctx), f, operator, value, ctx);
}

/** A many2one compared to text (or to a list of texts) matches the comodel's records by display name. */
function isNameSearch(value: unknown): boolean {
  if (typeof value === 'string') return true;
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string');
}

function compileNameSearch(
  model: ModelDef,
  alias: string,
  f: FieldDef,
  operator: string,
  value: unknown,
  ctx: SqlContext,
): string {
  const comodel = ctx.catalogue.require(f.comodel as string);
  const sub = newAlias(ctx);
  const negative = NEGATIVE.has(operator);
  const positive = negative ? positiveOf(operator) : operator;
  const display: FieldDef = { name: 'display_name', type: 'char', string: 'Display Name', store: false };
  const match = compareScalar(comodel.displayName(sub, ctx.lang), display, positive, value, ctx);
  const column = `${alias}.${quoteIdent(f.name)}`;
  const ids = `SELECT ${sub}.id FROM ${quoteIdent(comodel.table)} ${sub} WHERE ${match}`;
  return negative ? `(${column} IS NULL OR ${column} NOT IN (${ids}))` : `${column} IN (${ids})`;
}

function positiveOf(operator: string): string {
  return { '!=': '=', '<>': '=', 'not like': 'like', 'not ilike': 'ilike', 'not in': 'in' }[operator] ?? operator;
}

function compileOne2many(alias: string, f: FieldDef, operator: string, value: unknown, ctx: SqlContext): string {
  const comodelTable = quoteIdent(ctx.catalogue.require(f.comodel as string).table);
  const inverse = quoteIdent(f.inverse as string);
  const sub = newAlias(ctx);
  const children = `SELECT ${sub}.${inverse} FROM ${comodelTable} ${sub} WHERE ${sub}.${inverse} IS NOT NULL`;
  if (isEmpty(value)) {
    if (operator === '=') return `${alias}.id NOT IN (${children})`;
    if (operator === '!=' || operator === '<>') return `${alias}.id IN (${children})`;
  }
  const ids = (Array.isArray(value) ? value : [value]).filter((v): v is number => Number.isInteger(v));
  if (operator === 'in' || operator === '=') {
    return `${alias}.id IN (${children} AND ${sub}.id = ANY(${ctx.params.add(ids)}::int4[]))`;
  }
  if (operator === 'not in' || operator === '!=' || operator === '<>') {
    return `${alias}.id NOT IN (${children} AND ${sub}.id = ANY(${ctx.params.add(ids)}::int4[]))`;
  }
  throw new PythonError('ValueError', `Invalid operator ${repr(operator)} for one2many field ${f.name}`);
}

function likePattern(operator: string, value: unknown): string {
  const text = String(value);
  return operator.startsWith('=') ? text : `%${text}%`;
}

/** The comparison of a scalar expression, with Odoo's treatment of False/NULL. */
export function compareScalar(expr: string, f: FieldDef, operator: string, value: unknown, ctx: SqlContext): string {
  const boolean = f.type === 'boolean';
  switch (operator) {
    case '=':
      if (isEmpty(value)) return boolean ? `(${expr} IS NULL OR ${expr} = false)` : `${expr} IS NULL`;
      if (boolean) return value ? `${expr} = true` : `(${expr} IS NULL OR ${expr} = false)`;
      return `${expr} = ${ctx.params.add(value)}`;
    case '!=':
    case '<>':
      if (isEmpty(value)) return boolean ? `${expr} = true` : `${expr} IS NOT NULL`;
      if (boolean) return value ? `(${expr} IS NULL OR ${expr} = false)` : `${expr} = true`;
      return `(${expr} <> ${ctx.params.add(value)} OR ${expr} IS NULL)`;
    case '<':
    case '>':
    case '<=':
    case '>=':
      if (isEmpty(value)) return 'FALSE';
      return `${expr} ${operator} ${ctx.params.add(value)}`;
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike': {
      const like = operator.endsWith('ilike') ? 'ILIKE' : 'LIKE';
      if (isEmpty(value)) return operator.startsWith('=') ? `${expr} IS NULL` : 'TRUE';
      return `(${expr})::text ${like} ${ctx.params.add(likePattern(operator, value))}`;
    }
    case 'not like':
    case 'not ilike': {
      const like = operator === 'not ilike' ? 'ILIKE' : 'LIKE';
      if (isEmpty(value)) return `${expr} IS NOT NULL`;
      return `((${expr})::text NOT ${like} ${ctx.params.add(likePattern(operator, value))} OR ${expr} IS NULL)`;
    }
    case 'in':
    case 'not in': {
      const list = Array.isArray(value) ? value : [value];
      const withNull = list.some(isEmpty);
      const values = list.filter((v) => !isEmpty(v));
      if (operator === 'in') {
        const parts: string[] = [];
        if (values.length) parts.push(`${expr} = ANY(${arrayParam(values, f, ctx)})`);
        if (withNull) parts.push(`${expr} IS NULL`);
        return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
      }
      if (!values.length) return withNull ? `${expr} IS NOT NULL` : 'TRUE';
      const notIn = `${expr} <> ALL(${arrayParam(values, f, ctx)})`;
      return withNull ? `(${notIn} AND ${expr} IS NOT NULL)` : `(${notIn} OR ${expr} IS NULL)`;
    }
    default:
      throw new PythonError('ValueError', `Invalid operator ${repr(operator)}`);
  }
}

function arrayParam(values: unknown[], f: FieldDef, ctx: SqlContext): string {
  const cast =
    f.type === 'integer' || f.type === 'many2one' || f.type === 'many2one_reference'
      ? '::int4[]'
      : f.type === 'float' || f.type === 'monetary'
        ? '::numeric[]'
        : f.type === 'boolean'
          ? '::bool[]'
          : f.type === 'date'
            ? '::date[]'
            : f.type === 'datetime'
              ? '::timestamp[]'
              : '::text[]';
  return `${ctx.params.add(values)}${cast}`;
}

/** ORDER BY for an Odoo `order` string (`field [asc|desc] [nulls first|last], ...`); many2one fields sort by the comodel's display name. */
export function compileOrder(model: ModelDef, alias: string, order: string, ctx: SqlContext): string {
  const parts: string[] = [];
  for (const item of order.split(',')) {
    const text = item.trim();
    if (!text) continue;
    const match = /^"?([a-z_][a-z0-9_]*)"?(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$/i.exec(text);
    if (!match) throw new PythonError('ValueError', `Invalid "order" specified (${order}).`);
    const f = fieldOf(model, match[1] as string);
    const direction = (match[2] ?? 'asc').toUpperCase();
    const nulls = match[3] ? ` NULLS ${match[3].toUpperCase()}` : '';
    let expr: string;
    if (f.type === 'many2one' && !f.related) {
      const comodel = ctx.catalogue.get(f.comodel as string);
      const sub = newAlias(ctx);
      expr = comodel
        ? `(SELECT ${comodel.displayName(sub, ctx.lang)} FROM ${quoteIdent(comodel.table)} ${sub} WHERE ${sub}.id = ${alias}.${quoteIdent(f.name)})`
        : `${alias}.${quoteIdent(f.name)}`;
    } else if (f.type === 'one2many') {
      throw new PythonError('ValueError', `Invalid "order" specified (${order}).`);
    } else {
      expr = fieldExpression(model, alias, f, ctx);
    }
    parts.push(`${expr} ${direction}${nulls}`);
  }
  return parts.join(', ');
}
