import { Injectable } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import { Intake } from '../../intake/intake.port';
import type { WebhookSource } from '../http/webhook.errors';
import { outcomeOf, WebhookMetrics } from '../http/webhook.metrics';
import { serviceCaseChange, TicketEvent } from './service-case.mapper';

/** The JSON answer of a desk webhook that was taken. */
export interface WebhookAnswer {
  requestId: string;
  /** accepted: published now; duplicate: seen before, nothing published again; ignored: a type the hub skips. */
  outcome: 'accepted' | 'duplicate' | 'ignored';
  published: number;
  duplicates: number;
}

/**
 * Hands desk ticket events to the intake and says how it went. It resolves only once the intake resolved (Kafka
 * acknowledged, or the event was a duplicate), so the caller answers 2xx only then; the intake's TransientError
 * propagates untouched, to become a 503 with Retry-After.
 */
@Injectable()
export class TicketIntakeService {
  constructor(
    private readonly intake: Intake,
    private readonly metrics: WebhookMetrics,
    private readonly log: AppLogger,
  ) {}

  async accept(source: WebhookSource, event: TicketEvent, context: { requestId: string; eventType: string }) {
    const result = await this.intake.accept([serviceCaseChange(source, event)]);
    const outcome = outcomeOf(result);
    this.metrics.request(source, outcome);
    this.log.info(
      {
        source,
        requestId: context.requestId,
        eventType: context.eventType,
        ticketId: event.ticket.ticketId,
        ...result,
      },
      'webhook taken',
    );
    return { requestId: context.requestId, outcome, ...result } satisfies WebhookAnswer;
  }

  /** A well-formed event of a type the hub does not handle: 2xx (no retry loop for the sender), counted. */
  ignore(source: WebhookSource, context: { requestId: string; eventType: string }): WebhookAnswer {
    this.metrics.request(source, 'ignored');
    this.metrics.ignoredEvent(source, context.eventType);
    this.log.info({ source, ...context }, 'webhook of an unhandled type ignored');
    return { requestId: context.requestId, outcome: 'ignored', published: 0, duplicates: 0 };
  }
}
