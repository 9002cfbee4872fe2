import type { RawBodyRequest } from '@nestjs/common';
import { requestIdOf } from '@hub/runtime';
import type { Request, Response } from 'express';

/** What a webhook service reads of an HTTP request: no framework type crosses into the services. */
export interface WebhookRequest {
  /** The request id every answer carries (`X-Request-Id`). */
  requestId: string;
  /** The body exactly as received, when a body parser read it (JSON, XML); undefined otherwise. */
  rawBody: Buffer | undefined;
  /** The parsed body: an object for JSON, a string for XML. */
  body: unknown;
  /** A header's value (the first, when sent more than once). */
  header(name: string): string | undefined;
  /** Whether the body's Content-Type is one of `types` (e.g. `application/json`, `text/xml`). */
  isContentType(...types: string[]): boolean;
}

export function webhookRequestOf(req: RawBodyRequest<Request>, res: Response): WebhookRequest {
  return {
    requestId: requestIdOf(res),
    rawBody: req.rawBody,
    body: req.body,
    header: (name) => req.header(name),
    isContentType: (...types) => Boolean(req.is(types)),
  };
}

/** A header value used as an id only when it is a short plain token. */
export const plainToken = (value: string | undefined) =>
  value !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
