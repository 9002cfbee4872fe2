import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import { ApiErrors } from './salesforce.errors';

/** Salesforce's exact JSON content type; jsforce parses JSON only when it matches `^application/json(;|$)`. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** A handler's answer, written by the HTTP layer (which may still add headers or hold it back). */
export interface SandboxResponse {
  status: number;
  /** JSON-serialised when defined; a 204 has none. */
  body?: unknown;
  /** A plain-text body instead of JSON (Salesforce answers a few errors this way). */
  text?: string;
  /**
   * A body produced piece by piece as the client reads it (Bulk API result CSVs): never held whole in memory. The
   * iterable is pulled lazily, so it must be one the sandbox can still read after the handler returned.
   */
  stream?: { contentType: string; chunks: Iterable<string> };
  headers?: Record<string, string>;
}

export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): SandboxResponse {
  return { status, body, headers };
}

export function noContent(): SandboxResponse {
  return { status: 204 };
}

/** The largest request body read, but for Bulk API uploads (which have their own limit). */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const bytes = await readBodyBytes(req, MAX_BODY_BYTES);
  if (!bytes) throw new Error('request body too large');
  return bytes.toString('utf8');
}

/**
 * The request body as bytes, or undefined when it is larger than `maxBytes`. A body too large is still read to its
 * end (and dropped) so that the client, still sending, gets the answer instead of a reset connection.
 */
export async function readBodyBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= maxBytes) chunks.push(buf);
    else chunks.length = 0;
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks, size);
}

/** Parses a REST JSON body; malformed JSON fails the request with JSON_PARSER_ERROR, as Salesforce does. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw ApiErrors.jsonParser('No content to map due to end-of-input at [line:1, column:0]');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw ApiErrors.jsonParser(`Unexpected character in JSON body: ${detail} at [line:1, column:1]`);
  }
}

export function writeResponse(
  res: ServerResponse,
  response: SandboxResponse,
  extra: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { ...extra, ...(response.headers ?? {}) };
  if (response.stream) {
    res.writeHead(response.status, { ...headers, 'Content-Type': response.stream.contentType });
    // pipe() waits for the socket to drain before pulling the next piece.
    Readable.from(response.stream.chunks, { objectMode: false })
      .on('error', () => res.destroy())
      .pipe(res);
    return;
  }
  if (response.text !== undefined) {
    const payload = Buffer.from(response.text, 'utf8');
    res.writeHead(response.status, {
      ...headers,
      'Content-Type': 'text/plain;charset=UTF-8',
      'Content-Length': String(payload.length),
    });
    res.end(payload);
    return;
  }
  if (response.body === undefined || response.status === 204) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(response.body), 'utf8');
  res.writeHead(response.status, {
    ...headers,
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits a path into decoded segments; a segment that is not valid percent-encoding is kept as sent. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
