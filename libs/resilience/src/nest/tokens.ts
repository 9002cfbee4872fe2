import type { Logger } from 'pino';
import type { HealthIndicatorResult } from '@nestjs/terminus';

/** DI token for the app's root pino logger. */
export abstract class AppLogger {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AppLogger extends Logger {}

/** DI token for the readiness checks an app contributes; `/health/ready` runs them all. */
export abstract class ReadinessChecks {
  abstract readonly checks: ReadonlyArray<() => Promise<HealthIndicatorResult>>;
}
