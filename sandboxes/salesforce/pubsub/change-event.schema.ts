/**
 * The Avro schema of each object's change events, as the Pub/Sub API serves it (`GetSchema`), and what follows from
 * its field positions: the `changedFields` / `nulledFields` / `diffFields` bitmaps and the payload record.
 *
 * Layout, as Salesforce documents it: `ChangeEventHeader` first, then the object's fields, every one nullable (an
 * unchanged field is null in an update). Not in a change event: `Id` (the header's `recordIds` carries it),
 * `IsDeleted`, `SystemModstamp`, and values computed from other fields (formulas; here the catalogue's `derivedFrom`
 * fields). A compound field (Account `BillingAddress`, Contact `Name`) is one nested record at the position of its
 * first component; date and datetime values are epoch milliseconds.
 */
import { createHash } from 'node:crypto';

import { Type } from 'avsc';

import type { FieldValue } from '../record.store';
import type { FieldDef, FieldType, SObjectCatalogue, SObjectDef } from '../sobject.catalogue';

/** Change types of `ChangeEventHeader.changeType` (`SNAPSHOT` is reserved by Salesforce for future use). */
export const CHANGE_TYPES = [
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
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** `ChangeEventHeader` as encoded: the three field lists are bitmaps (hex strings), not names. */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

const HEADER_SCHEMA = {
  type: 'record',
  name: 'ChangeEventHeader',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', symbols: [...CHANGE_TYPES] } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

const AVRO_TYPES: Record<FieldType, 'string' | 'boolean' | 'int' | 'double' | 'long'> = {
  id: 'string',
  string: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
  picklist: 'string',
  reference: 'string',
  boolean: 'boolean',
  int: 'int',
  double: 'double',
  currency: 'double',
  date: 'long',
  datetime: 'long',
};

/** The `doc` Salesforce writes on each field: its role and data type (`Data:Text`, `CreatedDate:DateTime`). */
const DOC_TYPES: Record<FieldType, string> = {
  id: 'EntityId',
  string: 'Text',
  textarea: 'MultiLineText',
  email: 'Email',
  phone: 'Phone',
  url: 'Url',
  picklist: 'DynamicEnum',
  reference: 'EntityId',
  boolean: 'Boolean',
  int: 'Integer',
  double: 'Double',
  currency: 'Currency',
  date: 'DateOnly',
  datetime: 'DateTime',
};

const NOT_IN_CHANGE_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

/** A top-level field of the event: a plain field, or a compound with its components in order. */
export type EventField =
  | { kind: 'plain'; name: string; position: number; field: FieldDef }
  | { kind: 'compound'; name: string; position: number; components: { name: string; field: FieldDef }[] };

/** `Account` → `AccountChangeEvent`; `Odoo_Invoice__c` → `Odoo_Invoice__ChangeEvent`. */
export function changeEventName(objectName: string): string {
  return objectName.endsWith('__c') ? `${objectName.slice(0, -1)}ChangeEvent` : `${objectName}ChangeEvent`;
}

function compoundTypeName(field: string): string {
  if (field.endsWith('Address')) return 'Address';
  return field === 'Name' ? 'PersonName' : field;
}

function nullable(type: unknown, doc?: string) {
  return doc === undefined ? { type: ['null', type], default: null } : { type: ['null', type], doc, default: null };
}

function docOf(field: FieldDef): string {
  if (field.name === 'CreatedDate' || field.name === 'LastModifiedDate') return `${field.name}:DateTime`;
  return `Data:${DOC_TYPES[field.type]}`;
}

/** Stored value → Avro value: dates and datetimes become epoch milliseconds. */
export function toAvroValue(field: FieldDef, value: FieldValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === 'date') return Date.parse(`${String(value)}T00:00:00Z`);
  if (field.type === 'datetime') return Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (field.type === 'int') return Math.trunc(Number(value));
  return value;
}

/** One object's change event: its schema (id, JSON, avsc type), its channel and its field positions. */
export class ChangeEventSchema {
  readonly eventName: string;
  /** `/data/AccountChangeEvent`. */
  readonly topic: string;
  readonly fields: readonly EventField[];
  readonly schemaJson: string;
  /** A 22-character fingerprint of the schema, stable while the object's fields are. */
  readonly schemaId: string;
  readonly type: Type;
  /** Catalogue field name → its top-level field (and component position when in a compound). */
  private readonly placement = new Map<string, { top: EventField; child?: number }>();

  constructor(readonly object: SObjectDef) {
    this.eventName = changeEventName(object.name);
    this.topic = `/data/${this.eventName}`;
    const fields: EventField[] = [];
    const compounds = new Map<string, Extract<EventField, { kind: 'compound' }>>();
    for (const field of object.fields) {
      if (NOT_IN_CHANGE_EVENTS.has(field.name)) continue;
      if (field.compound) {
        let compound = compounds.get(field.compound.field);
        if (!compound) {
          compound = { kind: 'compound', name: field.compound.field, position: fields.length + 1, components: [] };
          compounds.set(compound.name, compound);
          fields.push(compound);
        }
        this.placement.set(field.name, { top: compound, child: compound.components.length });
        compound.components.push({ name: field.compound.component, field });
        continue;
      }
      // Computed values are not sent, except the compound a derived field stands for (Contact.Name).
      if (field.derivedFrom) continue;
      const plain: EventField = { kind: 'plain', name: field.name, position: fields.length + 1, field };
      this.placement.set(field.name, { top: plain });
      fields.push(plain);
    }
    this.fields = fields;

    const typeNames = new Set<string>();
    const avroFields = fields.map((f) => {
      if (f.kind === 'plain') return { name: f.name, ...nullable(AVRO_TYPES[f.field.type], docOf(f.field)) };
      let typeName = compoundTypeName(f.name);
      for (let n = 2; typeNames.has(typeName); n++) typeName = `${compoundTypeName(f.name)}${n}`;
      typeNames.add(typeName);
      const record = {
        type: 'record',
        name: typeName,
        fields: f.components.map((c) => ({ name: c.name, ...nullable(AVRO_TYPES[c.field.type]) })),
      };
      return { name: f.name, ...nullable(record, f.name.endsWith('Address') ? 'Data:Address' : 'Data:PersonName') };
    });
    const schema = {
      type: 'record',
      name: this.eventName,
      namespace: 'com.sforce.eventbus',
      fields: [{ name: 'ChangeEventHeader', type: HEADER_SCHEMA, doc: 'Data:ComplexValueType' }, ...avroFields],
    };
    this.schemaId = createHash('sha256').update(JSON.stringify(schema)).digest('base64url').slice(0, 22);
    // Salesforce's schema JSON carries its own id as `uuid`.
    this.schemaJson = JSON.stringify({ ...schema, uuid: this.schemaId });
    this.type = Type.forSchema(JSON.parse(this.schemaJson) as Parameters<typeof Type.forSchema>[0]);
  }

  /** Whether a catalogue field is carried by the event (directly or as a compound component). */
  carries(fieldName: string): boolean {
    return this.placement.has(fieldName);
  }

  /** Catalogue fields the event carries, in schema order. */
  carriedFields(): FieldDef[] {
    return this.fields.flatMap((f) => (f.kind === 'plain' ? [f.field] : f.components.map((c) => c.field)));
  }

  /**
   * The bitmap list for a set of catalogue fields, as Pub/Sub sends `changedFields`, `nulledFields` and `diffFields`:
   * first a hex bitmap over the top-level fields (bit i = the i-th field of the schema, the header being field 0),
   * then one `'{position}-{bitmap}'` element per compound with components in the set. Hex digits are upper case, in
   * whole bytes. Empty when the set is; the top-level element is left out when only compound components are in it.
   */
  bitmap(fieldNames: Iterable<string>): string[] {
    const top: number[] = [];
    const nested = new Map<number, number[]>();
    for (const name of fieldNames) {
      const place = this.placement.get(name);
      if (!place) continue;
      if (place.child === undefined) top.push(place.top.position);
      else nested.set(place.top.position, [...(nested.get(place.top.position) ?? []), place.child]);
    }
    const out = top.length ? [hexBitmap(top)] : [];
    for (const [position, children] of [...nested].sort(([a], [b]) => a - b)) {
      out.push(`${position}-${hexBitmap(children)}`);
    }
    return out;
  }

  /** The names a bitmap list stands for (`BillingAddress.City` for a component); the inverse of {@link bitmap}. */
  fieldNames(bitmaps: readonly string[]): string[] {
    const names: string[] = [];
    const topBits = (hex: string) =>
      [...BigInt(hex).toString(2)].reverse().flatMap((bit, i) => (bit === '1' ? [i] : []));
    for (const element of bitmaps) {
      const dash = element.indexOf('-');
      if (dash < 0) {
        for (const i of topBits(element)) names.push(this.fields[i - 1]?.name ?? `#${i}`);
        continue;
      }
      const parent = this.fields[Number(element.slice(0, dash)) - 1];
      for (const i of topBits(element.slice(dash + 1))) {
        const component = parent?.kind === 'compound' ? parent.components[i]?.name : undefined;
        names.push(`${parent?.name ?? '?'}.${component ?? `#${i}`}`);
      }
    }
    return names;
  }

  /**
   * The payload record: the header, and the values of the given fields (all others null). A compound is a record
   * when any of its components is given, its other components null.
   */
  payload(header: ChangeEventHeader, values: ReadonlyMap<string, FieldValue>): Record<string, unknown> {
    const record: Record<string, unknown> = { ChangeEventHeader: header };
    for (const f of this.fields) {
      if (f.kind === 'plain') {
        record[f.name] = values.has(f.name) ? toAvroValue(f.field, values.get(f.name)) : null;
        continue;
      }
      if (!f.components.some((c) => values.has(c.field.name))) {
        record[f.name] = null;
        continue;
      }
      record[f.name] = Object.fromEntries(
        f.components.map((c) => [
          c.name,
          values.has(c.field.name) ? toAvroValue(c.field, values.get(c.field.name)) : null,
        ]),
      );
    }
    return record;
  }
}

/** `0x` and upper-case hex of a bitmap whose set bits are `bits`, in whole bytes (`[1, 2]` → `0x06`). */
export function hexBitmap(bits: readonly number[]): string {
  let n = 0n;
  for (const bit of bits) n |= 1n << BigInt(bit);
  const hex = n.toString(16).toUpperCase();
  return `0x${hex.length % 2 ? `0${hex}` : hex}`;
}

/** Every object's change event schema, by object name, channel and schema id. */
export class ChangeEventSchemas {
  private readonly byObject = new Map<string, ChangeEventSchema>();
  private readonly byTopic = new Map<string, ChangeEventSchema>();
  private readonly byId = new Map<string, ChangeEventSchema>();

  constructor(catalogue: SObjectCatalogue) {
    for (const object of catalogue.list()) {
      const schema = new ChangeEventSchema(object);
      this.byObject.set(object.name, schema);
      this.byTopic.set(schema.topic, schema);
      this.byId.set(schema.schemaId, schema);
    }
  }

  forObject(name: string): ChangeEventSchema | undefined {
    return this.byObject.get(name);
  }

  /** Per-object channels are case-sensitive, as Salesforce's are. */
  forTopic(topic: string): ChangeEventSchema | undefined {
    return this.byTopic.get(topic);
  }

  forSchemaId(id: string): ChangeEventSchema | undefined {
    return this.byId.get(id);
  }

  list(): ChangeEventSchema[] {
    return [...this.byObject.values()];
  }
}
