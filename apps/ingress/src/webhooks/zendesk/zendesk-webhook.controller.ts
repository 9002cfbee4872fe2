import { Controller, HttpCode, Post, RawBodyRequest, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebhookExceptionFilter } from '../http/webhook-exception.filter';
import { ApiWebhookAnswers, RESPONSE_HEADERS, webhookAnswerSchema } from '../http/webhook.openapi';
import { webhookRequestOf } from '../http/webhook-request';
import { FromWebhookSource, WebhookSourceGuard } from '../http/webhook-source.guard';
import type { WebhookAnswer } from '../tickets/ticket-intake.service';
import { ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER } from './zendesk-signature.verifier';
import { ZENDESK_INVOCATION_HEADER, ZendeskWebhookService } from './zendesk-webhook.service';

const text = { type: 'string' };
const nullableText = { type: 'string', nullable: true };

@ApiTags('webhooks')
@Controller('webhooks')
@UseGuards(WebhookSourceGuard)
@UseFilters(WebhookExceptionFilter)
export class ZendeskWebhookController {
  constructor(private readonly service: ZendeskWebhookService) {}

  @Post('zendesk')
  @HttpCode(200)
  @FromWebhookSource('zendesk')
  @ApiOperation({
    summary: 'Zendesk webhook: ticket events (event subscriptions) or the hub trigger template',
    description:
      'Signed by Zendesk: base64(HMAC-SHA256(signing secret, timestamp + raw body)). Ticket events of the handled ' +
      'types and trigger bodies become a service-case.upserted; other well-formed event types are answered 200 ' +
      '(outcome ignored) and counted. 200 comes only once Kafka acknowledged the change (or it was a duplicate).',
  })
  @ApiConsumes('application/json')
  @ApiHeader({ name: ZENDESK_SIGNATURE_HEADER, required: true, description: 'base64 HMAC-SHA256 signature.' })
  @ApiHeader({
    name: ZENDESK_TIMESTAMP_HEADER,
    required: true,
    description:
      'ISO-8601 time of signing; refused when further than ZENDESK_SIGNATURE_TOLERANCE_S from the hub clock.',
  })
  @ApiHeader({
    name: ZENDESK_INVOCATION_HEADER,
    required: false,
    description: 'The dedupe id of a trigger body (the same on retries); without it, ticket id + updated_at.',
  })
  @ApiBody({
    schema: {
      oneOf: [
        {
          title: 'Event subscription',
          type: 'object',
          required: ['type', 'id', 'time', 'detail'],
          properties: {
            type: { type: 'string', example: 'zen:event-type:ticket.status_changed' },
            id: { type: 'string', description: 'The event id: the dedupe key.' },
            time: { type: 'string', format: 'date-time' },
            detail: {
              type: 'object',
              description: 'The ticket (for ticket events); ids are strings, status and priority upper case.',
              required: ['id', 'status'],
              properties: {
                id: text,
                subject: nullableText,
                status: text,
                priority: nullableText,
                requester_id: nullableText,
                organization_id: nullableText,
                created_at: { type: 'string', format: 'date-time' },
                updated_at: { type: 'string', format: 'date-time' },
                via: { type: 'object', properties: { channel: text } },
              },
            },
            zendesk_event_version: { type: 'string', example: '2022-11-06' },
          },
        },
        {
          title: 'Trigger template (docs/webhooks.md)',
          type: 'object',
          required: ['ticket'],
          properties: {
            ticket: {
              type: 'object',
              required: ['id', 'updated_at', 'status', 'requester'],
              properties: {
                id: text,
                created_at: text,
                updated_at: text,
                subject: text,
                status: text,
                priority: text,
                via: text,
                requester: { type: 'object', properties: { id: text, name: text, email: text } },
                organization: { type: 'object', properties: { id: text, name: text } },
                order_reference: text,
                invoice_reference: text,
              },
            },
          },
        },
      ],
    },
  })
  @ApiOkResponse({ description: 'Taken (or ignored).', headers: RESPONSE_HEADERS, schema: webhookAnswerSchema })
  @ApiWebhookAnswers({
    401: 'Signature missing or wrong, or its timestamp outside the window.',
    404: 'ZENDESK_WEBHOOK_SECRET is not configured: this hub takes no Zendesk webhooks.',
  })
  receive(@Req() req: RawBodyRequest<Request>, @Res({ passthrough: true }) res: Response): Promise<WebhookAnswer> {
    return this.service.receive(webhookRequestOf(req, res));
  }
}
