/**
 * `Model.load(fields, data)`, Odoo's import, as 17.0 implements it (odoo/models.py `load`, `_load_records`,
 * base/models/ir_fields.py): a header of field paths (`id` for the external id, `.id` for the database id,
 * `partner_id/id` for a many2one by external id, `partner_id/.id` by database id, `partner_id` by name), rows of
 * strings. A row whose external id exists updates that record; otherwise the record is created and the external id
 * recorded in ir_model_data (`module.name`; the context's `module`, default `__import__`, when the id has no dot).
 * Problems are reported per row in `messages` rather than raised, and any error rolls the whole import back
 * (`ids: false`). Importing one2many sub-fields is not supported by the sandbox.
 */
import { OdooError, PythonError, UserError, ValidationError } from '../odoo.errors';
import { isPgError, psycopgMessage, SQL_CONSTRAINT_MESSAGES } from '../db/integrity.errors';
import type { Env } from './env';
import { quoteIdent, type FieldDef, type ModelDef } from './model.catalogue';
import type { Orm, Vals } from './orm.service';

export interface LoadMessage {
  type: 'error' | 'warning';
  message: string;
  record?: number;
  rows?: { from: number; to: number };
  field?: string;
}

export interface LoadResult {
  ids: number[] | false;
  messages: LoadMessage[];
  nextrow: number;
}

export type ImportColumn =
  | { kind: 'xid'; index: number }
  | { kind: 'dbid'; index: number }
  | { kind: 'field'; index: number; field: FieldDef; sub: 'id' | '.id' | null };

/** Reads the header (`fix_import_export_id_paths`: `partner_id:id` is `partner_id/id`). */
export function parseImportFields(model: ModelDef, fields: unknown): ImportColumn[] {
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw new PythonError('TypeError', 'fields must be a list of field paths');
  }
  return (fields as string[]).map((raw, index): ImportColumn => {
    const path = raw
      .replace(/:id$/, '/id')
      .replace(/:\.id$/, '/.id')
      .split('/');
    if (path.length === 1 && path[0] === 'id') return { kind: 'xid', index };
    if (path.length === 1 && path[0] === '.id') return { kind: 'dbid', index };
    const field = model.fields.get(path[0] as string);
    if (!field) throw new PythonError('KeyError', `'${path[0]}'`);
    const sub = path[1];
    if (path.length > 2 || (sub !== undefined && sub !== 'id' && sub !== '.id')) {
      throw new PythonError('ValueError', `the Odoo sandbox does not import sub-fields such as '${raw}'`);
    }
    if (field.type === 'one2many') {
      throw new PythonError('ValueError', `the Odoo sandbox does not import one2many fields such as '${raw}'`);
    }
    if (sub !== undefined && field.type !== 'many2one') {
      throw new PythonError('ValueError', `'${raw}': only many2one fields take /id or /.id`);
    }
    return { kind: 'field', index, field, sub: (sub as 'id' | '.id' | undefined) ?? null };
  });
}

/** A cell Odoo could not use: its message, with `%(field)s` standing for the field's label. */
export class ImportIssue extends Error {
  constructor(
    readonly type: 'error' | 'warning',
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

const TRUE_VALUES = new Set(['1', 'true', 'yes']);
const FALSE_VALUES = new Set(['0', 'false', 'no']);

/** Converts a non-relational cell the way ir.fields.converter does; throws an ImportIssue for a bad one. */
export function convertScalarCell(f: FieldDef, cell: unknown): unknown {
  if (cell === '' || cell === null || cell === undefined || cell === false) return false;
  const text = typeof cell === 'string' ? cell : String(cell);
  switch (f.type) {
    case 'boolean':
      if (typeof cell === 'boolean') return cell;
      if (TRUE_VALUES.has(text.toLowerCase())) return true;
      if (FALSE_VALUES.has(text.toLowerCase())) return false;
      throw new ImportIssue('warning', `Unknown value '${text}' for boolean field '%(field)s'`, true);
    case 'integer':
    case 'many2one_reference':
      if (!/^-?\d+$/.test(text.trim())) {
        throw new ImportIssue('error', `'${text}' does not seem to be an integer for field '%(field)s'`);
      }
      return Number(text.trim());
    case 'float':
    case 'monetary':
      if (text.trim() === '' || !Number.isFinite(Number(text))) {
        throw new ImportIssue('error', `'${text}' does not seem to be a number for field '%(field)s'`);
      }
      return Number(text);
    case 'selection': {
      const match =
        f.selection?.find(([key]) => key === text) ??
        f.selection?.find(([, label]) => label.toLowerCase() === text.toLowerCase());
      if (!match) throw new ImportIssue('error', `Value '${text}' not found in selection field '%(field)s'`);
      return match[0];
    }
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) {
        throw new ImportIssue('error', `'${text}' does not seem to be a valid date for field '%(field)s'`);
      }
      return text;
    case 'datetime':
      if (!/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/.test(text)) {
        throw new ImportIssue('error', `'${text}' does not seem to be a valid datetime for field '%(field)s'`);
      }
      return text.length === 10 ? `${text} 00:00:00` : text;
    default:
      return text;
  }
}

/** Splits `module.name` (or prefixes the current module to a bare name). */
export function splitXmlId(xid: string, currentModule: string): [string, string] {
  const dot = xid.indexOf('.');
  return dot >= 0 ? [xid.slice(0, dot), xid.slice(dot + 1)] : [currentModule, xid];
}

export class LoadService {
  constructor(private readonly orm: Orm) {}

  async load(env: Env, modelName: string, fields: unknown, data: unknown): Promise<LoadResult> {
    const model = this.orm.model(env, modelName);
    const columns = parseImportFields(model, fields);
    if (!Array.isArray(data) || !data.every((row) => Array.isArray(row))) {
      throw new PythonError('TypeError', 'data must be a list of rows');
    }
    const currentModule = typeof env.context['module'] === 'string' ? env.context['module'] : '__import__';
    const noupdate = env.context['noupdate'] === true;
    const messages: LoadMessage[] = [];
    const ids: number[] = [];
    await env.cr.query('SAVEPOINT odoo_sandbox_load');
    for (const [index, row] of (data as unknown[][]).entries()) {
      const info = { record: index, rows: { from: index, to: index } };
      const notesMark = env.notes.length;
      await env.cr.query('SAVEPOINT odoo_sandbox_load_record');
      try {
        const vals = await this.convertRow(env, columns, row, currentModule, (issue, f) =>
          messages.push({
            ...info,
            type: issue.type,
            field: f.name,
            message: issue.message.replace('%(field)s', f.string),
          }),
        );
        const xidColumn = columns.find((c) => c.kind === 'xid');
        const dbidColumn = columns.find((c) => c.kind === 'dbid');
        const xid = xidColumn ? row[xidColumn.index] : undefined;
        const dbid = dbidColumn ? row[dbidColumn.index] : undefined;
        ids.push(await this.applyRow(env, model, vals, xid, dbid, currentModule, noupdate));
        await env.cr.query('RELEASE SAVEPOINT odoo_sandbox_load_record');
      } catch (error) {
        await env.cr.query('ROLLBACK TO SAVEPOINT odoo_sandbox_load_record');
        env.notes.length = notesMark;
        if (!(error instanceof SkippedRow))
          messages.push({ ...info, type: 'error', ...this.describe(env, model, error) });
      }
    }
    if (messages.some((m) => m.type === 'error')) {
      await env.cr.query('ROLLBACK TO SAVEPOINT odoo_sandbox_load');
      env.notes.length = 0;
      return { ids: false, messages, nextrow: 0 };
    }
    await env.cr.query('RELEASE SAVEPOINT odoo_sandbox_load');
    return { ids, messages, nextrow: 0 };
  }

  private async convertRow(
    env: Env,
    columns: readonly ImportColumn[],
    row: readonly unknown[],
    currentModule: string,
    report: (issue: ImportIssue, f: FieldDef) => void,
  ): Promise<Vals> {
    const vals: Vals = {};
    let failed = false;
    for (const column of columns) {
      if (column.kind !== 'field') continue;
      const cell = row[column.index];
      try {
        vals[column.field.name] =
          column.field.type === 'many2one'
            ? await this.convertMany2one(env, column.field, column.sub, cell, currentModule)
            : convertScalarCell(column.field, cell);
      } catch (error) {
        if (!(error instanceof ImportIssue)) throw error;
        report(error, column.field);
        if (error.type === 'warning') vals[column.field.name] = error.value;
        else failed = true;
      }
    }
    // A row with a bad cell is not written; the import as a whole is rolled back anyway.
    if (failed) throw new SkippedRow();
    return vals;
  }

  private async convertMany2one(
    env: Env,
    f: FieldDef,
    sub: 'id' | '.id' | null,
    cell: unknown,
    currentModule: string,
  ): Promise<number | false> {
    if (cell === '' || cell === null || cell === undefined || cell === false) return false;
    const text = String(cell);
    const comodel = env.catalogue.require(f.comodel as string);
    let id: number | undefined;
    let kind: string;
    if (sub === 'id') {
      kind = 'external id';
      const [module, name] = splitXmlId(text, currentModule);
      const { rows } = await env.cr.query<{ res_id: number }>(
        `SELECT d.res_id FROM ir_model_data d JOIN ${quoteIdent(comodel.table)} r ON r.id = d.res_id
         WHERE d.module = $1 AND d.name = $2 AND d.model = $3`,
        [module, name, comodel.name],
      );
      id = rows[0]?.res_id;
    } else if (sub === '.id') {
      kind = 'database id';
      if (/^\d+$/.test(text)) {
        const { rows } = await env.cr.query<{ id: number }>(
          `SELECT id FROM ${quoteIdent(comodel.table)} WHERE id = $1`,
          [Number(text)],
        );
        id = rows[0]?.id;
      }
    } else {
      kind = 'name';
      const found = await this.orm.nameSearch(env.sudo(), comodel.name, text, [], '=', 1);
      id = found[0]?.[0];
    }
    if (id === undefined) {
      throw new ImportIssue('error', `No matching record found for ${kind} '${text}' in field '%(field)s'`);
    }
    return id;
  }

  private async applyRow(
    env: Env,
    model: ModelDef,
    vals: Vals,
    xid: unknown,
    dbid: unknown,
    currentModule: string,
    noupdate: boolean,
  ): Promise<number> {
    if (typeof xid === 'string' && xid !== '') {
      const [module, name] = splitXmlId(xid, currentModule);
      const { rows } = await env.cr.query<{ id: number; model: string; res_id: number }>(
        'SELECT id, model, res_id FROM ir_model_data WHERE module = $1 AND name = $2',
        [module, name],
      );
      const existing = rows[0];
      if (existing && existing.model !== model.name) {
        throw new ValidationError(
          `For external id ${module}.${name} when trying to create/update a record of model ${model.name} found record of different model ${existing.model} (${existing.res_id})`,
        );
      }
      if (existing) {
        const { rowCount } = await env.cr.query(`SELECT 1 FROM ${quoteIdent(model.table)} WHERE id = $1`, [
          existing.res_id,
        ]);
        if (rowCount) {
          await this.orm.write(env, model.name, [existing.res_id], vals);
          return existing.res_id;
        }
        await env.cr.query('DELETE FROM ir_model_data WHERE id = $1', [existing.id]);
      }
      const [id] = await this.orm.create(env, model.name, [vals]);
      // As _update_xmlids does it: a plain INSERT, without log-access columns.
      await env.cr.query(
        `INSERT INTO ir_model_data (module, name, model, res_id, noupdate) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (module, name) DO UPDATE SET (model, res_id, write_date) =
           (EXCLUDED.model, EXCLUDED.res_id, now() AT TIME ZONE 'UTC')`,
        [module, name, model.name, id, noupdate],
      );
      return id as number;
    }
    if (dbid !== undefined && dbid !== '' && dbid !== false && dbid !== null) {
      const id = Number(dbid);
      if (!Number.isInteger(id)) throw new UserError(`Invalid database id '${String(dbid)}'`);
      await this.orm.write(env, model.name, [id], vals);
      return id;
    }
    const [id] = await this.orm.create(env, model.name, [vals]);
    return id as number;
  }

  /** A row's failure as its message (`PGERROR_TO_OE` for database errors, the exception's text otherwise). */
  private describe(env: Env, model: ModelDef, error: unknown): { message: string; field?: string } {
    const integrity = isPgError(error)
      ? error
      : error instanceof ValidationError && error.integrity
        ? { ...error.integrity, message: '' }
        : undefined;
    if (integrity?.code === '23502') {
      const column = integrity.column ?? '';
      const f = integrity.table === model.table ? model.fields.get(column) : undefined;
      return f
        ? { message: `Missing required value for the field '${f.string}' (${f.name})`, field: f.name }
        : { message: `Missing required value for the field '${column}'` };
    }
    if (integrity?.code === '23514' && integrity.constraint && SQL_CONSTRAINT_MESSAGES[integrity.constraint]) {
      return { message: `'${SQL_CONSTRAINT_MESSAGES[integrity.constraint]}'` };
    }
    if (integrity?.code === '23503' && !isPgError(error)) {
      return {
        message: `insert or update on table "${integrity.table}" violates foreign key constraint "${integrity.constraint}"\n`,
      };
    }
    if (isPgError(error)) return { message: psycopgMessage(error) };
    if (error instanceof OdooError) return { message: error.message };
    throw error;
  }
}

/** A row that had an invalid cell: already reported, not written. */
class SkippedRow extends Error {}
