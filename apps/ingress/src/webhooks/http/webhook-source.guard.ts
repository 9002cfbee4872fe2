import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { RateLimitedWebhookError, WebhookSource } from './webhook.errors';
import { WebhookRateLimiter } from './webhook-rate.limiter';

const WEBHOOK_SOURCE = 'hub:webhook-source';

/** Names the source a webhook route receives from: its rate-limit bucket and its label in metrics and logs. */
export const FromWebhookSource = (source: WebhookSource) => SetMetadata(WEBHOOK_SOURCE, source);

/** The source of the route answering `res`, once {@link WebhookSourceGuard} ran. */
export const webhookSourceOf = (res: Response): WebhookSource | undefined => res.locals.webhookSource;

/**
 * Runs first on every webhook route: tags the response with the route's source and takes a token from that source's
 * bucket, refusing with 429 (and when to retry) once the bucket is empty. It runs before any authentication, so a
 * flood costs the hub no HMAC and no XML parse.
 */
@Injectable()
export class WebhookSourceGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: WebhookRateLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const source = this.reflector.get<WebhookSource | undefined>(WEBHOOK_SOURCE, context.getHandler());
    if (!source)
      throw new TypeError(`${context.getClass().name}.${context.getHandler().name} has no @FromWebhookSource`);
    context.switchToHttp().getResponse<Response>().locals.webhookSource = source;
    const refused = this.limiter.take(source);
    if (refused) {
      throw new RateLimitedWebhookError(`too many ${source} webhooks: retry later`, refused.retryAfterMs);
    }
    return true;
  }
}
