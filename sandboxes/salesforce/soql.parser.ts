/**
 * A parser for the SOQL subset the hub uses:
 *
 *   SELECT f1, Rel.f2 | COUNT() | COUNT(f) FROM Obj
 *   [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]
 *
 * where `cond` combines `f op value` (= != <> < <= > >= LIKE), `f [NOT] IN (v, …)`, NOT and
 * parentheses with AND/OR. As in Salesforce, AND and OR cannot be mixed at one level without
 * parentheses. Errors carry the offending position so the REST layer can answer the platform's
 * `ERROR at Row:r:Column:c` message.
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number; text: string };

export interface FieldPath {
  /** Relationship names then the field, as written: `['Account', 'Odoo_Id__c']`. */
  path: string[];
  pos: number;
}

export type SelectItem = ({ kind: 'field' } & FieldPath) | { kind: 'count'; field?: FieldPath; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

export type Condition =
  | { kind: 'compare'; field: FieldPath; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition };

export interface OrderItem {
  field: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  select: SelectItem[];
  from: { name: string; pos: number };
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

export class SoqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'SoqlSyntaxError';
  }
}

type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  value?: string | number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\d:T])/;
const NUMBER = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;
const OPERATORS = ['!=', '<>', '<=', '>=', '=', '<', '>'];
const STRING_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= soql.length) throw new SoqlSyntaxError("unexpected token: '" + soql.slice(i) + "'", i);
        const d = soql.charAt(j);
        if (d === "'") break;
        if (d === '\\') {
          const e = soql.charAt(j + 1);
          // \% and \_ stay escaped: they only mean something to LIKE.
          value += e === '%' || e === '_' ? '\\' + e : (STRING_ESCAPES[e] ?? e);
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'string', text: soql.slice(i, j + 1), pos: i, value });
      i = j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest);
    if (dt) {
      tokens.push({ kind: 'datetime', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', text: date[0], pos: i });
      i += date[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos: i, value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw new SoqlSyntaxError(`unexpected token: '${c}'`, i);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private unexpected(t: Token = this.peek()): SoqlSyntaxError {
    return new SoqlSyntaxError(t.kind === 'eof' ? 'unexpected token: <EOF>' : `unexpected token: '${t.text}'`, t.pos);
  }

  private isKeyword(word: string, t: Token = this.peek()): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private keyword(word: string): Token {
    if (!this.isKeyword(word)) throw this.unexpected();
    return this.next();
  }

  private punct(p: string): void {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected();
    this.next();
  }

  private fieldPath(): FieldPath {
    const t = this.peek();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase()) || t.text.endsWith('.') || t.text.includes('..')) {
      throw this.unexpected();
    }
    this.next();
    return { path: t.text.split('.'), pos: t.pos };
  }

  parse(): SoqlQuery {
    this.keyword('SELECT');
    const select: SelectItem[] = [this.selectItem()];
    while (this.peek().kind === 'punct' && this.peek().text === ',') {
      this.next();
      select.push(this.selectItem());
    }
    this.keyword('FROM');
    const from = this.peek();
    // `Order` is both a keyword and an object: `FROM Order ORDER BY Name` is valid SOQL.
    const orderObject = from.text.toUpperCase() === 'ORDER' && !this.isKeyword('BY', this.tokens[this.i + 1]);
    if (from.kind !== 'ident' || (RESERVED.has(from.text.toUpperCase()) && !orderObject) || from.text.includes('.')) {
      throw this.unexpected(from);
    }
    this.next();
    const query: SoqlQuery = { select, from: { name: from.text, pos: from.pos }, orderBy: [] };
    if (this.isKeyword('WHERE')) {
      this.next();
      query.where = this.condition();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.keyword('BY');
      query.orderBy.push(this.orderItem());
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next();
        query.orderBy.push(this.orderItem());
      }
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      query.limit = this.integer();
    }
    if (this.isKeyword('OFFSET')) {
      this.next();
      query.offset = this.integer();
    }
    if (this.peek().kind !== 'eof') throw this.unexpected();
    return query;
  }

  private integer(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || (t.value as number) < 0) throw this.unexpected();
    this.next();
    return t.value as number;
  }

  private selectItem(): SelectItem {
    const t = this.peek();
    const after = this.tokens[this.i + 1];
    if (this.isKeyword('COUNT') && after?.kind === 'punct' && after.text === '(') {
      this.next();
      this.next();
      if (this.peek().kind === 'punct' && this.peek().text === ')') {
        this.next();
        return { kind: 'count', pos: t.pos };
      }
      const field = this.fieldPath();
      this.punct(')');
      return { kind: 'count', field, pos: t.pos };
    }
    return { kind: 'field', ...this.fieldPath() };
  }

  private orderItem(): OrderItem {
    const field = this.fieldPath();
    let descending = false;
    if (this.isKeyword('ASC')) this.next();
    else if (this.isKeyword('DESC')) {
      this.next();
      descending = true;
    }
    let nullsLast = descending;
    if (this.isKeyword('NULLS')) {
      this.next();
      if (this.isKeyword('FIRST')) nullsLast = false;
      else if (this.isKeyword('LAST')) nullsLast = true;
      else throw this.unexpected();
      this.next();
    }
    return { field, descending, nullsLast };
  }

  /** One level of AND or OR; switching operator at the same level is an error, as in Salesforce. */
  private condition(): Condition {
    const first = this.unary();
    const opToken = this.peek();
    if (!this.isKeyword('AND') && !this.isKeyword('OR')) return first;
    const op = opToken.text.toUpperCase() === 'AND' ? 'and' : 'or';
    const items = [first];
    while (this.isKeyword('AND') || this.isKeyword('OR')) {
      if (this.peek().text.toLowerCase() !== op) throw this.unexpected();
      this.next();
      items.push(this.unary());
    }
    return { kind: op, items };
  }

  private unary(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', item: this.unary() };
    }
    if (this.peek().kind === 'punct' && this.peek().text === '(') {
      this.next();
      const inner = this.condition();
      this.punct(')');
      return inner;
    }
    return this.simple();
  }

  private simple(): Condition {
    const field = this.fieldPath();
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.next();
      negated = true;
      if (!this.isKeyword('IN')) throw this.unexpected();
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.punct('(');
      const values = [this.literal()];
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next();
        values.push(this.literal());
      }
      this.punct(')');
      return { kind: 'in', field, negated, values };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      return { kind: 'compare', field, op: 'LIKE', value: this.literal() };
    }
    const t = this.peek();
    if (t.kind !== 'op') throw this.unexpected();
    this.next();
    const op = (t.text === '<>' ? '!=' : t.text) as CompareOp;
    return { kind: 'compare', field, op, value: this.literal() };
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value as string };
      case 'number':
        return { kind: 'number', value: t.value as number };
      case 'date':
        return { kind: 'date', value: t.text };
      case 'datetime': {
        const ms = Date.parse(t.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(ms))
          throw new SoqlSyntaxError(`line 1:${t.pos} no viable alternative at character ' '`, t.pos);
        return { kind: 'datetime', value: ms, text: t.text };
      }
      case 'ident': {
        const word = t.text.toUpperCase();
        if (word === 'NULL') return { kind: 'null' };
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE' };
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }
}

const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
  'ASC',
  'DESC',
  'NULLS',
]);

/** Parses a SOQL string; throws {@link SoqlSyntaxError} for anything outside the subset. */
export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).parse();
}

/** Salesforce's error text: the query line, a caret under the position, `ERROR at Row:r:Column:c`, the message. */
export function formatSoqlError(soql: string, pos: number, message: string): string {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', pos);
  const line = soql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const column = pos - lineStart + 1;
  return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${message}`;
}
