import type { IncomingMessage, ServerResponse } from 'node:http';

/** A handler's answer, written by the HTTP layer. */
export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export const JSON_UTF8 = 'application/json; charset=utf-8';
const HTML_UTF8 = 'text/html; charset=utf-8';

export function jsonAnswer(status: number, value: unknown, headers?: Record<string, string>): HttpAnswer {
  return { status, body: JSON.stringify(value ?? null), contentType: JSON_UTF8, headers };
}

export function emptyAnswer(status = 204): HttpAnswer {
  return { status, body: '', contentType: 'text/plain' };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};
const DESCRIPTIONS: Record<number, string> = {
  404: 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  405: 'The method is not allowed for the requested URL.',
  500: 'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
};

/** werkzeug's HTML error page, which Odoo answers outside its JSON routes (and a dead worker's proxy answers). */
export function werkzeugPage(status: number, description = DESCRIPTIONS[status] ?? ''): HttpAnswer {
  const title = TITLES[status] ?? 'Error';
  return {
    status,
    contentType: HTML_UTF8,
    body: `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${escapeHtml(description)}</p>\n`,
  };
}

/** A plain `Response(text, status)` of Odoo (text/html by default). */
export function textAnswer(status: number, text: string): HttpAnswer {
  return { status, body: text, contentType: HTML_UTF8 };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const MAX_BODY_BYTES = 128 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  const payload = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, {
    ...(answer.headers ?? {}),
    ...(answer.status === 204 ? {} : { 'Content-Type': answer.contentType, 'Content-Length': String(payload.length) }),
  });
  res.end(answer.status === 204 ? undefined : payload);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mimetype(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
