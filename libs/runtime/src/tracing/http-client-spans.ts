import { context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** One outbound HTTP call as it ended: answered (`status`) or failed before an answer (`error`). */
export interface OutboundHttpCall {
  method: string;
  url?: URL;
  status?: number;
  error?: Error;
  /** From the request's start to the response's headers (or the failure). */
  durationSeconds: number;
}

const callListeners = new Set<(call: OutboundHttpCall) => void>();

/**
 * Tells `listener` of every outbound HTTP call that ends, inside a trace or not (the SaaS call metrics). Calls are
 * seen once {@link traceOutboundHttp} runs (started with the OpenTelemetry SDK). Returns the unsubscribe.
 */
export function onOutboundHttpCall(listener: (call: OutboundHttpCall) => void): () => void {
  callListeners.add(listener);
  return () => callListeners.delete(listener);
}

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
 * Every call but the exporter's is told to the {@link onOutboundHttpCall} listeners, in a trace or not.
 */
export function traceOutboundHttp(): () => void {
  const tracer = trace.getTracer('hub-http-client');
  const calls = new WeakMap<object, { method: string; url?: URL; startedAt: bigint; span?: Span }>();

  const startSpan = (method: string, url: URL | undefined): Span | undefined => {
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
  /** Follows one request; returns its span when it is part of a trace. */
  const start = (key: object, method: string, url: URL | undefined): Span | undefined => {
    // The OTLP exporter's own requests are neither traced nor measured.
    if (isTracingSuppressed(context.active())) return undefined;
    const span = startSpan(method, url);
    calls.set(key, { method, url, startedAt: process.hrtime.bigint(), span });
    return span;
  };
  const traceparent = (span: Span): string => {
    const c = span.spanContext();
    return `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & 1).toString()}`;
  };
  const finish = (key: object, status: number | undefined, error?: Error) => {
    const call = calls.get(key);
    if (!call) return;
    calls.delete(key);
    const durationSeconds = Number(process.hrtime.bigint() - call.startedAt) / 1e9;
    for (const listener of callListeners) {
      try {
        listener({ method: call.method, url: call.url, status, error, durationSeconds });
      } catch {
        // A metric that cannot be recorded must not break the call.
      }
    }
    const span = call.span;
    if (!span) return;
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
    const span = start(request, request.method, safeUrl(`${String(request.origin ?? '')}${request.path}`));
    if (span) request.addHeader('traceparent', traceparent(span));
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
    const span = start(request, request.method, url);
    if (span && !request.headersSent) request.setHeader('traceparent', traceparent(span));
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
