import type { HubHttpOptions } from '@hub/runtime';
import type { IngressConfig } from '../config';
import { SOAP_CONTENT_TYPES } from './salesforce/outbound-message.parser';

/** Zendesk webhooks: the signing secret and how far the signature's timestamp may be from the hub's clock. */
export interface ZendeskWebhookSettings {
  signingSecret: string;
  toleranceMs: number;
}

/** Freshdesk automation rules: the shared secret, sent in `secretHeader` or as the basic-auth password. */
export interface FreshdeskWebhookSettings {
  secret: string;
  secretHeader: string;
}

/** Salesforce Outbound Messages: the one org they are accepted from. */
export interface SalesforceOutboundSettings {
  organizationId: string;
}

/**
 * The webhook front doors' settings (DI token), parsed once from the ingress config. A vendor whose secret (or org)
 * is not configured is null here, and its route answers 404: the hub never accepts unauthenticated input.
 */
export class WebhookSettings {
  constructor(
    readonly zendesk: ZendeskWebhookSettings | null,
    readonly freshdesk: FreshdeskWebhookSettings | null,
    readonly salesforce: SalesforceOutboundSettings | null,
    readonly bodyLimitBytes: number,
    readonly rate: { perSecond: number; burst: number },
  ) {}

  static fromConfig(config: IngressConfig): WebhookSettings {
    return new WebhookSettings(
      config.ZENDESK_WEBHOOK_SECRET
        ? { signingSecret: config.ZENDESK_WEBHOOK_SECRET, toleranceMs: config.ZENDESK_SIGNATURE_TOLERANCE_S * 1000 }
        : null,
      config.FRESHDESK_WEBHOOK_SECRET
        ? { secret: config.FRESHDESK_WEBHOOK_SECRET, secretHeader: config.FRESHDESK_SECRET_HEADER }
        : null,
      config.SALESFORCE_ORG_ID ? { organizationId: config.SALESFORCE_ORG_ID } : null,
      config.WEBHOOK_BODY_LIMIT_BYTES,
      { perSecond: config.WEBHOOK_RATE_PER_S, burst: config.WEBHOOK_RATE_BURST },
    );
  }

  /** The routes that answer 404 for want of a secret or org, for the boot log. */
  disabledRoutes(): string[] {
    return [
      ...(this.zendesk ? [] : ['POST /webhooks/zendesk (ZENDESK_WEBHOOK_SECRET unset)']),
      ...(this.freshdesk ? [] : ['POST /webhooks/freshdesk (FRESHDESK_WEBHOOK_SECRET unset)']),
      ...(this.salesforce ? [] : ['POST /webhooks/salesforce/outbound-message (SALESFORCE_ORG_ID unset)']),
    ];
  }
}

/**
 * The HTTP edge ingress needs for its webhooks (for `bootstrapHubApp`'s `http` option): raw bodies for signatures,
 * one body limit, SOAP's XML read as text, request ids, and the OpenAPI document at `GET /openapi.json`.
 */
export function webhookHttpOptions(config: IngressConfig): HubHttpOptions {
  return {
    bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
    textTypes: SOAP_CONTENT_TYPES,
    openApi: {
      title: 'ingress',
      version: '1',
      description: 'Webhook front doors of the hub: Zendesk, Freshdesk and Salesforce Outbound Messages.',
    },
  };
}
