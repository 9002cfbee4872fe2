import { Injectable } from '@nestjs/common';
import { UnsupportedMediaTypeWebhookError, WebhookNotConfiguredError } from '../http/webhook.errors';
import type { WebhookRequest } from '../http/webhook-request';
import { TicketIntakeService, WebhookAnswer } from '../tickets/ticket-intake.service';
import { WebhookSettings } from '../webhooks.config';
import { authenticateFreshdesk } from './freshdesk-auth.verifier';
import { readFreshdeskWebhook } from './freshdesk-ticket.mapper';

/**
 * `POST /webhooks/freshdesk`: checks the shared secret (Freshdesk signs nothing), reads the hub's automation-rule
 * template and hands the ticket to the intake. Refusals are thrown as WebhookRefusals.
 */
@Injectable()
export class FreshdeskWebhookService {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly tickets: TicketIntakeService,
  ) {}

  async receive(request: WebhookRequest): Promise<WebhookAnswer> {
    const settings = this.settings.freshdesk;
    if (!settings) throw new WebhookNotConfiguredError('no Freshdesk webhook is configured on this hub');
    authenticateFreshdesk(
      { secretHeader: request.header(settings.secretHeader), authorization: request.header('Authorization') },
      settings,
    );
    if (!request.isContentType('application/json')) {
      throw new UnsupportedMediaTypeWebhookError("expected Content-Type application/json (the rule's JSON encoding)");
    }
    const event = readFreshdeskWebhook(request.body);
    return this.tickets.accept('freshdesk', event, { requestId: request.requestId, eventType: 'automation' });
  }
}
