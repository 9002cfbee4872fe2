import { Controller, Header, HttpCode, Post, RawBodyRequest, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebhookExceptionFilter } from '../http/webhook-exception.filter';
import { ApiWebhookAnswers, RESPONSE_HEADERS } from '../http/webhook.openapi';
import { webhookRequestOf } from '../http/webhook-request';
import { FromWebhookSource, WebhookSourceGuard } from '../http/webhook-source.guard';
import { OUTBOUND_ACK, SOAP_CONTENT_TYPES } from './outbound-message.parser';
import { OutboundMessageService } from './outbound-message.service';

@ApiTags('webhooks')
@Controller('webhooks/salesforce')
@UseGuards(WebhookSourceGuard)
@UseFilters(WebhookExceptionFilter)
export class OutboundMessageController {
  constructor(private readonly service: OutboundMessageService) {}

  @Post('outbound-message')
  @HttpCode(200)
  @Header('Content-Type', 'text/xml; charset=utf-8')
  @FromWebhookSource('salesforce-outbound-message')
  @ApiOperation({
    summary: 'Salesforce Outbound Message (SOAP 1.1 notifications, up to 100)',
    description:
      'Accepted from the org SALESFORCE_ORG_ID only. The notifications go to the hub; the notificationsResponse ' +
      'with Ack true is returned only once they are durable (or known duplicates). Salesforce retries anything else ' +
      'for up to 24 h.',
  })
  @ApiConsumes(...SOAP_CONTENT_TYPES)
  @ApiBody({
    description: 'soapenv:Envelope/soapenv:Body/notifications (namespace http://soap.sforce.com/2005/09/outbound).',
    schema: { type: 'string', format: 'xml' },
  })
  @ApiOkResponse({
    description: 'The acknowledgement of every notification of the message.',
    headers: RESPONSE_HEADERS,
    content: { 'text/xml': { schema: { type: 'string', example: OUTBOUND_ACK } } },
  })
  @ApiWebhookAnswers({
    403: 'The message comes from another Salesforce org than SALESFORCE_ORG_ID.',
    404: 'SALESFORCE_ORG_ID is not configured: this hub takes no Outbound Messages.',
  })
  receive(@Req() req: RawBodyRequest<Request>, @Res({ passthrough: true }) res: Response): Promise<string> {
    return this.service.receive(webhookRequestOf(req, res));
  }
}
