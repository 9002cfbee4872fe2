import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppLogger, HealthController, kafkaClientProvider, readinessChecksProvider } from '@hub/runtime';
import type { Logger } from 'pino';
import type { ProjectorSupportConfig } from './config';

/** Health and wiring only for now; its flows arrive with their issues. */
@Module({})
export class ProjectorSupportModule {
  static forRoot(config: ProjectorSupportConfig, log: Logger): DynamicModule {
    return {
      module: ProjectorSupportModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: AppLogger, useValue: log },
        kafkaClientProvider({ clientId: 'projector-support', brokers: config.KAFKA_BROKERS, log }),
        readinessChecksProvider({ registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
    };
  }
}
