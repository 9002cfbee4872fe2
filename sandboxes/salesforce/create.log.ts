/**
 * Every record the org ever created, counted by its external id values, so a test or the chaos run can tell whether a
 * client created one record twice: Salesforce's unique external ids refuse a second live record with the same value,
 * but not a new record for a value whose first record was deleted, nor a record created under another value (the
 * second of two inserts a retry made). Served by `GET /__admin/creates`; cleared by `POST /__admin/reset`.
 *
 * Kept as counts and Id lists per value, not as entries, so an org of a hundred thousand records stays small.
 */
import type { Commit, FieldValue } from './record.store';
import type { SObjectCatalogue } from './sobject.catalogue';

/** Two or more records created with one external id value of one object. */
export interface DuplicateCreate {
  object: string;
  field: string;
  /** As stored; folded to lower case for a field that is not case-sensitive. */
  value: string;
  /** The records' Ids, in creation order. */
  ids: string[];
}

export interface CreateLogSummary {
  /** Records created through the API or by a person (not the rows every org holds). */
  creates: number;
  createsByObject: Record<string, number>;
  duplicates: DuplicateCreate[];
}

export class CreateLog {
  private readonly byObject = new Map<string, number>();
  /** `object \0 field \0 value` → Ids created with that value. */
  private readonly byValue = new Map<string, string[]>();

  constructor(private readonly catalogue: SObjectCatalogue) {}

  /** A commit listener (`RecordStore.onCommit`): counts the commit's new rows. */
  record(commit: Commit): void {
    for (const change of commit.changes) {
      if (change.before !== undefined) continue;
      const { type, values } = change.after;
      this.byObject.set(type, (this.byObject.get(type) ?? 0) + 1);
      const object = this.catalogue.get(type);
      for (const field of object?.fields.filter((f) => f.externalId) ?? []) {
        const key = valueKey(values[field.name], field.caseSensitive);
        if (key === undefined) continue;
        const name = `${type}\u0000${field.name}\u0000${key}`;
        const ids = this.byValue.get(name) ?? [];
        ids.push(values['Id'] as string);
        this.byValue.set(name, ids);
      }
    }
  }

  summary(filter: { object?: string } = {}): CreateLogSummary {
    const duplicates: DuplicateCreate[] = [];
    for (const [name, ids] of this.byValue) {
      if (ids.length < 2) continue;
      const [object, field, value] = name.split('\u0000') as [string, string, string];
      if (filter.object && object.toLowerCase() !== filter.object.toLowerCase()) continue;
      duplicates.push({ object, field, value, ids: [...ids] });
    }
    const createsByObject = Object.fromEntries(
      [...this.byObject].filter(([o]) => !filter.object || o.toLowerCase() === filter.object.toLowerCase()),
    );
    const creates = Object.values(createsByObject).reduce((a, b) => a + b, 0);
    return { creates, createsByObject, duplicates };
  }

  clear(): void {
    this.byObject.clear();
    this.byValue.clear();
  }
}

/** A blank value is no key (Salesforce's unique fields hold any number of blank records); text folded unless case-sensitive. */
function valueKey(value: FieldValue | undefined, caseSensitive: boolean): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' && !caseSensitive ? value.toLowerCase() : String(value);
}
