import { Controller, HttpCode, Post, RawBodyRequest, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebhookExceptionFilter } from '../http/webhook-exception.filter';
import { ApiWebhookAnswers, RESPONSE_HEADERS, webhookAnswerSchema } from '../http/webhook.openapi';
import { webhookRequestOf } from '../http/webhook-request';
import { FromWebhookSource, WebhookSourceGuard } from '../http/webhook-source.guard';
import type { WebhookAnswer } from '../tickets/ticket-intake.service';
import { FreshdeskWebhookService } from './freshdesk-webhook.service';

const text = { type: 'string' };

@ApiTags('webhooks')
@Controller('webhooks')
@UseGuards(WebhookSourceGuard)
@UseFilters(WebhookExceptionFilter)
export class FreshdeskWebhookController {
  constructor(private readonly service: FreshdeskWebhookService) {}

  @Post('freshdesk')
  @HttpCode(200)
  @FromWebhookSource('freshdesk')
  @ApiOperation({
    summary: 'Freshdesk automation-rule webhook (the hub template)',
    description:
      'Freshdesk signs nothing: the rule sends the shared secret in the secret header (FRESHDESK_SECRET_HEADER, ' +
      'default X-Hub-Webhook-Secret) or as the basic-auth password. The body becomes a service-case.upserted, ' +
      'deduped on ticket id + updated_at; 200 comes only once Kafka acknowledged it (or it was a duplicate).',
  })
  @ApiConsumes('application/json')
  @ApiHeader({ name: 'X-Hub-Webhook-Secret', required: false, description: 'The shared secret (or use basic auth).' })
  @ApiBasicAuth()
  @ApiBody({
    schema: {
      title: 'Automation template (docs/webhooks.md)',
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
            source: text,
            requester: { type: 'object', properties: { id: text, name: text, email: text } },
            company: { type: 'object', properties: { id: text, name: text } },
            order_reference: text,
            invoice_reference: text,
          },
        },
      },
    },
  })
  @ApiOkResponse({ description: 'Taken.', headers: RESPONSE_HEADERS, schema: webhookAnswerSchema })
  @ApiWebhookAnswers({
    401: 'Shared secret missing or wrong (with a basic challenge).',
    404: 'FRESHDESK_WEBHOOK_SECRET is not configured: this hub takes no Freshdesk webhooks.',
  })
  receive(@Req() req: RawBodyRequest<Request>, @Res({ passthrough: true }) res: Response): Promise<WebhookAnswer> {
    return this.service.receive(webhookRequestOf(req, res));
  }
}
