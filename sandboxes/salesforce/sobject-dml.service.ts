import { ApiErrors, ApiFailure, SaveErrors, type SaveError } from './salesforce.errors';
import { looksLikeId, toCaseSafeId } from './record-id';
import type { FieldValue, RecordReader, StoredRecord, Transaction } from './record.store';
import {
  findField,
  findRelationship,
  roundCurrency,
  type FieldDef,
  type SObjectCatalogue,
  type SObjectDef,
} from './sobject.catalogue';
import type { RecordWrite, RuleBook } from './sobject.rules';

/** `"Account": {"Odoo_Id__c": "cust-42"}` in a Contact body: a parent named by its external id. */
export interface ExternalReference {
  /** The reference field it sets (Contact.AccountId). */
  field: FieldDef;
  target: SObjectDef;
  /** The parent field named in the body; not necessarily an external id (that is checked per record). */
  matchField: FieldDef;
  value: FieldValue;
}

/** A request body after request-level checks: known columns, JSON types coerced. */
export interface ParsedRecord {
  values: Map<string, FieldValue>;
  references: ExternalReference[];
  /** The body named the `Id` field (forbidden in upserts and updates). */
  hasId: boolean;
}

export type WriteOutcome = { ok: true; id: string; created: boolean } | { ok: false; errors: SaveError[] };

export type UpsertOutcome = WriteOutcome | { ok: false; multiple: StoredRecord[] };

export type DeleteOutcome = { ok: true } | { ok: false; errors: SaveError[] };

/** Salesforce's datetime wire format: `2024-05-01T12:00:00.000+0000`. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'START_ARRAY value';
  if (value !== null && typeof value === 'object') return 'START_OBJECT value';
  return `VALUE_${typeof value === 'string' ? 'STRING' : typeof value === 'number' ? 'NUMBER' : 'TRUE'} value ${String(value)}`;
}

function deserialiseFailure(type: string, value: unknown): ApiFailure {
  return ApiErrors.jsonParser(
    `Cannot deserialize instance of ${type} from ${describeJson(value)} or request may be missing a required field`,
  );
}

const TEXT_TYPES = new Set(['id', 'string', 'textarea', 'email', 'phone', 'url', 'picklist', 'reference']);
const NUMBER_TYPES = new Set(['int', 'double', 'currency']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** JSON → stored scalar, for one field. Type mismatches fail the whole request, as Salesforce's deserialiser does. */
export function coerceJsonValue(field: FieldDef, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'object') throw deserialiseFailure(TEXT_TYPES.has(field.type) ? 'string' : field.type, raw);
  if (TEXT_TYPES.has(field.type)) {
    const text = String(raw);
    return text === '' ? null : text;
  }
  if (field.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw deserialiseFailure('boolean', raw);
  }
  if (NUMBER_TYPES.has(field.type)) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) throw deserialiseFailure(field.type === 'int' ? 'int' : 'double', raw);
    return field.type === 'int' ? Math.trunc(n) : n;
  }
  if (field.type === 'date') {
    if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw))) return raw;
    throw deserialiseFailure('date', raw);
  }
  // datetime
  const parsed = typeof raw === 'string' ? Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
  if (Number.isNaN(parsed)) throw deserialiseFailure('datetime', raw);
  return formatDateTime(new Date(parsed));
}

function sameValue(field: FieldDef, a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === 'string' && typeof b === 'string' && !field.caseSensitive)
    return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

function isLive(record: StoredRecord): boolean {
  return record.values['IsDeleted'] !== true;
}

/**
 * The write path shared by every endpoint: request-level parsing, per-record validation in the
 * order Salesforce reports problems (writability, values, references, required, uniqueness, then
 * the object's rules), and the write itself inside the caller's transaction, with what the
 * platform does in consequence (cascade deletes from the catalogue, roll-ups from the rules).
 */
export class SObjectDml {
  constructor(
    private readonly catalogue: SObjectCatalogue,
    private readonly clock: () => Date,
    private readonly rules: RuleBook = {},
  ) {}

  /** Throws {@link ApiFailure} for what fails a whole request: unknown columns and JSON type mismatches. */
  parse(object: SObjectDef, body: unknown): ParsedRecord {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw deserialiseFailure(object.name, body);
    const parsed: ParsedRecord = { values: new Map(), references: [], hasId: false };
    for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
      if (key === 'attributes') continue;
      const field = findField(object, key);
      if (field) {
        if (field.name === 'Id') parsed.hasId = true;
        else parsed.values.set(field.name, coerceJsonValue(field, raw));
        continue;
      }
      const relationship = findRelationship(object, key);
      if (relationship) {
        parsed.references.push(this.parseReference(relationship, raw));
        continue;
      }
      throw ApiErrors.noSuchColumn(key, object.name);
    }
    return parsed;
  }

  private parseReference(field: FieldDef, raw: unknown): ExternalReference {
    const target = this.catalogue.get(field.referenceTo ?? '');
    if (!target) throw new Error(`catalogue: ${field.name} references unknown object ${field.referenceTo}`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw deserialiseFailure(target.name, raw);
    const keys = Object.keys(raw).filter((k) => k !== 'attributes');
    if (keys.length !== 1) {
      throw ApiFailure.of(
        400,
        'INVALID_FIELD',
        `More than 1 field provided in an external foreign key reference in entity: ${target.name}`,
      );
    }
    const key = keys[0] as string;
    const matchField = findField(target, key);
    if (!matchField) throw ApiErrors.noSuchColumn(key, target.name);
    return {
      field,
      target,
      matchField,
      value: coerceJsonValue(matchField, (raw as Record<string, unknown>)[key]),
    };
  }

  /** Live rows whose external id equals `value` (case rule from the field definition). */
  matchExternalId(reader: RecordReader, object: SObjectDef, field: FieldDef, value: FieldValue): StoredRecord[] {
    return reader
      .findBy(object.name, field.name, value, field.caseSensitive)
      .filter((r) => isLive(r) && sameValue(field, r.values[field.name], value));
  }

  create(tx: Transaction, object: SObjectDef, parsed: ParsedRecord): WriteOutcome {
    // A record without an owner belongs to the user who creates it (Salesforce's default for OwnerId).
    if (findField(object, 'OwnerId') && !parsed.values.has('OwnerId') && tx.userId) {
      parsed = { ...parsed, values: new Map(parsed.values).set('OwnerId', tx.userId) };
    }
    const prepared = this.prepare(tx, object, parsed, undefined);
    if ('errors' in prepared) return { ok: false, errors: prepared.errors };
    const id = tx.nextId(object.keyPrefix);
    this.insertRow(tx, object, id, prepared.values);
    return { ok: true, id, created: true };
  }

  /**
   * Writes a row the platform itself creates (`seedRecords`, the org's users), with no validation and no rules; with
   * the `Id` given when the row is one the sandbox's identity names (its users).
   */
  insertSeed(tx: Transaction, object: SObjectDef, values: Readonly<Record<string, FieldValue>>): string {
    const id = typeof values['Id'] === 'string' ? values['Id'] : tx.nextId(object.keyPrefix);
    this.insertRow(tx, object, id, values);
    return id;
  }

  private insertRow(
    tx: Transaction,
    object: SObjectDef,
    id: string,
    given: Readonly<Record<string, FieldValue>>,
  ): void {
    const now = formatDateTime(this.clock());
    const values: Record<string, FieldValue> = {};
    for (const f of object.fields) {
      values[f.name] = given[f.name] ?? (f.defaultsToRecordId ? id : f.type === 'boolean' ? false : null);
    }
    Object.assign(values, { Id: id, IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now });
    this.write(tx, { type: object.name, values: this.derive(object, values) });
  }

  update(tx: Transaction, object: SObjectDef, existing: StoredRecord, parsed: ParsedRecord): WriteOutcome {
    const id = existing.values['Id'] as string;
    if (!isLive(existing)) return { ok: false, errors: [SaveErrors.entityIsDeleted()] };
    const prepared = this.prepare(tx, object, parsed, existing);
    if ('errors' in prepared) return { ok: false, errors: prepared.errors };
    this.touch(tx, existing, prepared.values);
    return { ok: true, id, created: false };
  }

  /**
   * Upsert by an external id field. `lock` may veto the write of the matched row (or of a new row)
   * with an UNABLE_TO_LOCK_ROW error, which is how lock contention is injected.
   */
  upsert(
    tx: Transaction,
    object: SObjectDef,
    extField: FieldDef,
    value: FieldValue,
    parsed: ParsedRecord,
    lock?: (matchedId: string | undefined) => SaveError | undefined,
  ): UpsertOutcome {
    const matches = this.matchExternalId(tx, object, extField, value);
    if (matches.length > 1) return { ok: false, multiple: matches };
    const existing = matches[0];
    const lockError = lock?.(existing?.values['Id'] as string | undefined);
    if (lockError) return { ok: false, errors: [lockError] };
    if (existing) return this.update(tx, object, existing, parsed);
    const withKey: ParsedRecord = { ...parsed, values: new Map(parsed.values).set(extField.name, value) };
    return this.create(tx, object, withKey);
  }

  /** Soft-deletes a row and, as the platform does, its cascade-delete children; the object's rules may refuse. */
  delete(tx: Transaction, record: StoredRecord): DeleteOutcome {
    const refusal = this.rules[record.type]?.checkDelete?.(tx, record);
    if (refusal) return { ok: false, errors: [refusal] };
    this.remove(tx, record);
    return { ok: true };
  }

  /** Deletes a row and its cascade-delete children, all stamped with the same SystemModstamp. */
  private remove(tx: Transaction, record: StoredRecord, now = formatDateTime(this.clock())): void {
    this.write(tx, {
      type: record.type,
      values: { ...record.values, IsDeleted: true, LastModifiedDate: now, SystemModstamp: now },
    });
    for (const row of this.cascadeChildren(tx, record, (r) => isLive(r))) this.remove(tx, row, now);
  }

  private cascadeChildren(
    reader: RecordReader,
    record: StoredRecord,
    keep: (row: StoredRecord) => boolean,
  ): StoredRecord[] {
    const id = record.values['Id'];
    return this.catalogue
      .list()
      .flatMap((child) =>
        child.fields
          .filter((x) => x.cascadeDelete && x.referenceTo === record.type)
          .flatMap((f) => reader.list(child.name).filter((r) => r.values[f.name] === id && keep(r))),
      );
  }

  /**
   * Restores a deleted row from the Recycle Bin, with the children its delete cascaded to (those deleted in the same
   * operation, known by their SystemModstamp). Not reachable through REST (Salesforce undeletes through SOAP, Apex and
   * the UI); the admin API uses it.
   */
  undelete(tx: Transaction, record: StoredRecord): DeleteOutcome {
    if (isLive(record)) return { ok: false, errors: [SaveErrors.undeleteNotDeleted()] };
    this.restore(tx, record, formatDateTime(this.clock()));
    return { ok: true };
  }

  private restore(tx: Transaction, record: StoredRecord, now: string): void {
    const stamp = record.values['SystemModstamp'];
    const children = this.cascadeChildren(tx, record, (r) => !isLive(r) && r.values['SystemModstamp'] === stamp);
    this.write(tx, {
      type: record.type,
      values: { ...record.values, IsDeleted: false, LastModifiedDate: now, SystemModstamp: now },
    });
    for (const row of children) this.restore(tx, row, now);
  }

  /** Updates a stored row with already-validated values (a body's, or a roll-up's). */
  private touch(tx: Transaction, existing: StoredRecord, changes: Readonly<Record<string, FieldValue>>): void {
    const object = this.catalogue.get(existing.type) as SObjectDef;
    const now = formatDateTime(this.clock());
    const values = { ...existing.values, ...changes, LastModifiedDate: now, SystemModstamp: now };
    this.write(tx, { type: existing.type, values: this.derive(object, values) });
  }

  /** Stages a row, then what the object's rules change in consequence. */
  private write(tx: Transaction, record: StoredRecord): void {
    tx.put(record);
    for (const change of this.rules[record.type]?.after?.(tx, record) ?? [])
      this.touch(tx, change.record, change.values);
  }

  private derive(object: SObjectDef, values: Record<string, FieldValue>): Record<string, FieldValue> {
    for (const f of object.fields) {
      const rule = f.derivedFrom;
      if (!rule) continue;
      if ('multiply' in rule) {
        const [a, b] = rule.multiply.map((n) => values[n]);
        values[f.name] = typeof a === 'number' && typeof b === 'number' ? roundCurrency(a * b) : null;
        continue;
      }
      const parts = rule.join.map((n) => values[n]).filter((v) => v !== null && v !== undefined);
      values[f.name] = parts.length ? parts.join(rule.separator) : null;
    }
    return values;
  }

  private prepare(
    reader: RecordReader,
    object: SObjectDef,
    parsed: ParsedRecord,
    existing: StoredRecord | undefined,
  ): { values: Record<string, FieldValue> } | { errors: SaveError[] } {
    const creating = existing === undefined;
    const values: Record<string, FieldValue> = {};
    for (const [name, value] of parsed.values) values[name] = value;

    // A field set through an external-id reference (`"Order": {…}` sets OrderId) is written like any other.
    const written = new Set([...parsed.values.keys(), ...parsed.references.map((r) => r.field.name)]);
    const locked = [...written]
      .map((name) => findField(object, name) as FieldDef)
      .filter((f) => (creating ? !f.createable : !f.updateable));
    if (locked.length) return { errors: [SaveErrors.notWritable(locked.map((f) => f.name))] };

    const valueErrors = [...parsed.values.entries()].flatMap(([name, value]) =>
      this.checkValue(reader, findField(object, name) as FieldDef, value),
    );
    if (valueErrors.length) return { errors: valueErrors };
    for (const [name, value] of parsed.values) {
      if (value !== null && findField(object, name)?.type === 'reference')
        values[name] = toCaseSafeId(String(value)) ?? null;
    }

    for (const ref of parsed.references) {
      if (parsed.values.has(ref.field.name)) {
        return { errors: [SaveErrors.bothReferenceAndId(ref.field.relationshipName ?? '', ref.field.name)] };
      }
      if (!ref.matchField.externalId && ref.matchField.name !== 'Id') {
        return { errors: [SaveErrors.notExternalIdField(ref.matchField.name, ref.target.name)] };
      }
      if (ref.value === null) {
        values[ref.field.name] = null;
        continue;
      }
      const parents =
        ref.matchField.name === 'Id'
          ? [reader.get(toCaseSafeId(String(ref.value)) ?? '')].filter((r): r is StoredRecord => !!r && isLive(r))
          : this.matchExternalId(reader, ref.target, ref.matchField, ref.value);
      const shown = String(ref.value);
      if (parents.length === 0) {
        return { errors: [SaveErrors.foreignKeyNotFound(shown, ref.matchField.name, ref.target.name)] };
      }
      if (parents.length > 1) {
        return { errors: [SaveErrors.foreignKeyMatchesMany(shown, ref.matchField.name, ref.target.name)] };
      }
      values[ref.field.name] = (parents[0] as StoredRecord).values['Id'] as string;
    }

    const rules = this.rules[object.name];
    const write = (): RecordWrite => ({
      object,
      before: existing,
      values: { ...(existing?.values ?? {}), ...values },
      written,
    });
    if (rules?.fill) Object.assign(values, rules.fill(reader, write()));

    const merged = write().values;
    const missing = object.fields
      .filter((f) => f.required && (merged[f.name] === null || merged[f.name] === undefined))
      .filter((f) => !(creating && f.defaultsToRecordId))
      .map((f) => f.name);
    if (missing.length) return { errors: [SaveErrors.requiredMissing(missing)] };

    const selfId = existing?.values['Id'];
    // A blank value is never a duplicate: Salesforce's unique fields hold any number of records without a value.
    const blank = (v: unknown) => v === undefined || v === null || v === '';
    for (const f of object.fields.filter((x) => x.unique && !blank(values[x.name]))) {
      const clash = reader
        .findBy(object.name, f.name, values[f.name] ?? null, f.caseSensitive)
        .find((r) => isLive(r) && r.values['Id'] !== selfId && sameValue(f, r.values[f.name], values[f.name]));
      if (clash) return { errors: [SaveErrors.duplicateValue(f.name, clash.values['Id'] as string)] };
    }

    const refusal = rules?.check?.(reader, write());
    if (refusal) return { errors: [refusal] };
    return { values };
  }

  private checkValue(reader: RecordReader, field: FieldDef, value: FieldValue): SaveError[] {
    if (value === null) return [];
    const text = String(value);
    if (field.length && typeof value === 'string' && field.type !== 'reference' && [...value].length > field.length) {
      return [SaveErrors.stringTooLong(field.label, field.name, text, field.length)];
    }
    if (field.type === 'email' && !EMAIL.test(text)) return [SaveErrors.invalidEmail(field.label, field.name, text)];
    if (field.type === 'picklist' && field.restrictedPicklist && !(field.picklistValues ?? []).includes(text)) {
      return [SaveErrors.restrictedPicklist(field.label, field.name, text)];
    }
    if (field.type === 'reference') {
      if (!looksLikeId(text)) return [SaveErrors.malformedId(field.label, field.name, text)];
      const target = this.catalogue.get(field.referenceTo ?? '');
      if (!target || text.slice(0, 3) !== target.keyPrefix) {
        return [SaveErrors.wrongReferenceType(field.label, field.name, text)];
      }
      const parent = reader.get(toCaseSafeId(text) as string);
      if (!parent) return [SaveErrors.invalidCrossReference(field.name)];
      if (!isLive(parent)) return [SaveErrors.entityIsDeleted()];
    }
    return [];
  }
}
