import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadOdooCdcConfig } from './config';
import { OdooCdcModule } from './odoo-cdc.module';

void bootstrapHubApp(
  'odoo-cdc',
  () => loadOdooCdcConfig(),
  (config, log) => OdooCdcModule.forRoot(config, log),
);
