import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadProjectorSalesforceConfig } from './config';
import { ProjectorSalesforceModule } from './projector-salesforce.module';

void bootstrapHubApp(
  'projector-salesforce',
  () => loadProjectorSalesforceConfig(),
  (config, log) => ProjectorSalesforceModule.forRoot(config, log),
);
