/**
 * Faults for the Pub/Sub API's streams, set through `POST /__admin/pubsub/faults` (beside the REST faults of
 * `fault.injector.ts`): refuse the next Subscribe calls, or close each stream after it delivered some events, with a
 * chosen status (by default the INTERNAL "service unavailable" failure seen from the real service).
 */
import { isGrpcStatusName, PubSubErrors, type PubSubFailure } from './pubsub.errors';

export interface StreamFaultConfig {
  /** The next N Subscribe calls fail with `failure` before any event is sent. */
  refuseSubscribes: number;
  /** A stream is closed with `failure` once it delivered this many events after the setting (null: never). */
  closeAfterEvents: number | null;
  failure: PubSubFailure;
}

export function noStreamFaults(): StreamFaultConfig {
  return { refuseSubscribes: 0, closeAfterEvents: null, failure: PubSubErrors.serviceUnavailable() };
}

/** `{code?, errorCode?, message?}` over the default failure; errors name each bad key. */
export function parseFailure(input: unknown, errors: string[]): PubSubFailure {
  const failure = PubSubErrors.serviceUnavailable();
  if (input === undefined) return failure;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    errors.push('status must be an object {code, errorCode, message}');
    return failure;
  }
  const { code, errorCode, message } = input as Record<string, unknown>;
  if (code !== undefined) {
    if (isGrpcStatusName(code)) failure.code = code;
    else errors.push(`status.code must be a gRPC status name such as UNAVAILABLE, got ${JSON.stringify(code)}`);
  }
  if (errorCode !== undefined) {
    if (typeof errorCode === 'string') failure.errorCode = errorCode;
    else errors.push('status.errorCode must be a string');
  }
  if (message !== undefined) {
    if (typeof message === 'string') failure.message = message;
    else errors.push('status.message must be a string');
  }
  return failure;
}

export function parseStreamFaults(input: unknown): { config: StreamFaultConfig } | { errors: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { errors: ['body must be a JSON object'] };
  }
  const errors: string[] = [];
  const config = noStreamFaults();
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!['refuseSubscribes', 'closeAfterEvents', 'status'].includes(key)) errors.push(`unknown key ${key}`);
  }
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (body['refuseSubscribes'] !== undefined) {
    if (count(body['refuseSubscribes'])) config.refuseSubscribes = body['refuseSubscribes'] as number;
    else errors.push('refuseSubscribes must be an integer ≥ 0');
  }
  if (body['closeAfterEvents'] !== undefined && body['closeAfterEvents'] !== null) {
    if (count(body['closeAfterEvents'])) config.closeAfterEvents = body['closeAfterEvents'] as number;
    else errors.push('closeAfterEvents must be an integer ≥ 0 or null');
  }
  config.failure = parseFailure(body['status'], errors);
  return errors.length ? { errors } : { config };
}

export class StreamFaults {
  config: StreamFaultConfig = noStreamFaults();
  /** Bumped on every change, so streams count `closeAfterEvents` from the setting. */
  generation = 0;

  set(config: StreamFaultConfig): void {
    this.config = config;
    this.generation++;
  }

  clear(): void {
    this.set(noStreamFaults());
  }

  /** The failure for a new Subscribe call, if one is to be refused (uses up one refusal). */
  refuseSubscribe(): PubSubFailure | undefined {
    if (this.config.refuseSubscribes <= 0) return undefined;
    this.config.refuseSubscribes--;
    return this.config.failure;
  }
}
