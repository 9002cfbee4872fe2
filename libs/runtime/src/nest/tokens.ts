import type { Logger } from 'pino';
import type { HealthIndicatorResult } from '@nestjs/terminus';

/*
 * DI token for the app's root pino logger. Nest needs a runtime value as token and STYLE asks for abstract classes,
 * not strings; merging the class with pino's Logger interface gives the injected value its real type.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppLogger {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface AppLogger extends Logger {}

/** DI token for the readiness checks an app contributes; `/health/ready` runs them all. */
export abstract class ReadinessChecks {
  abstract readonly checks: ReadonlyArray<() => Promise<HealthIndicatorResult>>;
}
