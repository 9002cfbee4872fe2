import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { httpServerSpans } from '../tracing/http-server-spans';

/** The header that carries a request's id, in and out. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's request id is kept only when it is a short plain token; anything else is replaced by a UUID. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * HTTP settings of an app that receives requests from outside (ingress): every body parser keeps the raw bytes
 * (`req.rawBody`, for signatures) and refuses a body over the limit with 413; every answer carries a request id.
 */
export interface HubHttpOptions {
  /** Largest accepted request body in bytes, for every parser; a larger body is answered 413. */
  bodyLimitBytes: number;
  /** Content types read as text (e.g. SOAP's `text/xml`); JSON and urlencoded bodies are always parsed. */
  textTypes?: readonly string[];
  /** Serves an OpenAPI document generated from the controllers' decorators at `GET /openapi.json`. */
  openApi?: { title: string; version: string; description?: string };
  /**
   * Express's `trust proxy` (e.g. `loopback, 10.0.0.0/8`): which proxies' X-Forwarded-For names the client, so
   * `req.ip` is the client's address behind an ingress controller rather than the controller's. Unset: none.
   */
  trustProxy?: string;
}

/**
 * The Nest application options {@link configureHubHttp} relies on: raw bodies kept, and no default body parsers,
 * since it registers its own (with the limit) behind the request-id middleware.
 */
export const HUB_HTTP_APP_OPTIONS = { rawBody: true, bodyParser: false } as const;

/** The id of the request this response answers (set by {@link configureHubHttp}'s first middleware). */
export function requestIdOf(res: Response): string {
  const id = res.locals?.requestId;
  if (typeof id === 'string') return id;
  // A response that did not pass through the middleware (an app without configureHubHttp) still gets one.
  const generated = randomUUID();
  res.locals.requestId = generated;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, generated);
  return generated;
}

function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.header(REQUEST_ID_HEADER);
  const id = offered && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.locals.requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/** The answer to a body-parser failure (http-errors with a `type`): the status, what is wrong, no body echoed. */
function bodyParserAnswer(type: string, status: number, message: string, limit: number): [number, string] {
  switch (type) {
    case 'entity.too.large':
      return [413, `request body is larger than ${limit} bytes`];
    case 'entity.parse.failed': {
      // JSON.parse's message may quote the body; only where it failed is kept.
      const where = /position \d+(?: \(line \d+ column \d+\))?/.exec(message)?.[0];
      return [400, `malformed body: not valid JSON${where ? ` (at ${where})` : ''}`];
    }
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return [415, message];
    default:
      return [status, message];
  }
}

/**
 * Answers a body-parser failure itself (413 over the limit, 400 naming the parse error, 415), in the shape of
 * Nest's error answers plus the request id; any other error goes on to Nest's handler.
 */
function bodyParserErrors(limit: number) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const e = error as { type?: unknown; status?: unknown; message?: unknown };
    if (typeof e?.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) {
      return next(error);
    }
    const [status, message] = bodyParserAnswer(e.type, e.status, String(e.message), limit);
    res
      .status(status)
      .json({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, requestId: requestIdOf(res) });
  };
}

/**
 * Sets up an app's HTTP edge, in this order: the request id (taken from `X-Request-Id` when it is a sane token,
 * else generated, and echoed on every answer, errors included), then the JSON, urlencoded and text parsers with the
 * body limit and raw-body capture, then the answers to their failures (413, 400 naming the parse error, 415), then
 * the OpenAPI document. The app must be created with {@link HUB_HTTP_APP_OPTIONS}; call before `listen`.
 */
export function configureHubHttp(app: NestExpressApplication, options: HubHttpOptions): void {
  const limit = options.bodyLimitBytes;
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', options.trustProxy);
  app.use(httpServerSpans);
  app.use(requestIdMiddleware);
  app.useBodyParser('json', { limit });
  app.useBodyParser('urlencoded', { limit, extended: true });
  if (options.textTypes?.length) app.useBodyParser('text', { limit, type: [...options.textTypes] });
  app.use(bodyParserErrors(limit));
  if (options.openApi) {
    const { title, version, description } = options.openApi;
    const builder = new DocumentBuilder().setTitle(title).setVersion(version);
    if (description) builder.setDescription(description);
    const document = SwaggerModule.createDocument(app, builder.build());
    SwaggerModule.setup('openapi', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: 'openapi.json' });
  }
}
