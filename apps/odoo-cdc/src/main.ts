import './tracing';
import { bootstrapHubApp } from '@hub/resilience';
import { loadOdooCdcConfig } from './config';
import { OdooCdcModule } from './odoo-cdc.module';

void bootstrapHubApp(
  'odoo-cdc',
  () => loadOdooCdcConfig(),
  (config, log) => OdooCdcModule.forRoot(config, log),
);
