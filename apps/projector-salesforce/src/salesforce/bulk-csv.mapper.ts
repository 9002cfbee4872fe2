import type { SalesforceRecordError } from './salesforce-error.mapper';
import type { SalesforceRecord } from './salesforce.port';

/** The value that sets a field to null in Bulk API CSV data (an empty value leaves the field as it is). */
export const BULK_NULL = '#N/A';

/** Salesforce's limit on one upload, before its base64 encoding (150 MB once encoded). */
export const BULK_UPLOAD_MAX_BYTES = 100 * 1024 * 1024;

/**
 * Records as a Bulk API 2.0 CSV upload (comma, LF), in the REST API's terms of the same records:
 *
 * - the header is every field any record has, in order of appearance; a parent named by external id
 *   (`Account: { Odoo_Id__c: 'x' }`) is the column `Account.Odoo_Id__c` (RelationshipName.IndexedFieldName);
 * - a field a record lacks is empty: left as it is, as a field absent from a REST body;
 * - null, and '' (the REST API stores no empty text), are `#N/A`: the field is set to null;
 * - text is always quoted (`"` doubled), so no value is read as a delimiter, line end or `#N/A`; numbers and
 *   booleans are written as JSON writes them.
 *
 * Throws TypeError for a value no Salesforce field takes (an array, a nested object that is no parent reference).
 */
export function toBulkCsv(records: readonly SalesforceRecord[]): string {
  const columns = new Map<string, { field: string; match?: string }>();
  for (const record of records) {
    for (const [field, value] of Object.entries(record)) {
      if (isReference(value)) {
        for (const match of Object.keys(value)) columns.set(`${field}.${match}`, { field, match });
      } else columns.set(field, { field });
    }
  }
  const lines = [[...columns.keys()].join(',')];
  for (const record of records) {
    const cells: string[] = [];
    for (const [name, { field, match }] of columns) {
      const value = record[field];
      cells.push(cell(name, match === undefined ? value : isReference(value) ? value[match] : undefined));
    }
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

function cell(column: string, value: unknown): string {
  if (value === undefined) return '';
  if (value === null || value === '') return BULK_NULL;
  if (typeof value === 'string') return `"${value.replace(/"/g, '""')}"`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new TypeError(
    `${column}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)} is no Bulk API value`,
  );
}

function isReference(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A failed row's `sf__Error` as the errors of a collections result: `CODE:message:fields --`, several errors one
 * after another (`REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`); a message may hold colons, the
 * fields (space-separated) are what follows the last one. Text that does not read so is one error, code UNKNOWN.
 */
export function parseBulkErrors(sfError: string): SalesforceRecordError[] {
  const errors = [...sfError.matchAll(/([A-Z][A-Z0-9_]*):(.*?):([^:]*?)--(?:\s+|$)/gs)].map(
    ([, statusCode, message, fields]) => ({
      statusCode,
      message,
      fields: fields.split(/\s+/).filter((f) => f !== ''),
    }),
  );
  return errors.length ? errors : [{ statusCode: 'UNKNOWN', message: sfError }];
}
