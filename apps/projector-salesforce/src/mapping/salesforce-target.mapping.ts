import type { ChildScope, TargetMapping, TargetWrite } from '@hub/projection';
import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import type { SalesforcePort } from '../salesforce/salesforce.port';
import { PlannedWrite, SalesforceMapping } from './salesforce-mapping';
import { MappingValueError } from './value-expression';

/**
 * The mapping file as the projection engine's TargetMapping: planned writes in the engine's terms, the org's standard
 * price book id looked up once when the mapping needs it.
 */
export class SalesforceTargetMapping implements TargetMapping {
  private standardPricebook?: Promise<string>;

  constructor(
    private readonly mapping: SalesforceMapping,
    private readonly salesforce: SalesforcePort,
  ) {}

  handles(entity: string): boolean {
    return this.mapping.handles(entity);
  }

  writesKeyedBy(object: string, keyField: string): boolean {
    return this.mapping.writesKeyedBy(object, keyField);
  }

  async plan(entity: string, record: Record<string, unknown>, writable: ReadonlySet<string>): Promise<TargetWrite[][]> {
    const standardPricebookId = this.mapping.usesStandardPricebook(entity)
      ? await this.standardPricebookId()
      : undefined;
    try {
      return this.mapping
        .plan(entity, record, { standardPricebookId, writable })
        .map((step) => step.map(toTargetWrite));
    } catch (error) {
      if (error instanceof MappingValueError) {
        throw new PermanentError(PermanentErrorCode.INVALID_RECORD, error.message, { vendorCode: 'MAPPING' });
      }
      throw error;
    }
  }

  planDeletion(entity: string, aggregateId: string): TargetWrite[][] {
    return this.mapping.planDeletion(entity, aggregateId).map((step) => step.map(toTargetWrite));
  }

  childScopes(entity: string): ChildScope[] {
    return this.mapping.childWrites(entity).map((c) => ({
      scope: scopeOf(entity, c.object),
      object: c.object,
      keyField: c.externalIdField,
      listField: c.listField,
    }));
  }

  /** Asked once per process; a failed lookup is asked again on the next event. */
  private standardPricebookId(): Promise<string> {
    this.standardPricebook ??= this.salesforce.standardPricebookId().catch((error: unknown) => {
      this.standardPricebook = undefined;
      throw error;
    });
    return this.standardPricebook;
  }
}

/** The stale guard's scope: per mapping write, so two entities sharing a record keep their own positions. */
const scopeOf = (entity: string, object: string) => `${entity}:${object}`;

function toTargetWrite(w: PlannedWrite): TargetWrite {
  const refs = (parents: PlannedWrite['parents']) =>
    parents.map((p) => ({ object: p.object, keyField: p.externalIdField, key: p.externalId }));
  return {
    scope: scopeOf(w.entity, w.object),
    object: w.object,
    keyField: w.externalIdField,
    key: w.externalId,
    fields: w.fields,
    createOnly: w.createOnly,
    kind: w.kind,
    parents: refs(w.parents),
    ...(w.linkedBy
      ? {
          linkedBy: {
            field: w.linkedBy.field,
            value: w.linkedBy.value,
            ...(w.linkedBy.unlinked
              ? { unlinked: { ...w.linkedBy.unlinked, parents: refs(w.linkedBy.unlinked.parents) } }
              : {}),
            ...(w.linkedBy.mustExist ? { mustExist: true } : {}),
          },
        }
      : {}),
  };
}
