import './tracing';
import { bootstrapHubApp } from '@hub/runtime';
import { loadIngressConfig } from './config';
import { IngressModule } from './ingress.module';
import { webhookHttpOptions } from './webhooks/webhooks.config';

void bootstrapHubApp(
  'ingress',
  () => loadIngressConfig(),
  (config, log) => IngressModule.forRoot(config, log),
  { http: webhookHttpOptions },
);
