import { Injectable } from '@nestjs/common';
import { CANONICAL_TOPICS, canonicalEntities, Envelope } from '@hub/canonical';
import { DecodedEvent, PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { PlannedWrite, SalesforceMapping } from '../mapping/salesforce-mapping';
import { MappingValueError } from '../mapping/value-expression';
import { SalesforcePort } from '../salesforce/salesforce.port';
import { SalesforceBatchWriter, WriteOutcome } from './salesforce-batch-writer';

/** What an event type means to the projector: which entity it carries, in which field, and whether it is a delete. */
interface EventRoute {
  entity: string;
  eventField: string;
  deleted: boolean;
}

/** Events retried after a partial success: the writes that landed, so a retry sends only the rest. */
const MAX_REMEMBERED_EVENTS = 10_000;

/**
 * Applies canonical events to Salesforce through the mapping file: each event becomes ordered steps of writes
 * (Order, then its OrderItems), which the batch writer groups with other events' writes into collections calls.
 * A deletion in Odoo flags the records (`Odoo_Deleted__c = true`) instead of deleting them: deleting an Account in
 * Salesforce cascades to its opportunities and cases, which the sales team owns.
 */
@Injectable()
export class SalesforceProjectionService {
  readonly metrics = { events: 0, applied: 0, staleSkipped: 0, absent: 0 };
  private readonly routes: ReadonlyMap<string, EventRoute>;
  private readonly landed = new Map<string, Set<string>>();
  private standardPricebook?: Promise<string>;

  constructor(
    private readonly mapping: SalesforceMapping,
    private readonly writer: SalesforceBatchWriter,
    private readonly salesforce: SalesforcePort,
  ) {
    this.routes = eventRoutes();
  }

  /** The event types this projector subscribes to: those of every entity the mapping writes. */
  static eventTypes(mapping: SalesforceMapping): string[] {
    return [...eventRoutes()].filter(([, r]) => mapping.handles(r.entity)).map(([type]) => type);
  }

  async apply(event: DecodedEvent): Promise<void> {
    const route = this.routes.get(event.eventType);
    if (!route || !this.mapping.handles(route.entity)) {
      throw new PermanentError(
        PermanentErrorCode.UNHANDLED_EVENT_TYPE,
        `the mapping has no entity for ${event.eventType}`,
      );
    }
    const value = event.value as Record<string, unknown> & { envelope: Envelope };
    const { envelope } = value;
    const steps = await this.plan(route, value[route.eventField] as Record<string, unknown> | null, envelope);
    const done = this.landed.get(envelope.eventId) ?? new Set<string>();
    for (const step of steps) {
      const pending = step.filter((w) => !done.has(writeKey(w)));
      const settled = await Promise.allSettled(
        pending.map((w) =>
          this.writer.write({ ...w, position: envelope.sourcePosition, eventId: envelope.eventId }).then((outcome) => {
            done.add(writeKey(w));
            return outcome;
          }),
        ),
      );
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      if (failures.length) {
        this.remember(envelope.eventId, done);
        // A transient failure first: retrying may fix every write; a permanent one is reported when nothing else is left.
        throw failures.find((f) => f instanceof TransientError) ?? failures[0];
      }
      for (const s of settled) if (s.status === 'fulfilled') this.count(s.value);
    }
    this.landed.delete(envelope.eventId);
    this.metrics.events++;
  }

  private async plan(
    route: EventRoute,
    entity: Record<string, unknown> | null,
    envelope: Envelope,
  ): Promise<PlannedWrite[][]> {
    if (route.deleted || entity === null) return this.mapping.planDeletion(route.entity, envelope.aggregateId);
    const standardPricebookId = this.mapping.usesStandardPricebook(route.entity)
      ? await this.standardPricebookId()
      : undefined;
    try {
      return this.mapping.plan(route.entity, entity, { standardPricebookId });
    } catch (error) {
      if (error instanceof MappingValueError) {
        throw new PermanentError(PermanentErrorCode.INVALID_RECORD, error.message, { vendorCode: 'MAPPING' });
      }
      throw error;
    }
  }

  /** Asked once per process; a failed lookup is asked again on the next event. */
  private standardPricebookId(): Promise<string> {
    this.standardPricebook ??= this.salesforce.standardPricebookId().catch((error: unknown) => {
      this.standardPricebook = undefined;
      throw error;
    });
    return this.standardPricebook;
  }

  private remember(eventId: string, done: Set<string>): void {
    this.landed.delete(eventId);
    this.landed.set(eventId, done);
    if (this.landed.size > MAX_REMEMBERED_EVENTS) this.landed.delete(this.landed.keys().next().value!);
  }

  private count(outcome: WriteOutcome): void {
    if (outcome === 'applied') this.metrics.applied++;
    else if (outcome === 'stale') this.metrics.staleSkipped++;
    else this.metrics.absent++;
  }
}

const writeKey = (w: PlannedWrite) => `${w.object}\u0000${w.externalId}`;

function eventRoutes(): Map<string, EventRoute> {
  const entities = canonicalEntities();
  const routes = new Map<string, EventRoute>();
  for (const spec of Object.values(CANONICAL_TOPICS)) {
    const entity = entities.find((e) => e.eventSchema === spec.schema);
    if (!entity) continue;
    for (const type of spec.eventTypes) {
      routes.set(type, { entity: entity.name, eventField: entity.eventField, deleted: type.endsWith('.deleted') });
    }
  }
  return routes;
}
