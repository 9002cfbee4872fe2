/**
 * The ORM methods a client calls (search, read, search_read, search_count, name_search, create, write, unlink,
 * fields_get), generic over the model catalogue, with the behaviour an integration relies on: access rights per
 * group, log-access columns set to the calling user and the transaction's time (and dropped from the values a
 * client sends), required fields and many2one targets checked with Odoo's messages, one2many command tuples, and
 * model-specific computations plugged in as {@link ModelRules}.
 */
import { AccessError, MissingError, PythonError } from '../odoo.errors';
import { asValidationError } from '../db/integrity.errors';
import { compileDomain, compileOrder, fieldExpression, fieldOf } from './domain.compiler';
import type { Env } from './env';
import { parseX2ManyCommands, recordsetRepr, toColumn, toRead, type X2ManyCommand } from './field.values';
import { quoteIdent, type FieldDef, type GroupXmlId, type ModelDef, type Operation } from './model.catalogue';

export type Vals = Record<string, unknown>;

/** Model-specific behaviour run by the generic methods. */
export interface ModelRules {
  /** Default values (`default=`), for fields the values leave out. */
  defaults?(env: Env, vals: Vals): Promise<Vals> | Vals;
  /** Precomputed stored values, set before the INSERT (sequence names, addresses, related values). */
  prepareCreate?(env: Env, vals: Vals): Promise<void>;
  /** Stored computations that need the new record (and its one2many lines) in the database. */
  afterCreate?(env: Env, ids: number[]): Promise<void>;
  /** Checks and precomputations before an UPDATE. */
  prepareWrite?(env: Env, ids: number[], vals: Vals): Promise<void>;
  /** Recomputations after an UPDATE (and its one2many commands). */
  afterWrite?(env: Env, ids: number[], vals: Vals): Promise<void>;
  /** Checks before a DELETE; may return what to recompute once the rows are gone. */
  beforeUnlink?(env: Env, ids: number[]): Promise<(() => Promise<void>) | void>;
}

/** Fields the ORM sets itself: a client's values for them are dropped (odoo/models.py, log access). */
const LOG_ACCESS = new Set(['id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name']);

const GROUP_NAMES: Record<string, string> = {
  'base.group_user': 'User types / Internal User',
  'base.group_portal': 'User types / Portal',
  'base.group_erp_manager': 'Administration / Access Rights',
  'base.group_system': 'Administration / Settings',
};
const ACCESS_VERB: Record<Operation, string> = { read: 'access', write: 'modify', create: 'create', unlink: 'delete' };
/** Groups that include others (`implied_ids`): Settings implies Access Rights, which implies Internal User. */
const IMPLIED: Record<string, readonly string[]> = {
  'base.group_system': ['base.group_erp_manager', 'base.group_user'],
  'base.group_erp_manager': ['base.group_user'],
};

export interface SearchOptions {
  offset?: number;
  limit?: number | null;
  order?: string | null;
}

const NOW = "(now() AT TIME ZONE 'UTC')";

function isEmpty(value: unknown): boolean {
  return value === false || value === null || value === undefined;
}

function isRecord(value: unknown): value is Vals {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Orm {
  private readonly rules = new Map<string, ModelRules>();

  register(model: string, rules: ModelRules): void {
    this.rules.set(model, rules);
  }

  model(env: Env, name: string): ModelDef {
    const model = env.catalogue.get(name);
    if (!model) throw new Error(`model ${name} is not served`);
    return model;
  }

  // ---------------------------------------------------------------------------------------------
  // access
  // ---------------------------------------------------------------------------------------------

  async checkAccess(env: Env, model: ModelDef, operation: Operation): Promise<void> {
    if (env.su || env.uid === 1) return;
    const user = await env.user();
    const groups = new Set<string>();
    for (const g of user.groups) {
      groups.add(g);
      for (const implied of IMPLIED[g] ?? []) groups.add(implied);
    }
    const allowed: readonly GroupXmlId[] = model.access[operation];
    if (allowed.some((g) => groups.has(g))) return;
    const list = allowed.map((g) => `\t- ${GROUP_NAMES[g] ?? g}`).join('\n');
    throw new AccessError(
      `You are not allowed to ${ACCESS_VERB[operation]} '${model.description}' (${model.name}) records.\n\n` +
        (list
          ? `This operation is allowed for the following groups:\n${list}`
          : 'No group currently allows this operation.') +
        '\n\nContact your administrator to request access if necessary.',
    );
  }

  // ---------------------------------------------------------------------------------------------
  // reading
  // ---------------------------------------------------------------------------------------------

  async search(env: Env, modelName: string, domain: unknown, options: SearchOptions = {}): Promise<number[]> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'read');
    const sql = env.sql();
    const where = compileDomain(model, 'r', domain, sql, { activeTest: env.activeTest });
    const order = compileOrder(model, 'r', options.order || model.order, sql);
    let text = `SELECT r.id FROM ${quoteIdent(model.table)} r WHERE ${where} ORDER BY ${order}`;
    if (options.limit !== null && options.limit !== undefined && (options.limit as unknown) !== false) {
      text += ` LIMIT ${sql.params.add(checkedInteger('limit', options.limit))}`;
    }
    if (options.offset) text += ` OFFSET ${sql.params.add(checkedInteger('offset', options.offset))}`;
    const { rows } = await env.cr.query<{ id: number }>(text, sql.params.values);
    return rows.map((r) => r.id);
  }

  async searchCount(env: Env, modelName: string, domain: unknown, limit?: number | null): Promise<number> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'read');
    const sql = env.sql();
    const where = compileDomain(model, 'r', domain, sql, { activeTest: env.activeTest });
    const inner = `SELECT 1 FROM ${quoteIdent(model.table)} r WHERE ${where}${
      limit ? ` LIMIT ${sql.params.add(checkedInteger('limit', limit))}` : ''
    }`;
    const { rows } = await env.cr.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${inner}) c`,
      sql.params.values,
    );
    return rows[0]?.n ?? 0;
  }

  /** `read`: one dict per existing record, in the order of `ids` (missing records are left out, as Odoo does). */
  async read(
    env: Env,
    modelName: string,
    ids: readonly number[],
    fields?: readonly string[] | null,
    load: unknown = '_classic_read',
  ): Promise<Record<string, unknown>[]> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'read');
    const wanted = (fields && fields.length ? [...fields] : [...model.fields.keys()]).filter((n) => n !== 'id');
    const defs = wanted.map((name) => {
      if (typeof name !== 'string') throw new PythonError('ValueError', `Invalid field ${JSON.stringify(name)}`);
      return fieldOf(model, name);
    });
    const uniqueIds = [...new Set(ids)].filter((id) => Number.isInteger(id));
    if (!uniqueIds.length) return [];
    const sql = env.sql();
    const scalar = defs.filter((f) => f.type !== 'one2many');
    const columns = scalar.map((f, i) => `${fieldExpression(model, 'r', f, sql)} AS c${i}`);
    const { rows } = await env.cr.query<Record<string, unknown>>(
      `SELECT r.id${columns.length ? ', ' + columns.join(', ') : ''} FROM ${quoteIdent(model.table)} r WHERE r.id = ANY(${sql.params.add(uniqueIds)}::int4[])`,
      sql.params.values,
    );
    const byId = new Map(rows.map((r) => [r['id'] as number, r]));
    const withDisplay = load === '_classic_read' || load === undefined;
    const displays = withDisplay ? await this.displayNames(env, scalar, rows) : new Map<string, Map<number, string>>();
    const children = await this.childrenIds(env, defs, uniqueIds);
    const result: Record<string, unknown>[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (!row || result.some((r) => r['id'] === id)) continue;
      const out: Record<string, unknown> = { id };
      for (const f of defs) {
        if (f.type === 'one2many') {
          out[f.name] = children.get(f.name)?.get(id) ?? [];
          continue;
        }
        const raw = row[`c${scalar.indexOf(f)}`];
        out[f.name] = toRead(f, raw, (ref) => displays.get(f.comodel ?? '')?.get(ref));
        if (f.translate && out[f.name] === undefined) out[f.name] = false;
      }
      result.push(out);
    }
    return result;
  }

  async searchRead(
    env: Env,
    modelName: string,
    domain: unknown,
    fields: readonly string[] | null | undefined,
    options: SearchOptions,
    load?: unknown,
  ): Promise<Record<string, unknown>[]> {
    const ids = await this.search(env, modelName, domain, options);
    return this.read(env, modelName, ids, fields, load);
  }

  /** `name_search`: [id, display_name] pairs of records whose searchable names match. */
  async nameSearch(
    env: Env,
    modelName: string,
    name: unknown,
    domain: unknown,
    operator: unknown,
    limit: unknown,
  ): Promise<[number, string][]> {
    const model = this.model(env, modelName);
    const extra = Array.isArray(domain) ? domain : [];
    let nameDomain: unknown[] = [];
    if (typeof name === 'string' && name !== '') {
      const op = typeof operator === 'string' ? operator : 'ilike';
      const negative = op.startsWith('not') || op === '!=';
      const terms = model.recNamesSearch.map((f) => [f, op, name]);
      nameDomain = [...Array(Math.max(terms.length - 1, 0)).fill(negative ? '&' : '|'), ...terms];
    }
    const ids = await this.search(env, modelName, [...nameDomain, ...extra], {
      limit: limit === null || limit === undefined || limit === false ? null : checkedInteger('limit', limit),
    });
    return this.displayPairs(env, model, ids);
  }

  async displayPairs(env: Env, model: ModelDef, ids: readonly number[]): Promise<[number, string][]> {
    if (!ids.length) return [];
    const sql = env.sql();
    const { rows } = await env.cr.query<{ id: number; name: string | null }>(
      `SELECT r.id, ${model.displayName('r', env.lang)} AS name FROM ${quoteIdent(model.table)} r WHERE r.id = ANY(${sql.params.add([...ids])}::int4[])`,
      sql.params.values,
    );
    const names = new Map(rows.map((r) => [r.id, r.name ?? '']));
    return ids.filter((id) => names.has(id)).map((id) => [id, names.get(id) as string]);
  }

  fieldsGet(
    env: Env,
    modelName: string,
    allfields: unknown,
    attributes: unknown,
  ): Record<string, Record<string, unknown>> {
    const model = this.model(env, modelName);
    const only = Array.isArray(allfields) && allfields.length ? new Set(allfields) : null;
    const attrs = Array.isArray(attributes) && attributes.length ? new Set(attributes) : null;
    const out: Record<string, Record<string, unknown>> = {};
    for (const f of model.fields.values()) {
      if (only && !only.has(f.name)) continue;
      const description: Record<string, unknown> = {
        type: f.type,
        string: f.string,
        required: Boolean(f.required),
        readonly: Boolean(f.computed),
        store: f.store,
        searchable: f.type !== 'one2many' || Boolean(f.inverse),
        sortable: f.store && f.type !== 'one2many',
        translate: Boolean(f.translate),
      };
      if (f.comodel) description['relation'] = f.comodel;
      if (f.inverse) description['relation_field'] = f.inverse;
      if (f.selection) description['selection'] = f.selection.map(([k, v]) => [k, v]);
      out[f.name] = attrs ? Object.fromEntries(Object.entries(description).filter(([k]) => attrs.has(k))) : description;
    }
    return out;
  }

  private async displayNames(
    env: Env,
    fields: readonly FieldDef[],
    rows: readonly Record<string, unknown>[],
  ): Promise<Map<string, Map<number, string>>> {
    const wanted = new Map<string, Set<number>>();
    fields.forEach((f, i) => {
      if (f.type !== 'many2one' || !f.comodel || !env.catalogue.get(f.comodel)) return;
      const set = wanted.get(f.comodel) ?? new Set<number>();
      for (const row of rows) {
        const v = row[`c${i}`];
        if (v !== null && v !== undefined) set.add(Number(v));
      }
      wanted.set(f.comodel, set);
    });
    const out = new Map<string, Map<number, string>>();
    for (const [comodel, ids] of wanted) {
      const pairs = await this.displayPairs(env, env.catalogue.require(comodel), [...ids]);
      out.set(comodel, new Map(pairs));
    }
    return out;
  }

  private async childrenIds(
    env: Env,
    fields: readonly FieldDef[],
    ids: readonly number[],
  ): Promise<Map<string, Map<number, number[]>>> {
    const out = new Map<string, Map<number, number[]>>();
    for (const f of fields) {
      if (f.type !== 'one2many') continue;
      const comodel = env.catalogue.require(f.comodel as string);
      const sql = env.sql();
      const inverse = quoteIdent(f.inverse as string);
      const active = env.activeTest && comodel.fields.has('active') ? ' AND c."active" = true' : '';
      const { rows } = await env.cr.query<{ id: number; parent: number }>(
        `SELECT c.id, c.${inverse} AS parent FROM ${quoteIdent(comodel.table)} c
         WHERE c.${inverse} = ANY(${sql.params.add([...ids])}::int4[])${active}
         ORDER BY ${compileOrder(comodel, 'c', comodel.order, sql)}`,
        sql.params.values,
      );
      const byParent = new Map<number, number[]>();
      for (const row of rows) byParent.set(row.parent, [...(byParent.get(row.parent) ?? []), row.id]);
      out.set(f.name, byParent);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // writing
  // ---------------------------------------------------------------------------------------------

  async create(env: Env, modelName: string, valsList: readonly unknown[]): Promise<number[]> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'create');
    const ids: number[] = [];
    for (const vals of valsList) {
      if (!isRecord(vals)) {
        throw new PythonError('TypeError', `'${typeof vals}' object is not a mapping of field values`);
      }
      ids.push(await this.createOne(env, model, vals));
    }
    env.note(model.name, 'create', ids);
    return ids;
  }

  private async createOne(env: Env, model: ModelDef, input: Vals): Promise<number> {
    const rules = this.rules.get(model.name);
    const vals = this.cleanVals(model, input);
    const defaults = rules?.defaults ? await rules.defaults(env, vals) : {};
    for (const [k, v] of Object.entries(defaults)) if (!(k in vals)) vals[k] = v;
    await rules?.prepareCreate?.(env, vals);
    const { scalars, x2many } = this.split(model, vals);
    await this.checkScalars(env, model, scalars, 'create');
    const columns = Object.keys(scalars);
    const params: unknown[] = columns.map((c) => scalars[c]);
    params.push(env.uid);
    const uidParam = `$${params.length}`;
    const { rows } = await env.cr.query<{ id: number }>(
      `INSERT INTO ${quoteIdent(model.table)} (${[...columns.map(quoteIdent), 'create_uid', 'write_uid', 'create_date', 'write_date'].join(', ')})
       VALUES (${[...columns.map((_, i) => `$${i + 1}`), uidParam, uidParam, NOW, NOW].join(', ')}) RETURNING id`,
      params,
    );
    const id = (rows[0] as { id: number }).id;
    for (const [name, commands] of x2many) await this.applyX2Many(env, [id], fieldOf(model, name), commands);
    await rules?.afterCreate?.(env, [id]);
    return id;
  }

  async write(env: Env, modelName: string, ids: readonly number[], input: unknown): Promise<true> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'write');
    if (!isRecord(input))
      throw new PythonError('TypeError', `'${typeof input}' object is not a mapping of field values`);
    const records = await this.existing(env, model, ids);
    if (!records.length) return true;
    const rules = this.rules.get(model.name);
    const vals = this.cleanVals(model, input);
    await rules?.prepareWrite?.(env, records, vals);
    await this.writeColumns(env, model, records, vals);
    await rules?.afterWrite?.(env, records, vals);
    env.note(model.name, 'write', records);
    return true;
  }

  /** The UPDATE of a write (and its one2many commands), without the model's rules: for rules themselves. */
  async writeColumns(env: Env, model: ModelDef, ids: readonly number[], vals: Vals): Promise<void> {
    const { scalars, x2many } = this.split(model, vals);
    await this.checkScalars(env, model, scalars, 'write');
    const columns = Object.keys(scalars);
    const params: unknown[] = columns.map((c) => scalars[c]);
    params.push(env.uid, [...ids]);
    const sets = [
      ...columns.map((c, i) => `${quoteIdent(c)} = $${i + 1}`),
      `write_uid = $${params.length - 1}`,
      `write_date = ${NOW}`,
    ];
    await env.cr.query(
      `UPDATE ${quoteIdent(model.table)} SET ${sets.join(', ')} WHERE id = ANY($${params.length}::int4[])`,
      params,
    );
    for (const [name, commands] of x2many) await this.applyX2Many(env, ids, fieldOf(model, name), commands);
  }

  async unlink(env: Env, modelName: string, ids: readonly number[]): Promise<true> {
    const model = this.model(env, modelName);
    await this.checkAccess(env, model, 'unlink');
    const { rows } = await env.cr.query<{ id: number }>(
      `SELECT id FROM ${quoteIdent(model.table)} WHERE id = ANY($1::int4[])`,
      [[...ids]],
    );
    const existing = rows.map((r) => r.id);
    if (!existing.length) return true;
    const after = await this.rules.get(model.name)?.beforeUnlink?.(env, existing);
    await env.cr.query(`DELETE FROM ${quoteIdent(model.table)} WHERE id = ANY($1::int4[])`, [existing]);
    if (after) await after();
    env.note(model.name, 'unlink', existing);
    return true;
  }

  /** The ids that exist; a MissingError naming the others when some do not. */
  async existing(env: Env, model: ModelDef, ids: readonly number[]): Promise<number[]> {
    const wanted = [...new Set(ids)];
    if (!wanted.every((id) => Number.isInteger(id))) {
      throw new PythonError('ValueError', `Invalid ids ${JSON.stringify(ids)} for ${model.name}`);
    }
    const { rows } = await env.cr.query<{ id: number }>(
      `SELECT id FROM ${quoteIdent(model.table)} WHERE id = ANY($1::int4[])`,
      [wanted],
    );
    const found = new Set(rows.map((r) => r.id));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length) throw missingError(model.name, missing, env.uid);
    return wanted;
  }

  /** Drops what the ORM sets itself and what is computed; refuses unknown fields. */
  private cleanVals(model: ModelDef, input: Vals): Vals {
    const vals: Vals = {};
    for (const [key, value] of Object.entries(input)) {
      const f = model.fields.get(key);
      if (!f) throw new PythonError('ValueError', `Invalid field '${key}' on model '${model.name}'`);
      if (LOG_ACCESS.has(key) || f.computed) continue;
      vals[key] = value;
    }
    return vals;
  }

  /** Column values (converted) and one2many commands of a vals dict. */
  private split(model: ModelDef, vals: Vals): { scalars: Vals; x2many: [string, X2ManyCommand[]][] } {
    const scalars: Vals = {};
    const x2many: [string, X2ManyCommand[]][] = [];
    for (const [key, value] of Object.entries(vals)) {
      const f = fieldOf(model, key);
      if (f.type === 'one2many') {
        x2many.push([key, parseX2ManyCommands(model.name, f, value)]);
      } else if (f.store && !f.related && !f.sql) {
        if (f.translate) {
          scalars[key] = isEmpty(value) ? null : JSON.stringify({ en_US: String(value) });
        } else {
          scalars[key] = toColumn(model.name, f, value);
        }
      }
    }
    return { scalars, x2many };
  }

  /** Required fields set, and many2one targets that exist (what NOT NULL and foreign keys enforce in Odoo). */
  private async checkScalars(env: Env, model: ModelDef, scalars: Vals, mode: 'create' | 'write'): Promise<void> {
    const fields = mode === 'create' ? [...model.fields.values()] : Object.keys(scalars).map((k) => fieldOf(model, k));
    for (const f of fields) {
      if (!f.required || !f.store || f.related || f.sql || f.name === 'id') continue;
      if (f.type === 'float' || f.type === 'monetary' || f.type === 'integer' || f.type === 'boolean') continue;
      if (scalars[f.name] === null || scalars[f.name] === undefined) {
        throw asValidationError({ code: '23502', message: '', table: model.table, column: f.name }, env.catalogue);
      }
    }
    for (const [key, value] of Object.entries(scalars)) {
      const f = fieldOf(model, key);
      if (f.type !== 'many2one' || value === null || !f.comodel) continue;
      const comodel = env.catalogue.get(f.comodel);
      if (!comodel) continue;
      const { rowCount } = await env.cr.query(`SELECT 1 FROM ${quoteIdent(comodel.table)} WHERE id = $1`, [value]);
      if (!rowCount) {
        throw asValidationError(
          { code: '23503', message: '', table: model.table, constraint: `${model.table}_${key}_fkey` },
          env.catalogue,
        );
      }
    }
  }

  private async applyX2Many(
    env: Env,
    parentIds: readonly number[],
    f: FieldDef,
    commands: readonly X2ManyCommand[],
  ): Promise<void> {
    const comodel = env.catalogue.require(f.comodel as string);
    const inverse = fieldOf(comodel, f.inverse as string);
    // An inverse that is required (ondelete cascade) cannot be emptied: removing the link deletes the record.
    const remove = async (ids: number[]) => {
      if (!ids.length) return;
      if (inverse.required) await this.unlink(env, comodel.name, ids);
      else await this.write(env, comodel.name, ids, { [inverse.name]: false });
    };
    for (const parentId of parentIds) {
      for (const command of commands) {
        switch (command.op) {
          case 'create':
            await this.create(env, comodel.name, [{ ...command.values, [inverse.name]: parentId }]);
            break;
          case 'update':
            await this.write(env, comodel.name, [command.id], command.values);
            break;
          case 'delete':
            await this.unlink(env, comodel.name, [command.id]);
            break;
          case 'unlink':
            await remove([command.id]);
            break;
          case 'link':
            await this.write(env, comodel.name, [command.id], { [inverse.name]: parentId });
            break;
          case 'clear':
            await remove(await this.childIds(env, comodel, inverse, parentId));
            break;
          case 'set': {
            const current = await this.childIds(env, comodel, inverse, parentId);
            await remove(current.filter((id) => !command.ids.includes(id)));
            const toLink = command.ids.filter((id) => !current.includes(id));
            if (toLink.length) await this.write(env, comodel.name, toLink, { [inverse.name]: parentId });
            break;
          }
        }
      }
    }
  }

  private async childIds(env: Env, comodel: ModelDef, inverse: FieldDef, parentId: number): Promise<number[]> {
    const { rows } = await env.cr.query<{ id: number }>(
      `SELECT id FROM ${quoteIdent(comodel.table)} WHERE ${quoteIdent(inverse.name)} = $1 ORDER BY id`,
      [parentId],
    );
    return rows.map((r) => r.id);
  }
}

export function missingError(model: string, ids: readonly number[], uid: number): MissingError {
  return new MissingError(
    `Record does not exist or has been deleted.\n(Record: ${recordsetRepr(model, ids.slice(0, 6))}, User: ${uid})`,
  );
}

function checkedInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new PythonError('ValueError', `invalid ${name}: ${JSON.stringify(value)}`);
  }
  return value;
}
