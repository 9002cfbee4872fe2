import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from '@hub/runtime';

const requestIdHeader = {
  [REQUEST_ID_HEADER]: {
    description:
      "The request id: the caller's X-Request-Id when it is a plain token (up to 128 of A-Z a-z 0-9 . _ : -), else a new UUID.",
    schema: { type: 'string' },
  },
};
const retryAfterHeader = {
  'Retry-After': { description: 'Seconds to wait before sending again (1 to 59).', schema: { type: 'integer' } },
};
const errorBody = {
  type: 'object',
  required: ['statusCode', 'error', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string', example: 'Bad Request' },
    message: { type: 'string', description: 'What is wrong, e.g. the field path; never a secret or a body value.' },
    requestId: { type: 'string' },
  },
};

/** The answer of a desk webhook the hub took (200). */
export const webhookAnswerSchema = {
  type: 'object',
  required: ['requestId', 'outcome', 'published', 'duplicates'],
  properties: {
    requestId: { type: 'string' },
    outcome: { type: 'string', enum: ['accepted', 'duplicate', 'ignored'] },
    published: { type: 'integer', description: 'Changes published to Kafka (acknowledged) for this request.' },
    duplicates: { type: 'integer', description: 'Changes the hub had already taken (a retry): not published again.' },
  },
};

/** The request-id header and the refusals every webhook route may answer, with their headers. */
export function ApiWebhookAnswers(refusals: { 401?: string; 403?: string; 404: string }) {
  const refusal = (status: number, description: string, headers = {}) =>
    ApiResponse({ status, description, headers: { ...requestIdHeader, ...headers }, schema: errorBody });
  return applyDecorators(
    ApiHeader({ name: REQUEST_ID_HEADER, required: false, description: 'An id to trace the request by; echoed.' }),
    refusal(400, 'The body is malformed (unparsable, or a field missing or wrong: the message names its path).'),
    ...(refusals[401] ? [refusal(401, refusals[401])] : []),
    ...(refusals[403] ? [refusal(403, refusals[403])] : []),
    refusal(404, refusals[404]),
    refusal(413, 'The body is larger than WEBHOOK_BODY_LIMIT_BYTES (default 1 MiB).'),
    refusal(415, 'The body has a content type the route does not read.'),
    refusal(422, 'The hub refused the change for good (its code is in the message); sending it again will not help.'),
    refusal(429, 'Too many requests from this source (token bucket per source); wait Retry-After.', retryAfterHeader),
    refusal(503, 'Kafka is unavailable or slow: nothing was taken; send again after Retry-After.', retryAfterHeader),
  );
}

export const RESPONSE_HEADERS = requestIdHeader;
