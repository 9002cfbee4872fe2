import { DynamicModule, Module } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import {
  AppLogger,
  HealthController,
  KafkaClient,
  kafkaReadiness,
  ReadinessChecks,
  registryReadiness,
} from '@hub/resilience';
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
        {
          provide: ReadinessChecks,
          inject: [HealthIndicatorService, KafkaClient],
          useFactory: (h: HealthIndicatorService, kafka: KafkaClient) => ({
            checks: [kafkaReadiness(h, kafka), registryReadiness(h, config.SCHEMA_REGISTRY_URL)],
          }),
        },
      ],
    };
  }
}
