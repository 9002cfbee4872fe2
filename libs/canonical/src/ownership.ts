import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { avroSchemas } from './generated/avro-schemas';
import type { SourceSystem } from './generated/avro-types';
import { originOfCanonicalId } from './canonical-ids';

/** A system of record: the envelope's `sourceSystem` symbols in lower case (odoo, salesforce, support, hub). */
export type SystemOfRecord = Lowercase<SourceSystem>;

/**
 * The owner the table gives a field: a system, or `origin`, the system the record was created in (read from its
 * canonical id, see {@link originOfCanonicalId}). `origin` lets a system own the identity of the records it creates
 * (a customer created in Salesforce keeps its Salesforce name and address) while every other field keeps one owner.
 */
export type FieldOwner = SystemOfRecord | 'origin' | readonly SystemOfRecord[];

/**
 * Whether `owner` gives the field to `system` for a record created in `origin`. A list of systems is for an
 * identifier several systems state and cannot disagree on (the Salesforce Id of an Account: Salesforce states its own,
 * Odoo the one its partner is linked to); a value is never a list's to merge, each system publishes what it knows.
 */
export function ownedBy(owner: FieldOwner, system: SystemOfRecord, origin: SystemOfRecord): boolean {
  if (Array.isArray(owner)) return owner.includes(system);
  return owner === system || (owner === 'origin' && origin === system);
}

/** The field every event carries whatever its source: the canonical id is the key, never dropped by ownership. */
const CANONICAL_ID_FIELD = 'id';

/** The ownership file does not fit the schemas; each problem names `Entity.field` (or `Entity`) and what is wrong. */
export class OwnershipError extends Error {
  override readonly name = 'OwnershipError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid field ownership:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A canonical entity: the record carried by one `*Event` schema next to its envelope. */
export interface CanonicalEntity {
  /** Record name, e.g. Customer. */
  name: string;
  /** The event schema that carries it, e.g. CustomerEvent. */
  eventSchema: string;
  /** The event's field holding it, e.g. customer. */
  eventField: string;
  /** Top-level fields in schema order: the unit of ownership. */
  fields: readonly string[];
}

type SchemaSet = Readonly<Record<string, unknown>>;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every named type of the schema set, by short and full name (expanded schemas define each type once). */
function namedTypes(schemas: SchemaSet): Map<string, Json> {
  const named = new Map<string, Json>();
  const walk = (schema: unknown, ns: string | undefined): void => {
    if (Array.isArray(schema)) return schema.forEach((s) => walk(s, ns));
    if (!isObject(schema)) return;
    const here = typeof schema.namespace === 'string' ? schema.namespace : ns;
    if (typeof schema.name === 'string' && ['record', 'enum', 'fixed', 'error'].includes(String(schema.type))) {
      named.set(schema.name, schema);
      if (here) named.set(`${here}.${schema.name}`, schema);
    }
    if (Array.isArray(schema.fields)) schema.fields.forEach((f) => isObject(f) && walk(f.type, here));
    walk(schema.items, here);
    walk(schema.values, here);
    if (isObject(schema.type) || Array.isArray(schema.type)) walk(schema.type, here);
  };
  Object.values(schemas).forEach((s) => walk(s, undefined));
  return named;
}

/**
 * The canonical entities of a schema set (default: the generated {@link avroSchemas}): for each `*Event`, the record
 * in its one non-envelope field. New schemas in `schemas/avro` appear here after `npm run codegen`.
 */
export function canonicalEntities(schemas: SchemaSet = avroSchemas): CanonicalEntity[] {
  const named = namedTypes(schemas);
  const resolveRecord = (type: unknown): Json | undefined => {
    const members = Array.isArray(type) ? type : [type];
    for (const member of members) {
      const t = typeof member === 'string' ? named.get(member) : member;
      if (isObject(t) && t.type === 'record') return t;
    }
    return undefined;
  };
  const entities: CanonicalEntity[] = [];
  for (const [eventSchema, schema] of Object.entries(schemas)) {
    if (!isObject(schema) || !Array.isArray(schema.fields)) continue;
    for (const field of schema.fields) {
      if (!isObject(field) || field.name === 'envelope') continue;
      const record = resolveRecord(field.type);
      if (!record || !Array.isArray(record.fields)) continue;
      entities.push({
        name: String(record.name),
        eventSchema,
        eventField: String(field.name),
        fields: record.fields.filter(isObject).map((f) => String(f.name)),
      });
    }
  }
  return entities;
}

/** The systems a field may belong to: the symbols of the envelope's `SourceSystem` enum, lower-cased. */
export function systemsOfRecord(schemas: SchemaSet = avroSchemas): SystemOfRecord[] {
  const sourceSystem = namedTypes(schemas).get('SourceSystem');
  if (!sourceSystem || !Array.isArray(sourceSystem.symbols)) {
    throw new Error('the canonical schemas define no SourceSystem enum: cannot tell which systems may own fields');
  }
  return sourceSystem.symbols.map((s) => String(s).toLowerCase() as SystemOfRecord);
}

export interface OwnershipParseOptions {
  /** Named in errors, e.g. the file path. */
  source?: string;
  /** The event schemas to validate against; default the generated canonical schemas. */
  schemas?: SchemaSet;
}

/**
 * Which system is the system of record for each top-level field of each canonical entity (config/ownership.yaml).
 * Immutable once built; construction validates the whole table against the schemas, so a FieldOwnership in hand is
 * complete: every field of every entity has exactly one owner. Nested records and arrays (`address`, `lines`) are
 * owned as a whole by their top-level field; dotted paths are refused.
 */
export class FieldOwnership {
  private constructor(
    private readonly owners: ReadonlyMap<string, ReadonlyMap<string, FieldOwner>>,
    /** Entity → field → systems that state it only to recognise a record by (`matchKeys` in the file). */
    private readonly matchKeys: ReadonlyMap<string, ReadonlyMap<string, readonly SystemOfRecord[]>> = new Map(),
  ) {}

  /** Parses YAML text. Throws {@link OwnershipError} listing every problem (not just the first). */
  static parse(text: string, options: OwnershipParseOptions = {}): FieldOwnership {
    const source = options.source ?? 'ownership';
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (error) {
      throw new OwnershipError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
    }
    return FieldOwnership.fromData(data, options);
  }

  /**
   * Validates an already parsed document (`{ entities: { Entity: { field: system } }, matchKeys?: { Entity: { field:
   * [system, …] } } }`).
   */
  static fromData(data: unknown, options: OwnershipParseOptions = {}): FieldOwnership {
    const source = options.source ?? 'ownership';
    const entities = canonicalEntities(options.schemas);
    const systems = systemsOfRecord(options.schemas);
    const byName = new Map(entities.map((e) => [e.name, e]));
    const problems: string[] = [];
    const owners = new Map<string, Map<string, FieldOwner>>();

    if (!isObject(data)) throw new OwnershipError(source, ['expected a mapping with an `entities` key']);
    for (const key of Object.keys(data)) {
      if (key !== 'entities' && key !== 'matchKeys') problems.push(`${key}: unknown top-level key`);
    }
    if (!isObject(data.entities)) {
      throw new OwnershipError(source, [...problems, 'entities: expected a mapping of entity → field → system']);
    }
    for (const [entityName, declared] of Object.entries(data.entities)) {
      const entity = byName.get(entityName);
      if (!entity) {
        problems.push(`${entityName}: unknown entity (known: ${[...byName.keys()].sort().join(', ')})`);
        continue;
      }
      if (!isObject(declared)) {
        problems.push(`${entityName}: expected a mapping of field → system`);
        continue;
      }
      const fields = new Map<string, FieldOwner>();
      for (const [field, system] of Object.entries(declared)) {
        const path = `${entityName}.${field}`;
        if (field.includes('.')) {
          const top = field.split('.')[0];
          problems.push(`${path}: ownership is per top-level field, give ${entityName}.${top} one owner`);
        } else if (!entity.fields.includes(field)) {
          problems.push(`${path}: unknown field (${entityName} has ${entity.fields.join(', ')})`);
        } else if (Array.isArray(system)) {
          const unknown = system.filter((s) => typeof s !== 'string' || !(systems as string[]).includes(s));
          if (system.length < 2 || unknown.length || new Set(system).size !== system.length) {
            problems.push(
              `${path}: a list of owners names two or more distinct systems of ${systems.join(', ')} ` +
                `(got ${JSON.stringify(system)})`,
            );
          } else {
            fields.set(field, system as SystemOfRecord[]);
          }
        } else if (typeof system !== 'string' || ![...systems, 'origin'].includes(system)) {
          problems.push(
            `${path}: unknown system ${JSON.stringify(system)} (expected one of ${[...systems, 'origin'].join(', ')})` +
              `, or a list of two or more systems`,
          );
        } else {
          fields.set(field, system as FieldOwner);
        }
      }
      for (const field of entity.fields) {
        if (!(field in declared)) problems.push(`${entityName}.${field}: no system of record`);
      }
      // Schema order, so fieldsOwnedBy lists fields as the schema does whatever order the file uses.
      owners.set(entityName, new Map(entity.fields.filter((f) => fields.has(f)).map((f) => [f, fields.get(f)!])));
    }
    for (const entity of entities) {
      if (!(entity.name in data.entities)) {
        problems.push(`${entity.name}: no ownership declared (carried by ${entity.eventSchema})`);
      }
    }
    const matchKeys = parseMatchKeys(data.matchKeys, byName, systems, owners, problems);
    if (problems.length) throw new OwnershipError(source, problems);
    return new FieldOwnership(owners, matchKeys);
  }

  /** Entity names, in file order. */
  entities(): string[] {
    return [...this.owners.keys()];
  }

  /** Field → owner of one entity, in schema order. Throws {@link OwnershipError} for an unknown entity. */
  ownersOf(entity: string): ReadonlyMap<string, FieldOwner> {
    const owners = this.owners.get(entity);
    if (!owners) throw new OwnershipError('ownership', [`${entity}: unknown entity`]);
    return owners;
  }

  /** The owner of `entity.field` (a system or `origin`). Throws {@link OwnershipError} for an unknown entity or field. */
  ownerOf(entity: string, field: string): FieldOwner {
    const owner = this.ownersOf(entity).get(field);
    if (!owner) throw new OwnershipError('ownership', [`${entity}.${field}: unknown field`]);
    return owner;
  }

  /**
   * Top-level fields of `entity` that `system` owns, in schema order (empty when it owns none). With `recordId` (a
   * canonical id), the fields of that record: `origin` fields count when the record was created in `system`.
   * Without it, every field `system` may own: its own and the `origin` ones (e.g. to check what a mapping may read).
   */
  fieldsOwnedBy(entity: string, system: SystemOfRecord, recordId?: string): string[] {
    const owners = [...this.ownersOf(entity)];
    const byOrigin = owners.some(([, owner]) => owner === 'origin');
    const origin = !byOrigin || recordId === undefined ? system : originOfCanonicalId(recordId);
    return owners.filter(([, owner]) => ownedBy(owner, system, origin)).map(([f]) => f);
  }

  /** Field → the systems that state it as a match key only, for one entity (empty when it has none). */
  matchKeysTable(entity: string): ReadonlyMap<string, readonly SystemOfRecord[]> {
    return this.matchKeys.get(entity) ?? new Map();
  }

  /**
   * Fields of `entity` that `system` states without owning them, only so a receiver can recognise the record (a VAT
   * number a rep typed in Salesforce, matched against Odoo's partners but never written over Odoo's): in schema order.
   * They travel in `system`'s events ({@link pickOwnedFields}) and are never among {@link fieldsOwnedBy}, so no
   * receiver writes them as values. With `recordId`, only for a record created in `system`: one created elsewhere is
   * known to its receiver by its own id already, and needs no key.
   */
  matchKeysOf(entity: string, system: SystemOfRecord, recordId?: string): string[] {
    const keys = this.matchKeys.get(entity);
    if (!keys) return [];
    if (recordId !== undefined && originOfCanonicalId(recordId) !== system) return [];
    return [...this.ownersOf(entity).keys()].filter((f) => keys.get(f)?.includes(system));
  }

  /**
   * A deep copy of `record` with only the top-level fields `system` owns for this record (its `origin` fields when
   * the record's canonical id says it was created in `system`) and, for a record created there, its match keys
   * ({@link matchKeysOf}), plus the
   * canonical id, which every event carries. Fields absent from `record` stay absent; keys the schema does not know are
   * dropped. Use it before publishing or writing a record for `system`, so a system never overwrites what another one
   * owns.
   */
  pickOwnedFields<T extends object>(entity: string, system: SystemOfRecord, record: T): Partial<T> {
    const out: Record<string, unknown> = {};
    const id = (record as Record<string, unknown>)[CANONICAL_ID_FIELD];
    const recordId = typeof id === 'string' ? id : undefined;
    const owned = new Set([
      ...this.fieldsOwnedBy(entity, system, recordId),
      ...this.matchKeysOf(entity, system, recordId),
    ]);
    for (const field of [CANONICAL_ID_FIELD, ...[...owned].filter((f) => f !== CANONICAL_ID_FIELD)]) {
      if (Object.prototype.hasOwnProperty.call(record, field)) {
        out[field] = structuredClone((record as Record<string, unknown>)[field]);
      }
    }
    return out as Partial<T>;
  }
}

/**
 * The `matchKeys` section: entity → field → the systems (a list) that state the field to be recognised by. A field
 * must exist, and a system listed must not own it already (it would be a value, not only a key).
 */
function parseMatchKeys(
  data: unknown,
  byName: ReadonlyMap<string, CanonicalEntity>,
  systems: readonly SystemOfRecord[],
  owners: ReadonlyMap<string, ReadonlyMap<string, FieldOwner>>,
  problems: string[],
): Map<string, Map<string, SystemOfRecord[]>> {
  const out = new Map<string, Map<string, SystemOfRecord[]>>();
  if (data === undefined || data === null) return out;
  if (!isObject(data)) {
    problems.push('matchKeys: expected a mapping of entity → field → [system, …]');
    return out;
  }
  for (const [entityName, declared] of Object.entries(data)) {
    const entity = byName.get(entityName);
    if (!entity) {
      problems.push(`matchKeys.${entityName}: unknown entity`);
      continue;
    }
    if (!isObject(declared)) {
      problems.push(`matchKeys.${entityName}: expected a mapping of field → [system, …]`);
      continue;
    }
    const fields = new Map<string, SystemOfRecord[]>();
    for (const [field, listed] of Object.entries(declared)) {
      const path = `matchKeys.${entityName}.${field}`;
      if (!entity.fields.includes(field)) {
        problems.push(`${path}: unknown field (${entityName} has ${entity.fields.join(', ')})`);
        continue;
      }
      const list = Array.isArray(listed) ? listed : [listed];
      const bad = list.filter((s) => typeof s !== 'string' || !(systems as string[]).includes(s));
      if (list.length === 0 || bad.length) {
        problems.push(`${path}: expected a list of systems of ${systems.join(', ')} (got ${JSON.stringify(listed)})`);
        continue;
      }
      const owner = owners.get(entityName)?.get(field);
      const owning = list.filter(
        (s) => owner !== undefined && ownedBy(owner, s as SystemOfRecord, s as SystemOfRecord),
      );
      if (owning.length) {
        problems.push(
          `${path}: ${owning.join(', ')} already owns ${entityName}.${field}; a match key is for the others`,
        );
        continue;
      }
      fields.set(field, list as SystemOfRecord[]);
    }
    out.set(entityName, fields);
  }
  return out;
}

/** Where the hub keeps the table, relative to the repository (or deployment) root. */
export const OWNERSHIP_FILE = 'config/ownership.yaml';

/** The first `config/ownership.yaml` above this module (source tree or dist), else under the working directory. */
export function defaultOwnershipPath(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, OWNERSHIP_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(OWNERSHIP_FILE);
  }
}

/**
 * Reads and validates the ownership file; call it at start so a bad table fails boot.
 * Throws {@link OwnershipError} (every problem named) or the file system's error when the file is missing.
 */
export function loadFieldOwnership(path: string = defaultOwnershipPath()): FieldOwnership {
  return FieldOwnership.parse(readFileSync(path, 'utf8'), { source: path });
}

let shared: FieldOwnership | undefined;

/** The hub's table from {@link defaultOwnershipPath}, loaded and validated on first use, then cached. */
export function fieldOwnership(): FieldOwnership {
  shared ??= loadFieldOwnership();
  return shared;
}

/** {@link FieldOwnership.fieldsOwnedBy} on the hub's table. */
export function fieldsOwnedBy(entity: string, system: SystemOfRecord, recordId?: string): string[] {
  return fieldOwnership().fieldsOwnedBy(entity, system, recordId);
}

/** {@link FieldOwnership.pickOwnedFields} on the hub's table. */
export function pickOwnedFields<T extends object>(entity: string, system: SystemOfRecord, record: T): Partial<T> {
  return fieldOwnership().pickOwnedFields(entity, system, record);
}
