/**
 * Field values between the wire and the columns, as Odoo 17's fields convert them: what `write` stores
 * (`convert_to_column`: False is 0 for numbers and NULL for the rest, selections are checked, dates parsed), what
 * `read` answers (`convert_to_read`: False for an empty value, [id, display_name] for a many2one, floats for
 * numeric columns, "YYYY-MM-DD HH:MM:SS" in UTC for datetimes), and the one2many command tuples.
 */
import { PythonError } from '../odoo.errors';
import type { FieldDef } from './model.catalogue';

function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value) ?? String(value);
}

function wrongValue(model: string, f: FieldDef, value: unknown): PythonError {
  return new PythonError('ValueError', `Wrong value for ${model}.${f.name}: ${repr(value)}`);
}

const DATE = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?)?$/;

/** The column value of a stored field for `create`/`write`. Translated fields are handled by the caller. */
export function toColumn(model: string, f: FieldDef, value: unknown): unknown {
  const empty = value === false || value === null || value === undefined;
  switch (f.type) {
    case 'integer':
    case 'many2one_reference':
      if (empty) return f.type === 'integer' ? 0 : null;
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongValue(model, f, value);
      return Math.trunc(value);
    case 'float':
    case 'monetary':
      if (empty) return 0;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw wrongValue(model, f, value);
    case 'boolean':
      return Boolean(value);
    case 'many2one':
      if (empty) return null;
      if (Array.isArray(value) && Number.isInteger(value[0])) return value[0];
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongValue(model, f, value);
      return value;
    case 'selection':
      if (empty) return null;
      if (!f.selection?.some(([key]) => key === value)) throw wrongValue(model, f, value);
      return value;
    case 'date': {
      if (empty) return null;
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      if (!m) throw new PythonError('ValueError', `time data ${repr(value)} does not match format '%Y-%m-%d'`);
      return m[1];
    }
    case 'datetime': {
      if (empty) return null;
      const m = typeof value === 'string' ? DATETIME.exec(value) : null;
      if (!m) {
        throw new PythonError('ValueError', `time data ${repr(value)} does not match format '%Y-%m-%d %H:%M:%S'`);
      }
      return `${m[1]} ${m[2] ?? '00:00:00'}`;
    }
    case 'char':
    case 'text':
    case 'html':
      if (empty) return null;
      if (typeof value === 'object') throw wrongValue(model, f, value);
      return String(value);
    default:
      throw wrongValue(model, f, value);
  }
}

/** A value as `read` answers it; `display` gives a many2one's display name (or undefined when not loaded). */
export function toRead(f: FieldDef, raw: unknown, display: (id: number) => string | undefined): unknown {
  switch (f.type) {
    case 'integer':
      return raw === null || raw === undefined ? 0 : Number(raw);
    case 'many2one_reference':
      return raw === null || raw === undefined ? false : Number(raw);
    case 'float':
    case 'monetary':
      return raw === null || raw === undefined ? 0 : Number(raw);
    case 'boolean':
      return Boolean(raw);
    case 'many2one': {
      if (raw === null || raw === undefined) return false;
      const id = Number(raw);
      const name = display(id);
      return name === undefined ? id : [id, name];
    }
    case 'date':
      return raw ? String(raw).slice(0, 10) : false;
    case 'datetime':
      return raw ? String(raw).replace('T', ' ').slice(0, 19) : false;
    default:
      return raw === null || raw === undefined || raw === '' ? false : raw;
  }
}

/** One command of the `(code, id, values)` tuples a one2many takes (`Command.create`, `Command.update`, ...). */
export type X2ManyCommand =
  | { op: 'create'; values: Record<string, unknown> }
  | { op: 'update'; id: number; values: Record<string, unknown> }
  | { op: 'delete'; id: number }
  | { op: 'unlink'; id: number }
  | { op: 'link'; id: number }
  | { op: 'clear' }
  | { op: 'set'; ids: number[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a one2many value: a list of commands, or (as Odoo accepts) a list of ids meaning "set". */
export function parseX2ManyCommands(model: string, f: FieldDef, value: unknown): X2ManyCommand[] {
  if (value === false || value === null) return [{ op: 'clear' }];
  if (!Array.isArray(value)) throw wrongValue(model, f, value);
  if (value.every((v) => Number.isInteger(v))) return [{ op: 'set', ids: value as number[] }];
  return value.map((command): X2ManyCommand => {
    if (!Array.isArray(command) || command.length === 0) throw wrongValue(model, f, command);
    const [code, id, values] = command as [unknown, unknown, unknown];
    const recordId = () => {
      if (!Number.isInteger(id)) throw wrongValue(model, f, command);
      return id as number;
    };
    switch (code) {
      case 0:
        if (!isRecord(values)) throw wrongValue(model, f, command);
        return { op: 'create', values };
      case 1:
        if (!isRecord(values)) throw wrongValue(model, f, command);
        return { op: 'update', id: recordId(), values };
      case 2:
        return { op: 'delete', id: recordId() };
      case 3:
        return { op: 'unlink', id: recordId() };
      case 4:
        return { op: 'link', id: recordId() };
      case 5:
        return { op: 'clear' };
      case 6:
        if (!Array.isArray(values) || !values.every((v) => Number.isInteger(v))) throw wrongValue(model, f, command);
        return { op: 'set', ids: values as number[] };
      default:
        throw wrongValue(model, f, command);
    }
  });
}

/** Python's repr of a recordset, as Odoo prints it in MissingError messages: `res.partner(7,)`, `sale.order(1, 2)`. */
export function recordsetRepr(model: string, ids: readonly number[]): string {
  return ids.length === 1 ? `${model}(${ids[0]},)` : `${model}(${ids.join(', ')})`;
}
