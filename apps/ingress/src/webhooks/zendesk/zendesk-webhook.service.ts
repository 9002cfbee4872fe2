import { Injectable } from '@nestjs/common';
import { UnsupportedMediaTypeWebhookError, WebhookNotConfiguredError } from '../http/webhook.errors';
import { plainToken, WebhookRequest } from '../http/webhook-request';
import { TicketIntakeService, WebhookAnswer } from '../tickets/ticket-intake.service';
import { WebhookSettings } from '../webhooks.config';
import { readZendeskWebhook } from './zendesk-ticket.mapper';
import {
  verifyZendeskSignature,
  ZENDESK_SIGNATURE_HEADER,
  ZENDESK_TIMESTAMP_HEADER,
} from './zendesk-signature.verifier';

/** Zendesk's id of one webhook invocation, the same on each of its retries. */
export const ZENDESK_INVOCATION_HEADER = 'X-Zendesk-Webhook-Invocation-Id';

/**
 * `POST /webhooks/zendesk`: verifies the signature over the raw body, reads either body shape (event subscription or
 * the hub's trigger template) and hands the ticket to the intake. Refusals are thrown as WebhookRefusals.
 */
@Injectable()
export class ZendeskWebhookService {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly tickets: TicketIntakeService,
  ) {}

  async receive(request: WebhookRequest): Promise<WebhookAnswer> {
    const settings = this.settings.zendesk;
    if (!settings) throw new WebhookNotConfiguredError('no Zendesk webhook is configured on this hub');
    if (!request.isContentType('application/json')) {
      throw new UnsupportedMediaTypeWebhookError('expected Content-Type application/json');
    }
    verifyZendeskSignature(
      {
        signature: request.header(ZENDESK_SIGNATURE_HEADER),
        timestamp: request.header(ZENDESK_TIMESTAMP_HEADER),
        rawBody: request.rawBody ?? Buffer.alloc(0),
      },
      settings.signingSecret,
      { toleranceMs: settings.toleranceMs, now: Date.now() },
    );
    const webhook = readZendeskWebhook(request.body, plainToken(request.header(ZENDESK_INVOCATION_HEADER)));
    const context = { requestId: request.requestId, eventType: webhook.eventType };
    if (webhook.kind === 'ignored') return this.tickets.ignore('zendesk', context);
    return this.tickets.accept('zendesk', webhook.event, context);
  }
}
