import { context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/**
 * CLIENT spans of outbound HTTP calls, with OpenTelemetry's HTTP conventions (`http.request.method`, `url.full`,
 * `server.address`, `server.port`, `http.response.status_code`, `error.type`). They cover both of Node's HTTP clients
 * through their diagnostics channels: undici, behind `fetch` (libs/odoo, the Freshdesk client, the Zendesk adapter),
 * whose requests also carry the W3C context on as `traceparent`, and `node:http`, behind node-fetch (jsforce), whose
 * requests do not: Node 20 publishes `http.client.request.start` once the headers are written. The SDK's own HTTP
 * instrumentations are not among the hub's packages; this is the part of them the hub needs.
 *
 * A call gets a span only inside a trace (a record being handled, a request being answered): a health probe or a
 * token refresh at boot starts none, and nor does the OTLP exporter's own request (tracing is suppressed there).
 */
export function traceOutboundHttp(): () => void {
  const tracer = trace.getTracer('hub-http-client');
  const spans = new WeakMap<object, Span>();

  const start = (method: string, url: URL | undefined): Span | undefined => {
    const active = context.active();
    if (isTracingSuppressed(active) || !trace.getSpan(active)?.spanContext().traceId) return undefined;
    const attributes: Record<string, string | number> = { 'http.request.method': method };
    if (url) {
      attributes['url.full'] = `${url.origin}${url.pathname}`;
      attributes['server.address'] = url.hostname;
      attributes['server.port'] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    }
    return tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, active);
  };
  const traceparent = (span: Span): string => {
    const c = span.spanContext();
    return `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString()}`;
  };
  const finish = (key: object, status: number | undefined, error?: Error) => {
    const span = spans.get(key);
    if (!span) return;
    spans.delete(key);
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (error) {
      span.recordException(error);
      span.setAttribute('error.type', error.name || 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else if (status !== undefined && status >= 400) {
      span.setAttribute('error.type', String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };

  // undici (fetch)
  type UndiciRequest = { origin?: string | URL; method: string; path: string; addHeader(k: string, v: string): void };
  const onUndiciCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const span = start(request.method, safeUrl(`${String(request.origin ?? '')}${request.path}`));
    if (!span) return;
    spans.set(request, span);
    request.addHeader('traceparent', traceparent(span));
  };
  const onUndiciHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    finish(request, response.statusCode);
  };
  const onUndiciError = (message: unknown) => {
    const { request, error } = message as { request: object; error: Error };
    finish(request, undefined, error);
  };

  // node:http (node-fetch, jsforce)
  const onHttpStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const host = request.getHeader('host');
    const url = safeUrl(`${request.protocol}//${typeof host === 'string' ? host : request.host}${request.path}`);
    const span = start(request.method, url);
    if (!span) return;
    spans.set(request, span);
    if (!request.headersSent) request.setHeader('traceparent', traceparent(span));
    request.once('error', (error) => finish(request, undefined, error));
  };
  const onHttpFinish = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    finish(request, response.statusCode);
  };

  const subscriptions: [string, (message: unknown) => void][] = [
    ['undici:request:create', onUndiciCreate],
    ['undici:request:headers', onUndiciHeaders],
    ['undici:request:error', onUndiciError],
    ['http.client.request.start', onHttpStart],
    ['http.client.response.finish', onHttpFinish],
  ];
  for (const [name, listener] of subscriptions) diagnostics.subscribe(name, listener);
  return () => {
    for (const [name, listener] of subscriptions) diagnostics.unsubscribe(name, listener);
  };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
