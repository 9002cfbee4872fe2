import { HubDatabaseError } from '@hub/runtime';
import { KafkaJSError } from 'kafkajs';

/**
 * The two kinds of failure the hub distinguishes, decided at the edge (in each adapter's error mapper).
 *
 * - {@link TransientError}: the same call may succeed later (5xx, timeouts, row locks, rate limits).
 *   The runner retries it with backoff and never dead-letters it while the target is merely unavailable.
 * - {@link PermanentError}: retrying cannot help (a field error, a record that does not fit the schema).
 *   The runner dead-letters the record with the code and message and moves on.
 *
 * Anything else (TypeError, RangeError…) is a programmer error: it is dead-lettered as UNEXPECTED, never retried.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  /** Optional hint from the target (Retry-After, a breaker's reset time). */
  readonly retryAfterMs?: number;
  /** Short machine-readable reason, e.g. HTTP_503, UNABLE_TO_LOCK_ROW. */
  readonly code: string;
  /**
   * The target asked the hub to wait (an open breaker, an exhausted API budget), which says nothing about the record:
   * such failures pause consumption for as long as it takes and never count toward the record's retry budget.
   */
  readonly targetUnavailable: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryAfterMs?: number; cause?: unknown; targetUnavailable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.targetUnavailable = options.targetUnavailable ?? false;
  }
}

/**
 * The record cannot be applied yet because something else has to happen first (its parent record written by the
 * hub). The runner parks it on the group's park topic, so its partition moves on and only its own key waits; read
 * back from there, the handler is told since when it waits and may then wait in place. Never counted as a retry.
 */
export class DeferredError extends TransientError {
  constructor(code: string, message: string, options: { retryAfterMs?: number } = {}) {
    super(code, message, { ...options, targetUnavailable: true });
  }
}

/**
 * The record was not attempted: its call would leave short while a bulk flow is still arriving, so it goes back to
 * Kafka and comes again with the records fetched behind it. kafkajs fetches again only once every record of a fetch
 * is handled, so a short remainder cannot wait in memory for the next fetch; left unresolved, it is read again with
 * it. Neither a failure nor a retry: the partition is fetched again at once.
 */
export class CarriedOverError extends TransientError {
  constructor(message: string) {
    super('CARRIED_OVER', message, { retryAfterMs: 0 });
  }
}
/** Codes a {@link PermanentError} may carry; adapters add vendor codes through `vendorCode`. */
export const PermanentErrorCode = {
  /** The bytes could not be decoded (not JSON, unknown schema id, wrong wire format). */
  UNDECODABLE: 'UNDECODABLE',
  /** The record decoded but its content is invalid for the canonical contract. */
  INVALID_RECORD: 'INVALID_RECORD',
  /** No handler is declared for this event type. */
  UNHANDLED_EVENT_TYPE: 'UNHANDLED_EVENT_TYPE',
  /** The target refused the record for a reason retrying cannot fix (see vendorCode). */
  REJECTED_BY_TARGET: 'REJECTED_BY_TARGET',
  /** A transient failure repeated more often than the retry budget allows. */
  RETRIES_EXHAUSTED: 'RETRIES_EXHAUSTED',
  /** A bug: an exception that is neither transient nor permanent. */
  UNEXPECTED: 'UNEXPECTED',
} as const;
export type PermanentErrorCode = (typeof PermanentErrorCode)[keyof typeof PermanentErrorCode];

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly code: PermanentErrorCode;
  /** The target's own error code, e.g. Salesforce's INVALID_FIELD. */
  readonly vendorCode?: string;
  /** The target's error body, kept verbatim for the dead-letter record. */
  readonly detail?: unknown;

  constructor(
    code: PermanentErrorCode,
    message: string,
    options: { vendorCode?: string; detail?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.vendorCode = options.vendorCode;
    this.detail = options.detail;
  }
}

/**
 * Normalises anything thrown into one of the two kinds. The hub's own infrastructure (its database, Kafka) failing
 * is never the record's fault, so it is transient; programmer errors become permanent UNEXPECTED.
 */
export function classifyError(error: unknown): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  if (error instanceof HubDatabaseError) return classifyDatabaseError(error);
  const kafka = classifyKafkaError(error);
  if (kafka) return kafka;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new PermanentError(PermanentErrorCode.UNEXPECTED, message, { cause: error });
}

/**
 * The hub database being down, restarting, missing or locked is never the record's fault: transient, so the
 * partition waits instead of dead-lettering everything. Only data errors caused by the row itself (SQLSTATE class
 * 22, data exception) are permanent.
 */
function classifyDatabaseError(error: HubDatabaseError): TransientError | PermanentError {
  if (error.isDataException) {
    return new PermanentError(PermanentErrorCode.INVALID_RECORD, `${error.message} (the row was refused)`, {
      vendorCode: `SQLSTATE_${error.sqlState}`,
      cause: error,
    });
  }
  return new TransientError(error.sqlState ? `SQLSTATE_${error.sqlState}` : 'HUB_DATABASE_UNAVAILABLE', error.message, {
    cause: error,
  });
}

/** kafkajs errors say whether they are retriable; connection-level ones do not always set the flag. */
function classifyKafkaError(error: unknown): TransientError | PermanentError | undefined {
  const name = (error as Error)?.name ?? '';
  if (/KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded|Broker)/.test(name)) {
    return new TransientError('KAFKA_UNAVAILABLE', (error as Error).message, { cause: error });
  }
  if (error instanceof KafkaJSError) {
    return error.retriable
      ? new TransientError('KAFKA_RETRIABLE', error.message, { cause: error })
      : new PermanentError(PermanentErrorCode.UNEXPECTED, `kafka refused: ${error.message}`, { cause: error });
  }
  return undefined;
}
