import { Injectable } from '@nestjs/common';
import { CanonicalEventOf, CanonicalTopicKey, eventTypesOf } from '@hub/canonical';
import { ProjectionEngine } from '@hub/projection';
import { HandlerContext, OnEvent } from '@hub/resilience';

/** The canonical topics projected onto the desk through the engine: who its organizations and people are. */
export const DESK_TOPICS: CanonicalTopicKey[] = ['customer', 'contact'];
export const DESK_EVENT_TYPES = eventTypesOf(DESK_TOPICS);
/** Every topic projector-support reads: the desk's records, the ERP context it keeps, and the desks' tickets. */
export const SUPPORT_TOPICS: CanonicalTopicKey[] = [
  ...DESK_TOPICS,
  'sales-order',
  'shipment',
  'invoice',
  'service-case',
];
export const SUPPORT_EVENT_TYPES = eventTypesOf(SUPPORT_TOPICS);

/** Every event goes through the engine; what differs per entity is the mapping (support-target.mapping.ts). */
@Injectable()
export class DeskEventsHandler {
  constructor(private readonly engine: ProjectionEngine) {}

  @OnEvent(...DESK_EVENT_TYPES)
  handle(event: CanonicalEventOf, ctx: HandlerContext): Promise<void> {
    return this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }
}
