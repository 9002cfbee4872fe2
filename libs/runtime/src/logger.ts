import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger } from 'pino';
import { scrubSecrets } from './secret-scrubber';

export type { Logger } from 'pino';

/**
 * Fields redacted wherever they appear one level down (`{ req: { authorization } }`, `{ body: { client_secret } }`),
 * and in request headers: credentials by their usual names.
 */
export const REDACTED_PATHS = [
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-hub-webhook-secret"]',
];

/**
 * The one root logger of an app. JSON to stdout (or `destination`); LOG_LEVEL sets the level.
 * Per-message child loggers (topic, partition, offset, eventId, attempt) are made by the consumer runner; every line
 * written while a span is active carries its `traceId` and `spanId` ({@link traceMixin}), so a log line leads to the
 * record's trace in Jaeger.
 *
 * Two layers keep secrets out: fields named like credentials are redacted ({@link REDACTED_PATHS}), and every line
 * has the values of the app's `secret()` configuration replaced before it is written ({@link scrubSecrets}), so a
 * secret quoted in an error message or a vendor's answer is not written either.
 */
export function createRootLogger(app: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: app,
      level: process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '<redacted>' },
      hooks: { streamWrite: scrubSecrets },
      base: { app },
      mixin: traceMixin,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Adapts pino to kafkajs's logCreator so broker-client logs share the app's format and level. */
export function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...extra } = log;
      // kafkajs levels: 1 error, 2 warn, 4 info, 5 debug
      if (level <= 1) child.error(extra, message);
      else if (level === 2) child.warn(extra, message);
      else if (level === 4) child.info(extra, message);
      else child.trace(extra, message);
    };
}

/** The active OpenTelemetry span's ids, for every log line written inside one. */
export function traceMixin(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : {};
}
