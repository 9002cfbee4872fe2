import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { ProjectionEngine } from '@hub/projection';
import { HandlerContext, OnEvent } from '@hub/resilience';
import { PROJECTED_EVENT_TYPES } from './projected-topics';

/** Every canonical event goes through the engine: what differs per entity is data (config/salesforce-mapping.yaml). */
@Injectable()
export class CanonicalEventsHandler {
  constructor(private readonly engine: ProjectionEngine) {}

  @OnEvent(...PROJECTED_EVENT_TYPES)
  handle(event: CanonicalEventOf, ctx: HandlerContext): Promise<void> {
    return this.engine.apply(event, { parkedAt: ctx.parkedAt });
  }
}
