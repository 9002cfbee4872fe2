import { DynamicModule, Module, ModuleMetadata, OnModuleInit, Provider } from '@nestjs/common';
import { AppLogger, HubMetrics } from '@hub/runtime';
import { Registry } from 'prom-client';
import type { IngressConfig } from '../config';
import { FreshdeskWebhookController } from './freshdesk/freshdesk-webhook.controller';
import { FreshdeskWebhookService } from './freshdesk/freshdesk-webhook.service';
import { WebhookExceptionFilter } from './http/webhook-exception.filter';
import { WebhookMetrics } from './http/webhook.metrics';
import { WebhookRateLimiter } from './http/webhook-rate.limiter';
import { WebhookSourceGuard } from './http/webhook-source.guard';
import { OutboundMessageController } from './salesforce/outbound-message.controller';
import { OutboundMessageService } from './salesforce/outbound-message.service';
import { TicketIntakeService } from './tickets/ticket-intake.service';
import { WebhookSettings } from './webhooks.config';
import { ZendeskWebhookController } from './zendesk/zendesk-webhook.controller';
import { ZendeskWebhookService } from './zendesk/zendesk-webhook.service';

/** What the parent module lends the webhooks: the ports they hand changes to, the logger, and the metrics. */
export interface WebhooksModuleDependencies {
  /** Modules exporting `Intake`, `SalesforceRecordSink` and `AppLogger` (and `HubMetrics`, if the app has one). */
  imports?: ModuleMetadata['imports'];
  /** Or the same as providers, e.g. `{ provide: AppLogger, useValue: log }`. */
  providers?: Provider[];
}

/** Says at boot which front doors are closed for want of a secret, so a 404 in a vendor's log is explained. */
class WebhookRoutesReport implements OnModuleInit {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly log: AppLogger,
  ) {}

  onModuleInit() {
    const disabled = this.settings.disabledRoutes();
    if (disabled.length) this.log.warn({ disabled }, 'webhook routes answering 404 until configured');
  }
}

/**
 * The webhook front doors: `POST /webhooks/zendesk`, `POST /webhooks/freshdesk` and
 * `POST /webhooks/salesforce/outbound-message`. Needs `Intake`, `SalesforceRecordSink` and `AppLogger` from the
 * parent (through `dependencies`), and the app bootstrapped with `configureHubHttp` (raw bodies, body limit,
 * request ids). Counters go to the parent's `HubMetrics` registry when it lends one.
 */
@Module({})
export class WebhooksModule {
  static forRoot(config: IngressConfig, dependencies: WebhooksModuleDependencies = {}): DynamicModule {
    const settings = WebhookSettings.fromConfig(config);
    return {
      module: WebhooksModule,
      imports: dependencies.imports ?? [],
      controllers: [ZendeskWebhookController, FreshdeskWebhookController, OutboundMessageController],
      providers: [
        ...(dependencies.providers ?? []),
        { provide: WebhookSettings, useValue: settings },
        {
          provide: WebhookMetrics,
          inject: [{ token: HubMetrics, optional: true }],
          useFactory: (hub?: HubMetrics) => new WebhookMetrics(hub?.registry ?? new Registry()),
        },
        { provide: WebhookRateLimiter, useFactory: () => new WebhookRateLimiter(settings.rate) },
        {
          provide: WebhookRoutesReport,
          inject: [AppLogger],
          useFactory: (log: AppLogger) => new WebhookRoutesReport(settings, log),
        },
        WebhookSourceGuard,
        WebhookExceptionFilter,
        TicketIntakeService,
        ZendeskWebhookService,
        FreshdeskWebhookService,
        OutboundMessageService,
      ],
      exports: [WebhookMetrics],
    };
  }
}
