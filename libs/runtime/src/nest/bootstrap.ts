import { DynamicModule, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { ConfigError } from '../config';
import { createRootLogger } from '../logger';
import { stopTracing } from '../tracing/otel-sdk';
import { configureHubHttp, HUB_HTTP_APP_OPTIONS, HubHttpOptions } from './http';

/** Routes Nest's own log lines into the app's pino logger. */
class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string) {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
}

const SHUTDOWN_TIMEOUT_MS = 30_000;

/** What an app may ask of {@link bootstrapHubApp} beyond the defaults every app shares. */
export interface HubAppOptions<C> {
  /**
   * For an app that receives requests from outside: raw bodies, one body limit (413 above it), request ids on every
   * answer, OpenAPI (see {@link configureHubHttp}), from the validated config. Without it Nest's defaults apply.
   */
  http?: (config: C) => HubHttpOptions;
}

/**
 * Boots one hub app: validates configuration before anything connects (a bad variable fails here, named),
 * creates the Nest app, listens; on SIGTERM/SIGINT closes it (consumers stop and commit, producers flush) and exits 0.
 */
export async function bootstrapHubApp<C extends { HTTP_PORT: number }>(
  app: string,
  loadConfig: () => C,
  rootModule: (config: C, log: Logger) => DynamicModule,
  options: HubAppOptions<C> = {},
): Promise<void> {
  const log = createRootLogger(app);
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.fatal(error.message);
      process.stderr.write(`${app}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  try {
    const http = options.http?.(config);
    const nest = await NestFactory.create<NestExpressApplication>(rootModule(config, log), {
      logger: new PinoNestLogger(log),
      ...(http ? HUB_HTTP_APP_OPTIONS : {}),
    });
    if (http) configureHubHttp(nest, http);
    await nest.listen(config.HTTP_PORT);
    log.info({ port: config.HTTP_PORT }, `${app} ready`);
    // Our own signal handling rather than enableShutdownHooks(): Nest re-raises the signal after closing, so the
    // process would end "killed by SIGTERM" even after a clean shutdown; here it exits 0 once everything is flushed.
    const shutdown = (signal: NodeJS.Signals) => {
      log.info({ signal }, `${app} shutting down`);
      const force = setTimeout(() => {
        log.error(`${app} did not shut down within ${SHUTDOWN_TIMEOUT_MS} ms, exiting`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      force.unref();
      nest
        .close()
        .then(() => stopTracing())
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          log.error({ err: error }, `${app} shutdown failed`);
          process.exit(1);
        });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  } catch (error) {
    log.fatal({ err: error }, `${app} failed to start: ${(error as Error).message}`);
    await stopTracing();
    process.exit(1);
  }
}
