/**
 * A Salesforce change event in the hub's terms, whatever client delivered it: the `ChangeEventHeader` fields the hub
 * reads and the record fields of the payload, compound fields (BillingAddress, Name) flattened to their component
 * names (BillingCity, FirstName) as the REST API names them.
 */
export type ChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW'
  // Reserved by Salesforce for future use; read like a create (every field of the record).
  | 'SNAPSHOT';

export const CHANGE_TYPES: readonly ChangeType[] = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
  'SNAPSHOT',
];

export type FieldValue = string | number | boolean | null;

export interface SalesforceChange {
  /** The channel it came on, e.g. /data/AccountChangeEvent. */
  channel: string;
  /** Opaque replay id, as the decimal text of its unsigned big-endian value. */
  replayId: string;
  entityName: string;
  /** Usually one; several for a merged event (one change to several records of a type in one transaction). */
  recordIds: string[];
  changeType: ChangeType;
  /** `com/salesforce/api/<api>/<version>;client=<id>`, or empty for a change made in the UI. */
  changeOrigin: string;
  commitUser: string;
  /** Epoch milliseconds of the commit. */
  commitTimestamp: number;
  transactionKey: string;
  sequenceNumber: number;
  /** Fields this change set (component names for compound fields), LastModifiedDate included. */
  changedFields: string[];
  /** Fields this change set to null. */
  nulledFields: string[];
  /** The record's field values as the event carries them: a field not changed is absent. */
  fields: Record<string, FieldValue>;
}

/** A change event the hub cannot read: dead-lettered with its replay id, and the stream goes on. */
export class UndecodableChangeError extends Error {
  override readonly name = 'UndecodableChangeError';
  constructor(
    readonly replayId: string,
    message: string,
  ) {
    super(`change event ${replayId}: ${message}`);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Header fields the hub does not carry as record fields. */
const NOT_RECORD_FIELDS = new Set(['ChangeEventHeader']);

function text(value: unknown, what: string, replayId: string): string {
  if (typeof value === 'string') return value;
  throw new UndecodableChangeError(replayId, `ChangeEventHeader.${what} is ${JSON.stringify(value)}, not text`);
}

function number(value: unknown, what: string, replayId: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw new UndecodableChangeError(replayId, `ChangeEventHeader.${what} is ${String(value)}, not a number`);
}

function names(value: unknown, what: string, replayId: string): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new UndecodableChangeError(replayId, `ChangeEventHeader.${what} is not a list of field names`);
}

/** A field name a change lists, in REST terms: `BillingAddress.City` → `BillingCity`, `Name.FirstName` → `FirstName`. */
export function restFieldName(name: string): string {
  const dot = name.indexOf('.');
  if (dot < 0) return name;
  const [parent, child] = [name.slice(0, dot), name.slice(dot + 1)];
  // Address compounds prefix their components (BillingAddress.City is BillingCity); a person's Name does not.
  return parent.endsWith('Address') ? `${parent.slice(0, -'Address'.length)}${child}` : child;
}

function scalar(value: unknown): FieldValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * Reads the payload of a decoded change event (bitmaps already turned into field names by the client) into a
 * {@link SalesforceChange}. Throws {@link UndecodableChangeError} naming what is missing or wrong.
 */
export function readChangePayload(channel: string, replayId: string, payload: unknown): SalesforceChange {
  if (!isObject(payload)) throw new UndecodableChangeError(replayId, 'the payload is not a record');
  const header = payload.ChangeEventHeader;
  if (!isObject(header)) throw new UndecodableChangeError(replayId, 'the payload has no ChangeEventHeader');
  const changeType = text(header.changeType, 'changeType', replayId);
  if (!(CHANGE_TYPES as string[]).includes(changeType)) {
    throw new UndecodableChangeError(replayId, `unknown changeType ${changeType}`);
  }
  const recordIds = names(header.recordIds, 'recordIds', replayId);
  const fields: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (NOT_RECORD_FIELDS.has(name) || value === null || value === undefined) continue;
    if (isObject(value)) {
      // A compound field: its components, each under its REST name.
      for (const [component, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) fields[restFieldName(`${name}.${component}`)] = scalar(v);
      }
    } else {
      fields[name] = scalar(value);
    }
  }
  return {
    channel,
    replayId,
    entityName: text(header.entityName, 'entityName', replayId),
    recordIds,
    changeType: changeType as ChangeType,
    changeOrigin: typeof header.changeOrigin === 'string' ? header.changeOrigin : '',
    commitUser: typeof header.commitUser === 'string' ? header.commitUser : '',
    commitTimestamp: number(header.commitTimestamp, 'commitTimestamp', replayId),
    transactionKey: typeof header.transactionKey === 'string' ? header.transactionKey : '',
    sequenceNumber: header.sequenceNumber === undefined ? 0 : number(header.sequenceNumber, 'sequenceNumber', replayId),
    changedFields: names(header.changedFields, 'changedFields', replayId).map(restFieldName),
    nulledFields: names(header.nulledFields, 'nulledFields', replayId).map(restFieldName),
    fields,
  };
}

/** Whether the change is a gap (`GAP_*`, `GAP_OVERFLOW`): it carries no field values, the records must be re-read. */
export const isGap = (change: SalesforceChange): boolean => change.changeType.startsWith('GAP_');
