import { Injectable } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import { UnsupportedMediaTypeWebhookError, WebhookNotConfiguredError } from '../http/webhook.errors';
import { outcomeOf, WebhookMetrics } from '../http/webhook.metrics';
import type { WebhookRequest } from '../http/webhook-request';
import { WebhookSettings } from '../webhooks.config';
import { OUTBOUND_ACK, parseOutboundMessage, SOAP_CONTENT_TYPES } from './outbound-message.parser';
import { SalesforceRecordSink } from './salesforce-record.sink';

/**
 * `POST /webhooks/salesforce/outbound-message`: reads the SOAP message, refuses another org's, hands the
 * notifications to the {@link SalesforceRecordSink} and returns the acknowledgement only once the sink resolved.
 */
@Injectable()
export class OutboundMessageService {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly sink: SalesforceRecordSink,
    private readonly metrics: WebhookMetrics,
    private readonly log: AppLogger,
  ) {}

  /** Resolves to the `notificationsResponse` envelope with `<Ack>true</Ack>`. */
  async receive(request: WebhookRequest): Promise<string> {
    const settings = this.settings.salesforce;
    if (!settings) throw new WebhookNotConfiguredError('no Salesforce org is configured for outbound messages');
    if (!request.isContentType(...SOAP_CONTENT_TYPES) || typeof request.body !== 'string') {
      throw new UnsupportedMediaTypeWebhookError('expected a SOAP message, Content-Type text/xml');
    }
    const message = parseOutboundMessage(request.body, settings.organizationId);
    const result = await this.sink.accept(message.organizationId, message.notifications);
    this.metrics.request('salesforce-outbound-message', outcomeOf(result));
    const objectTypes: Record<string, number> = {};
    for (const n of message.notifications) objectTypes[n.objectType] = (objectTypes[n.objectType] ?? 0) + 1;
    this.log.info(
      {
        source: 'salesforce-outbound-message',
        requestId: request.requestId,
        actionId: message.actionId,
        objectTypes,
        ...result,
      },
      'outbound message acknowledged',
    );
    return OUTBOUND_ACK;
  }
}
