import { env, parseConfig } from '@hub/runtime';

/** Every environment variable projector-support reads; the only file that touches process.env. */
export const projectorSupportConfigShape = {
  HTTP_PORT: env.port(3103),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
};

export type ProjectorSupportConfig = ReturnType<typeof loadProjectorSupportConfig>;

export function loadProjectorSupportConfig(source: NodeJS.ProcessEnv = process.env) {
  return parseConfig(projectorSupportConfigShape, source);
}
