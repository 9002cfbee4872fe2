import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppLogger, HealthController, kafkaClientProvider, readinessChecksProvider } from '@hub/runtime';
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
        kafkaClientProvider({ clientId: 'ingress', brokers: config.KAFKA_BROKERS, log }),
        readinessChecksProvider({ registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
    };
  }
}
