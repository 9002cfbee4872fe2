/**
 * Pub/Sub API failures as the service reports them: a gRPC status, a message ending in `rpcId: <uuid>`, and
 * Salesforce's own code in the `error-code` trailer (Pub/Sub API guide, "Handle Errors"). Where Salesforce's
 * documentation names the code but not the gRPC status, the status is the sandbox's choice and says so.
 */
import { randomUUID } from 'node:crypto';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

export type GrpcStatusName = keyof typeof status;

/** A failure to answer: gRPC status, Salesforce error code and message (without the rpcId suffix). */
export interface PubSubFailure {
  code: GrpcStatusName;
  errorCode: string;
  message: string;
}

const PREFIX = 'sfdc.platform.eventbus.grpc.';

export const PubSubErrors = {
  /** Seen from the real service (client issue threads): UNAUTHENTICATED with this message. */
  authError: (): PubSubFailure => ({
    code: 'UNAUTHENTICATED',
    errorCode: `${PREFIX}service.auth.error`,
    message: 'An authentication exception occurred. Provide valid authentication via metadata headers.',
  }),
  /** Documented code for a blank or invalid header; the status is the sandbox's choice. */
  authHeadersInvalid: (header: string): PubSubFailure => ({
    code: 'UNAUTHENTICATED',
    errorCode: `${PREFIX}service.auth.headers.invalid`,
    message: `The ${header} header value is invalid or blank. Provide valid authentication via metadata headers.`,
  }),
  /** Documented code; NOT_FOUND is the sandbox's choice of status. */
  topicNotFound: (topic: string): PubSubFailure => ({
    code: 'NOT_FOUND',
    errorCode: `${PREFIX}topic.not.found`,
    message: `The topic ${topic} does not exist.`,
  }),
  topicEmpty: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}topic.validation.empty`,
    message: 'The topic name is blank. Provide a topic name.',
  }),
  schemaEmpty: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}schema.validation.failed`,
    message: 'The schema ID is blank. Provide a schema ID.',
  }),
  /** Documented code for a schema that cannot be read; NOT_FOUND is the sandbox's choice of status. */
  schemaNotFound: (schemaId: string): PubSubFailure => ({
    code: 'NOT_FOUND',
    errorCode: `${PREFIX}schema.meta.permission`,
    message: `The schema ${schemaId} doesn't exist or you don't have access to it.`,
  }),
  /** A replay id that is malformed, unknown or outside the retention window: INVALID_ARGUMENT, as documented. */
  replayIdCorrupted: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}subscription.fetch.replayid.corrupted`,
    message:
      'The Replay ID validation failed. Ensure that the replay_id field value in FetchRequest is valid and refers to an event that is within the retention window.',
  }),
  /** CUSTOM preset without a replay id. */
  replayIdMissing: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}subscription.fetch.replayid.validation.failed`,
    message: 'The Replay ID validation failed. Ensure that the Replay ID is valid.',
  }),
  requestedEventsInvalid: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}subscription.fetch.requested.events.invalid`,
    message: 'The number of requested events must be greater than zero.',
  }),
  topicMismatch: (): PubSubFailure => ({
    code: 'INVALID_ARGUMENT',
    errorCode: `${PREFIX}subscription.fetch.topic.mismatch`,
    message: 'The topic name in the FetchRequest differs from the topic of the subscription.',
  }),
  /** Seen from the real service during an outage: INTERNAL with this message. The default injected fault. */
  serviceUnavailable: (): PubSubFailure => ({
    code: 'INTERNAL',
    errorCode: `${PREFIX}service.unavailable`,
    message: 'The service is unavailable. Try again later.',
  }),
};

/** The status object grpc-js sends: code, `message rpcId: …`, and the `error-code` and `rpc-id` trailers. */
export function toServiceError(failure: PubSubFailure): Partial<ServiceError> {
  const rpcId = randomUUID();
  const metadata = new Metadata();
  metadata.set('error-code', failure.errorCode);
  metadata.set('rpc-id', rpcId);
  return { code: status[failure.code], details: `${failure.message} rpcId: ${rpcId}`, metadata };
}

export function isGrpcStatusName(value: unknown): value is GrpcStatusName {
  return typeof value === 'string' && value in status && Number.isNaN(Number(value));
}
