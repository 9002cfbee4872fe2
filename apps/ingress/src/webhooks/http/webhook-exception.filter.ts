import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable } from '@nestjs/common';
import { PermanentError, TransientError } from '@hub/resilience';
import { AppLogger, requestIdOf } from '@hub/runtime';
import type { Response } from 'express';
import { RateLimitedWebhookError, UnauthenticatedWebhookError, WebhookOutcome, WebhookRefusal } from './webhook.errors';
import { WebhookMetrics } from './webhook.metrics';
import { webhookSourceOf } from './webhook-source.guard';

/** Retry-After when the intake gave no hint. */
const DEFAULT_RETRY_AFTER_MS = 10_000;
/**
 * Zendesk retries a 429 or 503 only when its Retry-After is under 60 s (its webhook docs, as summarised in a
 * third-party guide; not checked in Zendesk's own text), so the hint is capped there. Salesforce and Freshdesk
 * retry on their own schedules whatever it says.
 */
const MAX_RETRY_AFTER_S = 59;

interface Answer {
  status: number;
  outcome: WebhookOutcome;
  message: string;
  retryAfterMs?: number;
}

function answerFor(error: unknown): Answer {
  if (error instanceof WebhookRefusal) {
    return {
      status: error.status,
      outcome: error.outcome,
      message: error.message,
      retryAfterMs: error instanceof RateLimitedWebhookError ? error.retryAfterMs : undefined,
    };
  }
  if (error instanceof TransientError) {
    return {
      status: 503,
      outcome: 'unavailable',
      message: 'the hub cannot take this webhook now; nothing was acknowledged, send it again later',
      retryAfterMs: error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
    };
  }
  if (error instanceof PermanentError) {
    return { status: 422, outcome: 'rejected', message: `the hub refused the change it carries (${error.code})` };
  }
  if (error instanceof HttpException) {
    return { status: error.getStatus(), outcome: 'failed', message: error.message };
  }
  return { status: 500, outcome: 'failed', message: 'internal error' };
}

/**
 * Turns whatever a webhook route threw into its answer: the status, `Retry-After` (seconds) on 429 and 503, a
 * basic challenge on a 401 that has one, and `{statusCode, error, message, requestId}`. Counts every answer and
 * logs it without body, secret or personal data.
 */
@Catch()
@Injectable()
export class WebhookExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly metrics: WebhookMetrics,
    private readonly log: AppLogger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const requestId = requestIdOf(res);
    const source = webhookSourceOf(res);
    const answer = answerFor(error);
    if (source) this.metrics.request(source, answer.outcome);
    const line = { source, requestId, status: answer.status, outcome: answer.outcome };
    if (answer.status >= 500 && answer.outcome !== 'unavailable') {
      this.log.error({ ...line, err: error }, 'webhook failed');
    } else if (error instanceof TransientError || error instanceof PermanentError) {
      this.log.warn({ ...line, code: error.code }, `webhook not taken: ${answer.message}`);
    } else {
      this.log.warn(line, `webhook refused: ${answer.message}`);
    }
    if (answer.retryAfterMs !== undefined) {
      const seconds = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(answer.retryAfterMs / 1000)));
      res.setHeader('Retry-After', String(seconds));
    }
    if (error instanceof UnauthenticatedWebhookError && error.challenge) {
      res.setHeader('WWW-Authenticate', error.challenge);
    }
    res.status(answer.status).json({
      statusCode: answer.status,
      error: STATUS_CODES[answer.status] ?? 'Error',
      message: answer.message,
      requestId,
    });
  }
}
