import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, MetricsController, readinessChecksProvider } from '@hub/runtime';
import type { Logger } from 'pino';
import type { IngressConfig } from './config';
import { IntakeModule } from './intake/intake.module';
import { SalesforceCaptureModule } from './salesforce-cdc/salesforce-capture.module';
import { SalesforceCaptureService } from './salesforce-cdc/salesforce-capture.service';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The hub's front door: Salesforce Change Data Capture, Outbound Messages and the support desks' webhooks, each
 * turned into canonical events that are durable on Kafka before anything is acknowledged.
 */
@Module({})
export class IngressModule {
  static forRoot(config: IngressConfig, log: Logger): DynamicModule {
    const salesforce = SalesforceCaptureModule.forRoot(config);
    return {
      module: IngressModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        IntakeModule.forRoot(config, log),
        salesforce,
        WebhooksModule.forRoot(config, { imports: [salesforce] }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        readinessChecksProvider({
          registryUrl: config.SCHEMA_REGISTRY_URL,
          inject: [SalesforceCaptureService],
          extra: (h, capture) => {
            const cdc = capture as SalesforceCaptureService | null;
            if (!cdc) return [];
            return [
              async () =>
                cdc.allSubscribed()
                  ? h.check('salesforce-cdc').up()
                  : h.check('salesforce-cdc').down({ message: 'a change stream is not subscribed' }),
            ];
          },
        }),
      ],
    };
  }
}
