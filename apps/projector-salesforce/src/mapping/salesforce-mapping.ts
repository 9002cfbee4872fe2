import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import avro from 'avsc';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { avroSchemas, canonicalAvroOptions, canonicalEntities, FieldOwnership, systemsOfRecord } from '@hub/canonical';
import type { SalesforceRecord } from '../salesforce/salesforce.port';
import {
  clearedLookup,
  compileExpression,
  Evaluate,
  ParentReference,
  parentReference,
  Scope,
} from './value-expression';

/** The mapping file does not fit the schemas or the ownership table; every problem is listed. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid Salesforce mapping:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const sObjectName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a Salesforce API name');
const writeSchema = z
  .object({
    object: sObjectName,
    externalId: z.object({ field: sObjectName, value: z.unknown() }).strict(),
    forEach: z.string().min(1).optional(),
    when: z.string().min(1).optional(),
    unless: z.string().min(1).optional(),
    linkedBy: z
      .object({ field: sObjectName, value: z.unknown(), omit: z.array(sObjectName).default([]) })
      .strict()
      .optional(),
    mode: z.enum(['upsert', 'merge', 'update']).default('upsert'),
    createOnly: z.record(sObjectName, z.unknown()).default({}),
    fields: z.record(sObjectName, z.unknown()),
    onDelete: z.union([z.literal('ignore'), z.object({ set: z.record(sObjectName, z.unknown()) }).strict()]),
  })
  .strict();
const fileSchema = z
  .object({
    version: z.literal(1),
    entities: z.record(z.string(), z.object({ writes: z.array(writeSchema).min(1) }).strict()),
  })
  .strict();

type WriteSpec = z.infer<typeof writeSchema>;

/**
 * One Salesforce record to upsert by external id. `merge` writes add fields to a record another write creates;
 * `flag` writes mark a record Odoo deleted and are meaningless for a record that was never projected. A `linkedBy`
 * write is for a record a person created in Salesforce and Odoo linked: it updates that record by its Id (setting the
 * external id on it), never creates one.
 */
export interface PlannedWrite {
  entity: string;
  object: string;
  externalIdField: string;
  externalId: string;
  fields: SalesforceRecord;
  /** Accepted by Salesforce on insert only: sent while the hub has never written this record. */
  createOnly: SalesforceRecord;
  kind: 'upsert' | 'merge' | 'flag';
  /** Records this one references by external id (its Account, its Order…). */
  parents: ParentReference[];
  /**
   * The Salesforce record this one is, when the entity links one: updated by this field (`Id`), never created.
   * `unlinked`: the write as an unlinked one, for an org that never had that record (see TargetWrite.linkedBy).
   */
  linkedBy?: {
    field: string;
    value: string;
    /** Absent for an `update` write (`mustExist`): a record Salesforce must hold, never written by another key. */
    unlinked?: Pick<PlannedWrite, 'fields' | 'createOnly' | 'parents'>;
    mustExist?: boolean;
  };
}

/** A target field: its expression and the entity's top-level fields it reads (the unit of ownership). */
type CompiledField = [name: string, evaluate: Evaluate, reads: ReadonlySet<string>];

interface CompiledWrite {
  spec: WriteSpec;
  externalId: Evaluate;
  forEach?: string;
  when?: Evaluate;
  unless?: Evaluate;
  /** The linked record's id, the entity's top-level fields it reads, and the fields left as the person set them. */
  linkedBy?: { field: string; value: Evaluate; reads: ReadonlySet<string>; omit: ReadonlySet<string> };
  fields: CompiledField[];
  createOnly: CompiledField[];
  onDelete?: [string, unknown][];
}

export const MAPPING_FILE = 'config/salesforce-mapping.yaml';

/** The first `config/salesforce-mapping.yaml` above this module (source or dist), else under the working directory. */
export function defaultMappingPath(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, MAPPING_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(MAPPING_FILE);
  }
}

/**
 * The compiled mapping: canonical entity → ordered steps of Salesforce writes. Built only through {@link load} or
 * {@link parse}, which validate the whole file, so a SalesforceMapping in hand never meets an unknown path at run time.
 */
export class SalesforceMapping {
  private constructor(
    private readonly entities: ReadonlyMap<string, CompiledWrite[]>,
    /** Entities with a write that needs the org's standard price book id. */
    private readonly pricebookUsers: ReadonlySet<string>,
  ) {}

  static load(path: string, ownership: FieldOwnership): SalesforceMapping {
    return SalesforceMapping.parse(readFileSync(path, 'utf8'), ownership, path);
  }

  static parse(text: string, ownership: FieldOwnership, source = 'mapping'): SalesforceMapping {
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (error) {
      throw new MappingError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
    }
    const parsed = fileSchema.safeParse(data);
    if (!parsed.success) {
      throw new MappingError(
        source,
        parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`),
      );
    }
    const problems: string[] = [];
    const known = new Map(canonicalEntities().map((e) => [e.name, e]));
    const compiled = new Map<string, CompiledWrite[]>();
    const pricebookUsers = new Set<string>();
    for (const [entityName, { writes }] of Object.entries(parsed.data.entities)) {
      const entity = known.get(entityName);
      if (!entity) {
        problems.push(`${entityName}: not a canonical entity (known: ${[...known.keys()].join(', ')})`);
        continue;
      }
      const recordType = entityRecordType(entity.eventSchema, entity.eventField);
      // What the hub may write into Salesforce: every field another system owns (Odoo's data, the hub's own records).
      const owned = new Set(
        systemsOfRecord()
          .filter((system) => system !== 'salesforce')
          .flatMap((system) => ownership.fieldsOwnedBy(entityName, system)),
      );
      const list: CompiledWrite[] = [];
      writes.forEach((spec, index) => {
        const at = `${entityName} → writes[${index}] ${spec.object}`;
        const elementType = spec.forEach ? listElementType(recordType, spec.forEach) : recordType;
        if (spec.forEach && !elementType) {
          problems.push(`${at}: forEach ${spec.forEach} is not a list of records in ${entityName}`);
          return;
        }
        const checkPath =
          (where: string, reads?: Set<string>) =>
          (path: string, options: { list?: boolean } = {}) => {
            const fromParent = path.startsWith('$parent.');
            const relative = fromParent ? path.slice('$parent.'.length) : path;
            const base = fromParent || !spec.forEach ? recordType : elementType!;
            const type = resolvePath(base, relative);
            if (!type)
              throw new Error(
                `${where}: ${path} is not a field of ${fromParent ? entityName : spec.forEach ? `${entityName}.${spec.forEach}[]` : entityName}`,
              );
            if (options.list && !(unwrap(type) instanceof avro.types.ArrayType))
              throw new Error(`${where}: ${path} is not a list`);
            const top = fromParent || !spec.forEach ? relative.split(/[.[]/)[0] : spec.forEach.split('.')[0];
            reads?.add(top);
            if (!owned.has(top)) {
              throw new Error(
                `${where}: ${entityName}.${top} is owned by Salesforce alone (config/ownership.yaml), so the hub must not write it to Salesforce`,
              );
            }
          };
        const compile = (expr: unknown, where: string, reads?: Set<string>): Evaluate | undefined => {
          try {
            if (typeof expr === 'object' && expr !== null && 'standardPricebook' in expr)
              pricebookUsers.add(entityName);
            return compileExpression(expr, {
              where,
              checkPath: checkPath(where, reads),
            });
          } catch (error) {
            problems.push((error as Error).message);
            return undefined;
          }
        };
        const compileFields = (fields: Record<string, unknown>, kind: string) =>
          Object.entries(fields).flatMap(([name, expr]) => {
            const reads = new Set<string>(spec.forEach ? [spec.forEach.split('.')[0]] : []);
            const fn = compile(expr, `${at}.${kind}.${name}`, reads);
            return fn ? [[name, fn, reads] as CompiledField] : [];
          });
        const externalId = compile(spec.externalId.value, `${at}.externalId`);
        const when = spec.when ? compile(spec.when, `${at}.when`) : undefined;
        const unless = spec.unless ? compile(spec.unless, `${at}.unless`) : undefined;
        let linkedBy: CompiledWrite['linkedBy'];
        if (spec.linkedBy) {
          const where = `${at}.linkedBy`;
          const link = spec.linkedBy;
          // sObject Collections upsert takes external-id fields only ("Don't use record ids"): a record the hub did not
          // create is updated through the collections update, which identifies each record by its Id.
          if (link.field !== 'Id') {
            problems.push(`${where}.field: a record created in Salesforce is updated by its Id, not by ${link.field}`);
          }
          if (spec.forEach) problems.push(`${where}: the elements of a list are the hub's own records, never linked`);
          if (spec.mode === 'merge')
            problems.push(`${where}: a merge write does not own its record; link the write that does`);
          for (const field of link.omit) {
            if (field in spec.createOnly) {
              problems.push(`${where}.omit: ${field} is create-only, never sent to a linked record anyway`);
            } else if (!(field in spec.fields)) {
              problems.push(`${where}.omit: ${field} is not a field of this write`);
            }
          }
          const reads = new Set<string>();
          const value = compile(link.value, `${where}.value`, reads);
          if (value) linkedBy = { field: link.field, value, reads, omit: new Set(link.omit) };
        }
        if (spec.forEach) {
          try {
            checkPath(`${at}.forEach`)(`$parent.${spec.forEach}`, { list: true });
          } catch (error) {
            problems.push((error as Error).message);
          }
        }
        if (spec.mode === 'update') {
          // A record Salesforce created (a rep's Order), updated by its Id: there is no external id to key it by.
          if (spec.externalId.field !== 'Id') {
            problems.push(`${at}.externalId: an update write names its record by Id, not by ${spec.externalId.field}`);
          }
          if (spec.forEach || spec.linkedBy || Object.keys(spec.createOnly).length) {
            problems.push(`${at}: an update write has no forEach, linkedBy or createOnly (it never creates a record)`);
          }
        }
        const overlap = Object.keys(spec.createOnly).filter((f) => f in spec.fields);
        if (overlap.length) problems.push(`${at}: ${overlap.join(', ')} both in fields and createOnly`);
        if (spec.onDelete !== 'ignore' && (spec.forEach || spec.externalId.value !== 'id')) {
          problems.push(
            `${at}.onDelete: a deletion carries only the entity's id, so only a write keyed by \`value: id\` without forEach can flag it; use onDelete: ignore`,
          );
        }
        if (spec.onDelete !== 'ignore' && spec.mode !== 'upsert') {
          const write = spec.mode === 'merge' ? 'a merge' : 'an update';
          problems.push(`${at}.onDelete: ${write} write does not own its record; use onDelete: ignore`);
        }
        list.push({
          spec,
          externalId: externalId ?? (() => null),
          forEach: spec.forEach,
          when,
          unless,
          linkedBy,
          fields: compileFields(spec.fields, 'fields'),
          createOnly: compileFields(spec.createOnly, 'createOnly'),
          onDelete: spec.onDelete === 'ignore' ? undefined : Object.entries(spec.onDelete.set),
        });
      });
      compiled.set(entityName, list);
    }
    if (problems.length) throw new MappingError(source, problems);
    return new SalesforceMapping(compiled, pricebookUsers);
  }

  /** Whether planning this entity needs the org's standard price book id. */
  usesStandardPricebook(entity: string): boolean {
    return this.pricebookUsers.has(entity);
  }

  /**
   * Whether some write of this mapping creates `object` keyed by `externalIdField`: only then can the hub know that a
   * parent referenced that way has been written (an Order referenced by its Odoo name is not).
   */
  writesKeyedBy(object: string, externalIdField: string): boolean {
    return [...this.entities.values()].some((writes) =>
      writes.some(
        (w) => w.spec.object === object && w.spec.externalId.field === externalIdField && w.spec.mode === 'upsert',
      ),
    );
  }

  /** The entities whose writes create `object` (upsert): those a record referencing one waits for. */
  creatorsOf(object: string): string[] {
    return [...this.entities].flatMap(([entity, writes]) =>
      writes.some((w) => w.spec.object === object && w.spec.mode === 'upsert') ? [entity] : [],
    );
  }

  /**
   * The objects of other writes an entity's records need to exist: parents it references by external id (`ref`), and
   * records it merges into or updates (created by another entity's write).
   */
  needs(entity: string): { object: string; how: 'ref' | 'merge' | 'update' }[] {
    const out = new Map<string, 'ref' | 'merge' | 'update'>();
    for (const w of this.entities.get(entity) ?? []) {
      if (w.spec.mode !== 'upsert') out.set(w.spec.object, w.spec.mode);
      for (const value of [...Object.values(w.spec.fields), ...Object.values(w.spec.createOnly)]) {
        const ref = (value as { ref?: { object?: unknown } } | null)?.ref?.object;
        if (typeof ref === 'string' && ref !== w.spec.object) out.set(ref, 'ref');
      }
    }
    return [...out].map(([object, how]) => ({ object, how }));
  }

  /** The Salesforce objects an entity's writes touch. */
  objectsOf(entity: string): string[] {
    return [...new Set((this.entities.get(entity) ?? []).map((w) => w.spec.object))];
  }

  /** The entities this mapping writes. */
  get entityNames(): string[] {
    return [...this.entities.keys()];
  }

  handles(entity: string): boolean {
    return this.entities.has(entity);
  }

  /**
   * The writes for one entity state, as steps: each step's writes can go together, and a step starts only after
   * the previous one landed. Throws MappingValueError for a value the mapping cannot translate (permanent).
   */
  plan(
    entity: string,
    record: Record<string, unknown>,
    context: Pick<Scope, 'standardPricebookId'> & {
      /** Top-level fields the event may write (ownership): fields computed from any other are left out. */
      writable?: ReadonlySet<string>;
    } = {},
  ): PlannedWrite[][] {
    const { writable, ...valueContext } = context;
    const allowed = (f: CompiledField) => !writable || [...f[2]].every((top) => writable.has(top));
    // Constants (fields that read nothing) ride along with a write that carries data; a write left with constants
    // only has nothing of this event to say.
    const carriesData = (fields: CompiledField[]) => fields.some((f) => f[2].size > 0);
    const writes = (this.entities.get(entity) ?? [])
      .map((w) => ({ ...w, fields: w.fields.filter(allowed), createOnly: w.createOnly.filter(allowed) }))
      .filter((w) => !writable || carriesData([...w.fields, ...w.createOnly]));
    return writes.map((w) => {
      const context = valueContext;
      const scopes: Scope[] = w.forEach
        ? asList(record[w.forEach]).map((item) => ({ item, parent: record, ...context }))
        : [{ item: record, ...context }];
      return scopes
        .filter((scope) => !w.when || (w.when(scope) ?? null) !== null)
        .filter((scope) => !w.unless || (w.unless(scope) ?? null) === null)
        .map((scope): PlannedWrite => {
          const externalId = w.externalId(scope);
          if (typeof externalId !== 'string' || externalId === '') {
            throw new Error(`${entity} → ${w.spec.object}: external id evaluated to ${JSON.stringify(externalId)}`);
          }
          const parents: ParentReference[] = [];
          const fields = evaluateFields(w.fields, scope, parents);
          const createOnly = evaluateFields(w.createOnly, scope, parents);
          const unlinked = { fields, createOnly, parents: parents.filter((p) => p.object !== w.spec.object) };
          if (w.spec.mode === 'update') {
            // Updated by its Id and never created: a link without an unlinked fallback (a missing record fails).
            return {
              entity,
              object: w.spec.object,
              externalIdField: 'Id',
              externalId,
              ...unlinked,
              kind: 'upsert',
              linkedBy: { field: 'Id', value: externalId, mustExist: true },
            };
          }
          const link = linkOf(w, scope, writable);
          if (link) {
            // The person's record: their own fields stay as they set them, and it exists, so nothing create-only.
            const linkedParents: ParentReference[] = [];
            const linkedFields = w.fields.filter(([name]) => !w.linkedBy!.omit.has(name));
            return {
              entity,
              object: w.spec.object,
              externalIdField: w.spec.externalId.field,
              externalId,
              fields: evaluateFields(linkedFields, scope, linkedParents),
              createOnly: {},
              kind: w.spec.mode,
              parents: linkedParents.filter((p) => p.object !== w.spec.object),
              linkedBy: { ...link, unlinked },
            };
          }
          return {
            entity,
            object: w.spec.object,
            externalIdField: w.spec.externalId.field,
            externalId,
            ...unlinked,
            kind: w.spec.mode,
          };
        });
    });
  }

  /** Writes made once per element of one of the entity's lists: one record per order line. */
  childWrites(entity: string): { object: string; externalIdField: string; listField: string }[] {
    return (this.entities.get(entity) ?? [])
      .filter((w) => w.forEach && w.spec.mode === 'upsert')
      .map((w) => ({
        object: w.spec.object,
        externalIdField: w.spec.externalId.field,
        listField: w.forEach!.split('.')[0],
      }));
  }

  /** The flag writes for an entity Odoo deleted, identified by its canonical id. */
  planDeletion(entity: string, id: string): PlannedWrite[][] {
    const writes = this.entities.get(entity) ?? [];
    return writes
      .filter((w) => w.onDelete)
      .map((w) => [
        {
          entity,
          object: w.spec.object,
          externalIdField: w.spec.externalId.field,
          externalId: id,
          fields: Object.fromEntries(w.onDelete!),
          createOnly: {},
          kind: 'flag' as const,
          parents: [],
        },
      ]);
  }
}

/**
 * The Salesforce record a write is linked to, when its entity names one. An event whose source may not speak about
 * the link (the field is not writable for it) says nothing of it: the write is keyed by external id as usual.
 */
function linkOf(
  w: Pick<CompiledWrite, 'linkedBy'>,
  scope: Scope,
  writable: ReadonlySet<string> | undefined,
): { field: string; value: string } | undefined {
  const link = w.linkedBy;
  if (!link || (writable && ![...link.reads].every((top) => writable.has(top)))) return undefined;
  const value = link.value(scope);
  return typeof value === 'string' && value !== '' ? { field: link.field, value } : undefined;
}

function evaluateFields(fields: CompiledField[], scope: Scope, parents?: ParentReference[]): SalesforceRecord {
  const out: SalesforceRecord = {};
  for (const [name, fn] of fields) {
    const value = fn(scope);
    if (value === undefined) continue;
    const cleared = clearedLookup(value);
    const parent = parentReference(value);
    if (cleared) out[cleared] = null;
    else if (parent) {
      out[name] = { [parent.externalIdField]: parent.externalId };
      parents?.push(parent);
    } else out[name] = value;
  }
  return out;
}

const asList = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Record<string, unknown>[]) : [];

function entityRecordType(eventSchema: string, eventField: string): avro.types.RecordType {
  const schema = (avroSchemas as Record<string, unknown>)[eventSchema];
  const event = avro.Type.forSchema(schema as avro.Schema, canonicalAvroOptions()) as avro.types.RecordType;
  return unwrap(event.field(eventField)!.type) as avro.types.RecordType;
}

/** The record type inside `null | T` unions. */
function unwrap(type: avro.Type): avro.Type {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    const inner = type.types.filter((t: avro.Type) => t.typeName !== 'null');
    return inner.length === 1 ? inner[0] : type;
  }
  return type;
}

function resolvePath(base: avro.Type, path: string): avro.Type | undefined {
  let type: avro.Type | undefined = base;
  for (const raw of path.split('.')) {
    const isList = raw.endsWith('[]');
    const name = isList ? raw.slice(0, -2) : raw;
    const record: avro.Type | undefined = type ? unwrap(type) : undefined;
    if (!(record instanceof avro.types.RecordType)) return undefined;
    type = record.field(name)?.type;
    if (type && isList) {
      const list = unwrap(type);
      if (!(list instanceof avro.types.ArrayType)) return undefined;
      type = list.itemsType;
    }
  }
  return type;
}

function listElementType(record: avro.Type, path: string): avro.Type | undefined {
  const list = resolvePath(record, path);
  const unwrapped = list ? unwrap(list) : undefined;
  if (!(unwrapped instanceof avro.types.ArrayType)) return undefined;
  return unwrap(unwrapped.itemsType) instanceof avro.types.RecordType ? unwrapped.itemsType : undefined;
}
