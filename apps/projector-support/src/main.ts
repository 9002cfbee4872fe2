import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadProjectorSupportConfig } from './config';
import { ProjectorSupportModule } from './projector-support.module';

void bootstrapHubApp(
  'projector-support',
  () => loadProjectorSupportConfig(),
  (config, log) => ProjectorSupportModule.forRoot(config, log),
);
