import {
  CANONICAL_TOPICS,
  canonicalEntities,
  CanonicalEventOf,
  CanonicalEventType,
  Envelope,
  FieldOwnership,
  SystemOfRecord,
} from '@hub/canonical';
import { DeferredError, PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import type { AppliedPositions } from './applied-positions.repository';
import type { TargetMapping } from './target-mapping.port';
import type { ProjectionTarget, TargetWrite } from './target.port';
import type { TargetWriter, WriteOutcome } from './target-writer';

/** What an event type means to the engine: which entity it carries, in which field, and whether it is a delete. */
interface EventRoute {
  entity: string;
  eventField: string;
  deleted: boolean;
}

/** Events retried after a partial success: the writes that landed, so a retry sends only the rest. */
const MAX_REMEMBERED_EVENTS = 10_000;

/**
 * Applies canonical events to one target: the mapping turns each event into ordered steps of writes (an Order, then
 * its items), which the {@link TargetWriter} groups with other events' writes into batched calls.
 *
 * Many sources, one record: an event writes only the fields its source owns and the target does not
 * (config/ownership.yaml), so the target keeps, field by field, the value of the field's system of record, whichever
 * source's event came last. Children the aggregate lost since the hub last wrote it (an order line deleted at the
 * source) are removed from the target.
 */
export class ProjectionEngine {
  readonly metrics = { events: 0, applied: 0, staleSkipped: 0, absent: 0, removed: 0, notOwned: 0 };
  private readonly routes: ReadonlyMap<string, EventRoute>;
  private readonly landed = new Map<string, Set<string>>();

  constructor(
    private readonly target: ProjectionTarget,
    private readonly mapping: TargetMapping,
    private readonly writer: TargetWriter,
    private readonly positions: AppliedPositions,
    private readonly ownership: FieldOwnership,
  ) {
    this.routes = eventRoutes();
  }

  /** The event types of every entity the mapping writes: what the target's projector subscribes to. */
  eventTypes(): CanonicalEventType[] {
    return [...this.routes].filter(([, r]) => this.mapping.handles(r.entity)).map(([t]) => t as CanonicalEventType);
  }

  async apply(event: CanonicalEventOf, ctx: { parkedAt?: number } = {}): Promise<void> {
    const route = this.routes.get(event.eventType);
    if (!route || !this.mapping.handles(route.entity)) {
      throw new PermanentError(
        PermanentErrorCode.UNHANDLED_EVENT_TYPE,
        `the mapping has no entity for ${event.eventType}`,
      );
    }
    const value = event.value as unknown as Record<string, unknown> & { envelope: Envelope };
    const { envelope } = value;
    const source = envelope.sourceSystem.toLowerCase() as SystemOfRecord;
    if (source === this.target.system) {
      // The target is the system of record of what this source says: writing it back would be an echo.
      this.metrics.notOwned++;
      return;
    }
    const entity = value[route.eventField] as Record<string, unknown> | null;
    const steps =
      route.deleted || entity === null
        ? this.mapping.planDeletion(route.entity, envelope.aggregateId)
        : await this.planUpsert(route.entity, entity, source, envelope.aggregateId);
    if (steps.every((s) => s.length === 0)) {
      this.metrics.notOwned++;
      return;
    }
    const done = this.landed.get(envelope.eventId) ?? new Set<string>();
    for (const step of steps) {
      const pending = step.filter((w) => !done.has(writeKey(w)));
      const settled = await Promise.allSettled(
        pending.map((w) =>
          this.writer
            .write({
              ...w,
              source,
              position: envelope.sourcePosition,
              eventId: envelope.eventId,
              aggregateId: envelope.aggregateId,
              parkedAt: ctx.parkedAt,
            })
            .then((outcome) => {
              done.add(writeKey(w));
              return outcome;
            }),
        ),
      );
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      if (failures.length) {
        this.remember(envelope.eventId, done);
        // Deferred first (the event is parked whole), then transient (retrying may fix every write); a permanent
        // failure is reported when nothing else is left.
        throw (
          failures.find((f) => f instanceof DeferredError) ??
          failures.find((f) => f instanceof TransientError) ??
          failures[0]
        );
      }
      for (const s of settled) if (s.status === 'fulfilled') this.count(s.value);
    }
    this.landed.delete(envelope.eventId);
    this.metrics.events++;
  }

  /** The mapping's writes restricted to the fields the source may write, then the removal of lost children. */
  private async planUpsert(
    entity: string,
    record: Record<string, unknown>,
    source: SystemOfRecord,
    aggregateId: string,
  ): Promise<TargetWrite[][]> {
    // Per record: a field owned by `origin` belongs to the system the record was created in. A field both the source
    // and the target state (an identifier such as the Salesforce Id) stays: they agree on it, and the mapping may need
    // it to find the record; every other field of the target's is not the source's to write.
    const writable = new Set(this.ownership.fieldsOwnedBy(entity, source, aggregateId));
    const steps = await this.mapping.plan(entity, record, writable);
    const scopes = this.mapping.childScopes(entity).filter((c) => writable.has(c.listField));
    if (scopes.length === 0) return steps;
    const removals: TargetWrite[] = [];
    for (const child of scopes) {
      const planned = new Set(
        steps
          .flat()
          .filter((w) => w.scope === child.scope)
          .map((w) => w.key),
      );
      const written = (await this.positions.childrenOf(child.scope, [aggregateId])).get(aggregateId) ?? [];
      for (const key of written.filter((k) => !planned.has(k))) {
        removals.push({ ...child, key, fields: {}, createOnly: {}, kind: 'remove', parents: [] });
      }
    }
    return removals.length ? [...steps, removals] : steps;
  }

  private remember(eventId: string, done: Set<string>): void {
    this.landed.delete(eventId);
    this.landed.set(eventId, done);
    if (this.landed.size > MAX_REMEMBERED_EVENTS) this.landed.delete(this.landed.keys().next().value!);
  }

  private count(outcome: WriteOutcome): void {
    if (outcome === 'applied') this.metrics.applied++;
    else if (outcome === 'stale') this.metrics.staleSkipped++;
    else if (outcome === 'removed') this.metrics.removed++;
    else this.metrics.absent++;
  }
}

const writeKey = (w: TargetWrite) => `${w.object}\u0000${w.key}\u0000${w.kind}`;

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
