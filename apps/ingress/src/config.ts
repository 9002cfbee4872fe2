import { env, parseConfig } from '@hub/runtime';

/** Every environment variable ingress reads; the only file that touches process.env. */
export const ingressConfigShape = {
  HTTP_PORT: env.port(3100),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
};

export type IngressConfig = ReturnType<typeof loadIngressConfig>;

export function loadIngressConfig(source: NodeJS.ProcessEnv = process.env) {
  return parseConfig(ingressConfigShape, source);
}
