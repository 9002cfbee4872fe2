import { Injectable } from '@nestjs/common';
import { CanonicalEventOf, CanonicalTopicKey, eventTypesOf } from '@hub/canonical';
import { ProjectionEngine } from '@hub/projection';
import { HandlerContext, OnEvent } from '@hub/resilience';

/** The canonical topics projector-support reads: who the desk's organizations and people are. */
export const SUPPORT_TOPICS: CanonicalTopicKey[] = ['customer', 'contact'];
export const SUPPORT_EVENT_TYPES = eventTypesOf(SUPPORT_TOPICS);

/** Every event goes through the engine; what differs per entity is the mapping (support-target.mapping.ts). */
@Injectable()
export class DeskEventsHandler {
  constructor(private readonly engine: ProjectionEngine) {}

  @OnEvent(...SUPPORT_EVENT_TYPES)
  handle(event: CanonicalEventOf, ctx: HandlerContext): Promise<void> {
    return this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }
}
