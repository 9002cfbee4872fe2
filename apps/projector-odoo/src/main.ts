import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadProjectorOdooConfig } from './config';
import { ProjectorOdooModule } from './projector-odoo.module';

void bootstrapHubApp(
  'projector-odoo',
  () => loadProjectorOdooConfig(),
  (config, log) => ProjectorOdooModule.forRoot(config, log),
);
