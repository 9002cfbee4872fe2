import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadConsoleConfig } from './config';
import { ConsoleModule } from './console.module';

void bootstrapHubApp(
  'console',
  () => loadConsoleConfig(),
  (config, log) => ConsoleModule.forRoot(config, log),
  {
    http: (config) => ({ bodyLimitBytes: 64 * 1024, trustProxy: config.CONSOLE_TRUST_PROXY }),
  },
);
