import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppLogger, HealthController, KafkaClient, readinessChecksProvider } from '@hub/resilience';
import type { Logger } from 'pino';
import type { IngressConfig } from './config';

/** Health and wiring only for now; its flows arrive with their issues. */
@Module({})
export class IngressModule {
  static forRoot(config: IngressConfig, log: Logger): DynamicModule {
    return {
      module: IngressModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: AppLogger, useValue: log },
        {
          provide: KafkaClient,
          useFactory: async () => {
            const kafka = new KafkaClient({ clientId: 'ingress', brokers: config.KAFKA_BROKERS, log });
            await kafka.connect();
            return kafka;
          },
        },
        readinessChecksProvider({ registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
    };
  }
}
