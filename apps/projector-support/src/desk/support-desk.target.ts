import type { OutgoingRecord, ProjectionTarget, TargetLimits, TargetOperation, TargetResult } from '@hub/projection';
import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import { DESK_KEY_FIELD, DESK_OBJECTS } from '../projection/support-target.mapping';
import type { DeskContextFields, DeskOrganization, DeskPerson, DeskResult } from './support-desk.port';
import { SupportDesk } from './support-desk.port';

/**
 * The projection engine's view of one support-desk account: organizations and people upserted by the hub's key
 * through the vendor's adapter (Zendesk `create_or_update_many`, Freshdesk one by one), within its batch limit. The
 * engine owns ordering, the stale guard, parents first, retries, the breaker and dead letters, as for Salesforce.
 */
export class SupportDeskTarget implements ProjectionTarget {
  readonly system = 'support' as const;

  constructor(
    private readonly desk: SupportDesk,
    readonly limits: TargetLimits,
    /** Told the desk's own id of each record written (a ticket names its organization by it). */
    private readonly onWritten: (object: string, written: DeskWritten[]) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** The vendor: the applied positions' target and the breaker's name. */
  get name(): string {
    return this.desk.platform;
  }

  async apply(
    object: string,
    keyField: string,
    operation: TargetOperation,
    records: OutgoingRecord[],
  ): Promise<TargetResult[]> {
    if (keyField !== DESK_KEY_FIELD || operation !== 'upsert') {
      // The mapping plans upserts by the hub's key only: anything else is a programmer error, not the records'.
      throw new TypeError(`support desk: cannot ${operation} ${object} by ${keyField}`);
    }
    let results: DeskResult[];
    switch (object) {
      case DESK_OBJECTS.organization:
        results = await this.desk.upsertOrganizations(records.map(toOrganization));
        break;
      case DESK_OBJECTS.person:
        results = await this.desk.upsertPeople(records.map(toPerson));
        break;
      default:
        return records.map(() => ({
          ok: false,
          error: new PermanentError(PermanentErrorCode.INVALID_RECORD, `support desk: unknown object ${object}`),
        }));
    }
    await this.onWritten(
      object,
      results.flatMap((r, i) => (r.ok ? [{ externalId: records[i].write.key, deskId: r.deskId }] : [])),
    );
    return results.map(toResult);
  }
}

export interface DeskWritten {
  externalId: string;
  deskId: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function toOrganization(r: OutgoingRecord): DeskOrganization {
  const p = r.payload;
  return {
    externalId: r.write.key,
    // A merge carries the context only: the organization's own write names it.
    ...(r.write.kind === 'merge' ? {} : { name: text(p.name) ?? r.write.key }),
    ...(Array.isArray(p.domains) ? { domains: p.domains.filter((d): d is string => typeof d === 'string') } : {}),
    ...(p.context ? { context: p.context as DeskContextFields } : {}),
  };
}

function toPerson(r: OutgoingRecord): DeskPerson {
  const p = r.payload;
  return {
    externalId: r.write.key,
    name: text(p.name) ?? r.write.key,
    email: text(p.email),
    phone: text(p.phone),
    organizationExternalId: text(p.organizationExternalId),
  };
}

/** The desk's answer in the engine's terms: a record the desk does not have is `not-found` (a merge waits for it). */
const toResult = (r: DeskResult): TargetResult => {
  if (r.ok) return { ok: true };
  const missing = r.error instanceof PermanentError && r.error.vendorCode === 'NOT_FOUND';
  return { ok: false, error: r.error, ...(missing ? { because: 'not-found' as const } : {}) };
};
