/**
 * Bulk API 2.0 CSV rows → the parsed records the DML writes, with the CSV rules of the Bulk API:
 *
 * - header columns are field names (case-insensitive) or `Relationship.ExternalIdField` for a parent named by an
 *   external id (`Account.Odoo_Id__c` on Contact); a column naming nothing fails the whole job
 *   (`InvalidBatch : Field name not found : X`);
 * - an empty value leaves the field as it is (unset on insert), `#N/A` sets it to null;
 * - a value that is not of the field's type fails its row alone (INVALID_TYPE_ON_FIELD_IN_RECORD), where a REST body
 *   with the same mistake fails the whole request.
 */
import { JobFailures } from './bulk-ingest.errors';
import { ApiFailure, SaveErrors, type SaveError } from './salesforce.errors';
import { coerceJsonValue, type ExternalReference, type ParsedRecord } from './sobject-dml.service';
import type { FieldValue } from './record.store';
import {
  findField,
  findRelationship,
  type FieldDef,
  type SObjectCatalogue,
  type SObjectDef,
} from './sobject.catalogue';

/** The value that sets a field to null in Bulk API CSV data. */
export const CSV_NULL = '#N/A';

type Column =
  | { kind: 'id' }
  | { kind: 'field'; field: FieldDef }
  | { kind: 'reference'; field: FieldDef; target: SObjectDef; matchField: FieldDef };

/** The header could not be mapped; the message is the job's `errorMessage`. */
export class HeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

/** One row: the record to write and the Id it names (for update and delete jobs), or why it cannot be written. */
export type MappedRow = { ok: true; parsed: ParsedRecord; id: string } | { ok: false; errors: SaveError[] };

/** A CSV text value as the field's stored value, or undefined when it is not of the field's type. */
function coerceCsvValue(field: FieldDef, raw: string): FieldValue | undefined {
  if (field.type === 'boolean') {
    if (/^(true|1)$/i.test(raw)) return true;
    if (/^(false|0)$/i.test(raw)) return false;
    return undefined;
  }
  if (field.type === 'int' && !/^[+-]?\d+$/.test(raw.trim())) return undefined;
  try {
    return coerceJsonValue(field, raw);
  } catch (e) {
    if (e instanceof ApiFailure) return undefined;
    throw e;
  }
}

export class IngestRowMapper {
  private constructor(private readonly columns: readonly Column[]) {}

  /** Throws {@link HeaderError} for a column that names no field or relationship of `object`, or one named twice. */
  static forHeader(catalogue: SObjectCatalogue, object: SObjectDef, header: readonly string[]): IngestRowMapper {
    const seen = new Set<string>();
    const columns = header.map((name): Column => {
      const key = name.trim().toLowerCase();
      if (seen.has(key)) throw new HeaderError(JobFailures.duplicateColumn(name));
      seen.add(key);
      if (key === 'id') return { kind: 'id' };
      const dot = name.indexOf('.');
      if (dot < 0) {
        const field = findField(object, name.trim());
        if (!field) throw new HeaderError(JobFailures.fieldNotFound(name));
        return { kind: 'field', field };
      }
      const field = findRelationship(object, name.slice(0, dot).trim());
      const target = field && catalogue.get(field.referenceTo ?? '');
      const matchField = target && findField(target, name.slice(dot + 1).trim());
      if (!field || !target || !matchField) throw new HeaderError(JobFailures.fieldNotFound(name));
      return { kind: 'reference', field, target, matchField };
    });
    return new IngestRowMapper(columns);
  }

  map(row: readonly string[]): MappedRow {
    const parsed: ParsedRecord = { values: new Map(), references: [], hasId: false };
    const errors: SaveError[] = [];
    let id = '';
    this.columns.forEach((column, i) => {
      const raw = row[i] ?? '';
      if (column.kind === 'id') {
        id = raw.trim();
        parsed.hasId = id !== '';
        return;
      }
      // An empty value is "not given": the field keeps its value, as the Bulk API documents.
      if (raw === '') return;
      const typed = column.kind === 'field' ? column.field : column.matchField;
      const value = raw === CSV_NULL ? null : coerceCsvValue(typed, raw);
      if (value === undefined) {
        errors.push(SaveErrors.invalidTypeOnField(typed.label, typed.name, raw));
      } else if (column.kind === 'field') {
        parsed.values.set(column.field.name, value);
      } else {
        const { field, target, matchField } = column;
        const reference: ExternalReference = { field, target, matchField, value };
        parsed.references.push(reference);
      }
    });
    return errors.length ? { ok: false, errors } : { ok: true, parsed, id };
  }
}
