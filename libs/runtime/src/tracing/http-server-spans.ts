import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';

/** Paths of probes and scrapes: answered without a span (they would be most of the spans and say nothing). */
const UNTRACED = /^\/(health|metrics|ready|live)(\/|$)/;

/**
 * Express middleware: one SERVER span per request, with OpenTelemetry's HTTP conventions (`http.request.method`,
 * `url.path`, `http.route`, `http.response.status_code`), continuing a W3C `traceparent` the caller sent, and the
 * active span while the request is handled, so the records a webhook publishes start their trace here (ingress's
 * first hop). Installed first by `configureHubHttp`.
 */
export function httpServerSpans(req: Request, res: Response, next: NextFunction): void {
  if (UNTRACED.test(req.path)) return next();
  const parent = propagation.extract(context.active(), req.headers);
  const span = trace.getTracer('hub-http-server').startSpan(
    req.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'url.path': req.path,
        'url.scheme': req.protocol,
        ...(req.socket.localPort ? { 'server.port': req.socket.localPort } : {}),
        ...(req.headers['user-agent'] ? { 'user_agent.original': req.headers['user-agent'] } : {}),
      },
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const route = (req.route as { path?: string } | undefined)?.path;
    if (route) {
      const full = `${req.baseUrl ?? ''}${route}`;
      span.setAttribute('http.route', full);
      span.updateName(`${req.method} ${full}`);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) {
      span.setAttribute('error.type', String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  res.once('finish', end);
  res.once('close', end);
  // The body arrives in events of the socket's own async context: bound, its parsing and the handler keep this span.
  context.bind(ctx, req);
  context.bind(ctx, res);
  context.with(ctx, next);
}
