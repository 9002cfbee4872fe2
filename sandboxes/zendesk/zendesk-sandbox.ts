/**
 * An in-memory emulator of the Zendesk Support API as the hub's adapter (node-zendesk) uses it, with signed
 * outgoing webhooks, for unit specs, integration tests and the demo.
 *
 * Request pipeline for `/api/v2/…`: injected latency → injected fault (429 / 500 / 503) → authentication (Basic
 * `{email}/token:{api_token}` or Bearer) → the account's requests-per-minute limit (429 + `Retry-After`) → count the
 * call → resource. Every API answer carries `X-Rate-Limit` and `X-Rate-Limit-Remaining` (rate-limits page [V]).
 * Paths are taken with or without `.json` (node-zendesk appends it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { FaultInjector, parseFaultConfig } from './fault.injector';
import { JobQueue, type JobStatus } from './job.queue';
import { SupportStore, type Organization, type Ticket } from './support.store';
import { WebhookSender, type WebhookOptions } from './webhook.sender';
import { Failures, ZendeskFailure } from './zendesk.errors';

/** Organization field keys the sandbox account has: those the hub's adapter writes (its README). */
export const DEFAULT_ORGANIZATION_FIELD_KEYS = [
  'hub_open_orders',
  'hub_overdue_invoices',
  'hub_overdue_amount',
  'hub_last_delivery',
  'hub_last_delivery_carrier',
  'hub_last_delivery_tracking',
  'hub_entitlement',
] as const;

/** Items per bulk request: Zendesk's `*_many` endpoints take at most 100 (saas-apis B1 [V]). */
export const MAX_BULK_ITEMS = 100;

export interface ZendeskSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The API token's owner and the token: Basic `{email}/token:{api_token}`. */
  email?: string;
  apiToken?: string;
  /** An OAuth access token accepted as `Authorization: Bearer`; unset: none is. */
  oauthToken?: string;
  /** Requests per minute before 429 (Zendesk's plans: 200 to 2,500; Enterprise 700). */
  rateLimitPerMinute?: number;
  /** Polls of `GET /job_statuses/{id}` before a job completes (0: completed at once). */
  jobPollsToComplete?: number;
  /** Comments a ticket takes (Zendesk: 5,000). */
  maxCommentsPerTicket?: number;
  organizationFieldKeys?: readonly string[];
  /** The custom ticket fields holding the Odoo order name and the invoice number (the trigger template's). */
  orderReferenceFieldId?: number;
  invoiceReferenceFieldId?: number;
  webhook?: Partial<WebhookOptions>;
  clock?: () => Date;
}

export interface SandboxStats {
  /** API requests received, whatever became of them. */
  requests: number;
  /** Requests authenticated and within the rate limit. */
  apiCalls: number;
  /** Counted calls by route, e.g. `POST /api/v2/users/create_or_update_many`, `GET /api/v2/job_statuses/{id}`. */
  callsByRoute: Record<string, number>;
  unauthenticated: number;
  rateLimited: number;
  /**
   * The last {@link THROTTLE_LOG_SIZE} answers with `Retry-After` (429, 503): when each was sent, the wait it asked
   * for, and when the account's next API request came, so a test can see whether a client paused as asked.
   */
  throttled: ThrottleEntry[];
}

export interface ThrottleEntry {
  at: string;
  status: number;
  retryAfterSeconds: number;
  /** When the next API request of the account arrived; unset until one does. */
  nextRequestAt?: string;
}

const THROTTLE_LOG_SIZE = 1_000;

export interface WriteLogEntry {
  at: string;
  route: string;
  kind: 'organization' | 'user' | 'ticket' | 'comment';
  id: number;
  action: 'created' | 'updated';
}

export interface ZendeskSandbox {
  url: string;
  port: number;
  store: SupportStore;
  faults: FaultInjector;
  stats: SandboxStats;
  writeLog: WriteLogEntry[];
  webhooks: WebhookSender;
  setRateLimit(perMinute: number): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ok = (body: unknown, status = 200): Answer => ({ status, body });

function emptyStats(): SandboxStats {
  return { requests: 0, apiCalls: 0, callsByRoute: {}, unauthenticated: 0, rateLimited: 0, throttled: [] };
}

export async function startZendeskSandbox(options: ZendeskSandboxOptions = {}): Promise<ZendeskSandbox> {
  const clock = options.clock ?? (() => new Date());
  let baseUrl = '';
  const email = options.email ?? 'integration@hub.example';
  const apiToken = options.apiToken ?? 'hub-zendesk-token';
  const basic = `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`;
  let rateLimit = options.rateLimitPerMinute ?? 700;
  const polls = options.jobPollsToComplete ?? 2;
  const orderFieldId = options.orderReferenceFieldId ?? 360_000_000_101;
  const invoiceFieldId = options.invoiceReferenceFieldId ?? 360_000_000_102;
  const faults = new FaultInjector();
  const store = new SupportStore({
    baseUrl: () => baseUrl,
    clock,
    maxCommentsPerTicket: options.maxCommentsPerTicket ?? 5000,
    organizationFieldKeys: options.organizationFieldKeys ?? DEFAULT_ORGANIZATION_FIELD_KEYS,
    customTicketFieldIds: [orderFieldId, invoiceFieldId],
  });
  const jobs = new JobQueue(
    () => baseUrl,
    () => polls,
    () => faults.jobFails(),
  );
  const webhooks = new WebhookSender(
    {
      endpoints: [],
      signingSecret: 'sandbox-webhook-signing-secret',
      format: 'events',
      maxAttempts: 3,
      retryDelayMs: 1000,
      ...options.webhook,
    },
    store,
    { orderFieldId, invoiceFieldId },
  );
  const stats = emptyStats();
  const writeLog: WriteLogEntry[] = [];
  let window = { startedAt: 0, used: 0 };

  const logWrite = (route: string, kind: WriteLogEntry['kind'], id: number, created: boolean) =>
    writeLog.push({ at: clock().toISOString(), route, kind, id, action: created ? 'created' : 'updated' });

  function rateHeaders(): Record<string, string> {
    return {
      'X-Rate-Limit': String(rateLimit),
      'X-Rate-Limit-Remaining': String(Math.max(0, rateLimit - window.used)),
    };
  }

  /** A fixed one-minute window from its first request; past the limit, 429 until the window ends. */
  function takeRequest(): number | undefined {
    const now = clock().getTime();
    if (now - window.startedAt >= 60_000) window = { startedAt: now, used: 0 };
    if (window.used >= rateLimit) return Math.max(1, Math.ceil((window.startedAt + 60_000 - now) / 1000));
    window.used++;
    return undefined;
  }

  function authenticated(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (header === basic) return true;
    return options.oauthToken !== undefined && header === `Bearer ${options.oauthToken}`;
  }

  function ticketWrite(ticket: Ticket, change: Parameters<WebhookSender['ticketChanged']>[1]) {
    webhooks.ticketChanged(ticket, change);
  }

  const withIndex = (items: unknown[], route: string, limit = MAX_BULK_ITEMS) => {
    if (items.length > limit) throw Failures.tooMany(`Too many values: at most ${limit} are allowed`);
    return route;
  };

  /** One item's failure inside a job's results [H: shape as Zendesk's bulk results show errors]. */
  const itemFailure = (index: number, error: unknown, extra: Record<string, unknown> = {}) => {
    if (error instanceof ZendeskFailure && error.body && typeof error.body === 'object') {
      const body = error.body as {
        error?: string;
        description?: string;
        details?: Record<string, Array<{ description: string }>>;
      };
      const details = body.details
        ? Object.values(body.details)
            .flat()
            .map((d) => d.description)
            .join(' ')
        : body.description;
      return {
        index,
        ...extra,
        status: 'Failed',
        success: false,
        error: body.error === 'RecordInvalid' ? 'RecordInvalid' : body.error,
        details,
      };
    }
    throw error;
  };

  function route(method: string, segments: string[], query: URLSearchParams, body: Body, routeKey: string): Answer {
    const [resource, second, third] = segments;
    const id = second !== undefined && /^\d+$/.test(second) ? Number(second) : undefined;

    if (resource === 'organizations') {
      if (method === 'POST' && second === 'create_or_update' && !third) {
        const { record, created } = store.upsertOrganization(objectOf(body, 'organization'));
        logWrite(routeKey, 'organization', record.id, created);
        return ok({ organization: record }, created ? 201 : 200);
      }
      if (method === 'POST' && second === undefined) {
        const record = store.createOrganization(objectOf(body, 'organization'));
        logWrite(routeKey, 'organization', record.id, true);
        return ok({ organization: record }, 201);
      }
      if (method === 'POST' && second === 'create_many') {
        const items = arrayOf(body, 'organizations');
        withIndex(items, routeKey);
        const job = jobs.enqueue('bulk_create_organizations', items.length, () =>
          items.map((item, index) => {
            try {
              const record = store.createOrganization(item);
              logWrite(routeKey, 'organization', record.id, true);
              return { id: record.id, index };
            } catch (error) {
              return itemFailure(index, error, { external_id: item['external_id'] ?? null });
            }
          }),
        );
        return ok({ job_status: job });
      }
      if (method === 'PUT' && second === 'update_many') return organizationsUpdateMany(body, query, routeKey);
      if (method === 'GET' && second === 'search') {
        const ext = query.get('external_id');
        const found = ext === null ? [] : [store.findOrganizationByExternalId(ext)].filter(Boolean);
        return ok(page('organizations', found));
      }
      if (method === 'GET' && second === 'show_many') {
        const found = listParam(query, 'external_ids')
          .map((e) => store.findOrganizationByExternalId(e))
          .concat(listParam(query, 'ids').map((i) => store.organizations.get(Number(i))))
          .filter(Boolean);
        return ok(page('organizations', found));
      }
      if (method === 'GET' && id !== undefined && !third) {
        const org = store.organizations.get(id);
        if (!org) throw Failures.notFound();
        return ok({ organization: org });
      }
    }

    if (resource === 'organization_fields' && method === 'GET' && second === undefined) {
      const keys = options.organizationFieldKeys ?? DEFAULT_ORGANIZATION_FIELD_KEYS;
      const fields = keys.map((key, i) => ({ id: 360_000_000_200 + i, key, title: key, type: 'text', active: true }));
      return ok(page('organization_fields', fields));
    }

    if (resource === 'users') {
      if (method === 'POST' && second === 'create_or_update' && !third) {
        const { record, created } = store.upsertUser(objectOf(body, 'user'));
        logWrite(routeKey, 'user', record.id, created);
        return {
          status: created ? 201 : 200,
          body: { user: record },
          headers: { Location: `/api/v2/users/${record.id}.json` },
        };
      }
      if (method === 'POST' && second === 'create_or_update_many') {
        const items = arrayOf(body, 'users');
        withIndex(items, routeKey);
        const job = jobs.enqueue('bulk_create_or_update_users', items.length, () =>
          items.map((item, index) => {
            try {
              const { record, created } = store.upsertUser(item);
              logWrite(routeKey, 'user', record.id, created);
              return {
                index,
                id: record.id,
                action: created ? 'create' : 'update',
                status: created ? 'Created' : 'Updated',
                success: true,
                external_id: record.external_id,
                email: record.email,
              };
            } catch (error) {
              return itemFailure(index, error, {
                external_id: item['external_id'] ?? null,
                action: 'create_or_update',
              });
            }
          }),
        );
        return ok({ job_status: job });
      }
      if (method === 'GET' && second === 'search') {
        const ext = query.get('external_id');
        const q = query.get('query');
        const found =
          ext !== null
            ? [store.findUserByExternalId(ext)].filter(Boolean)
            : q !== null
              ? [store.findUserByEmail(q.replace(/^email:/, ''))].filter(Boolean)
              : [];
        return ok(page('users', found));
      }
      if (method === 'GET' && id !== undefined && !third) {
        const user = store.users.get(id);
        if (!user) throw Failures.notFound();
        return ok({ user });
      }
    }

    if (resource === 'tickets') {
      if (method === 'POST' && second === undefined) {
        const { ticket, comment } = store.createTicket(objectOf(body, 'ticket'));
        logWrite(routeKey, 'ticket', ticket.id, true);
        logWrite(routeKey, 'comment', comment.id, true);
        ticketWrite(ticket, { created: true, changed: [], previous: {}, commentAdded: true });
        return ok({ ticket, audit: audit(ticket, comment.id) }, 201);
      }
      if (method === 'PUT' && id !== undefined && !third) {
        const input = objectOf(body, 'ticket');
        const before = { ...store.tickets.get(id) } as Partial<Ticket>;
        const { ticket, comment, changed } = store.updateTicket(id, input);
        logWrite(routeKey, 'ticket', ticket.id, false);
        if (comment) logWrite(routeKey, 'comment', comment.id, true);
        ticketWrite(ticket, { created: false, changed, previous: before, commentAdded: comment !== undefined });
        return ok({ ticket, audit: audit(ticket, comment?.id) });
      }
      if (method === 'GET' && id !== undefined && !third) {
        const ticket = store.tickets.get(id);
        if (!ticket) throw Failures.notFound();
        return ok({ ticket });
      }
      if (method === 'GET' && id !== undefined && third === 'comments' && segments.length === 3) {
        const comments = store.comments.get(id);
        if (!comments) throw Failures.notFound();
        const sorted = query.get('sort_order') === 'desc' ? [...comments].reverse() : comments;
        return ok(page('comments', sorted));
      }
    }

    if (resource === 'ticket_fields' && method === 'GET' && second === undefined) {
      const fields = [
        { id: orderFieldId, type: 'text', title: 'Order reference', active: true },
        { id: invoiceFieldId, type: 'text', title: 'Invoice reference', active: true },
      ];
      return ok(page('ticket_fields', fields));
    }

    if (resource === 'job_statuses' && method === 'GET' && second !== undefined && !third) {
      const job: JobStatus | undefined = jobs.poll(second);
      if (!job) throw Failures.notFound();
      return ok({ job_status: job });
    }

    throw Failures.noRoute();
  }

  /** `PUT /organizations/update_many` with `{"organizations":[{id,…}]}` (each its own change) [V: saas-apis B1]. */
  function organizationsUpdateMany(body: Body, query: URLSearchParams, routeKey: string): Answer {
    const ids = listParam(query, 'ids');
    const externalIds = listParam(query, 'external_ids');
    let targets: Array<{ key: number | string; change: Body }>;
    if (ids.length || externalIds.length) {
      const change = objectOf(body, 'organization');
      targets = [...ids.map((i) => ({ key: Number(i), change })), ...externalIds.map((e) => ({ key: e, change }))];
    } else {
      targets = arrayOf(body, 'organizations').map((item) => ({ key: item['id'] as number, change: item }));
    }
    withIndex(targets, routeKey);
    const job = jobs.enqueue('bulk_update_organizations', targets.length, () =>
      targets.map(({ key, change }, index) => {
        const org: Organization | undefined =
          typeof key === 'number' ? store.organizations.get(key) : store.findOrganizationByExternalId(key);
        if (!org) {
          return {
            index,
            id: typeof key === 'number' ? key : null,
            action: 'update',
            success: false,
            status: 'Failed',
            error: 'RecordNotFound',
            details: 'Not found',
          };
        }
        try {
          const { id: _ignored, ...fields } = change;
          void _ignored;
          store.updateOrganization(org, fields);
          logWrite(routeKey, 'organization', org.id, false);
          return { index, id: org.id, action: 'update', success: true, status: 'Updated' };
        } catch (error) {
          return itemFailure(index, error, { id: org.id, action: 'update' });
        }
      }),
    );
    return ok({ job_status: job });
  }

  function audit(ticket: Ticket, commentId: number | undefined) {
    return {
      id: commentId ?? ticket.id,
      ticket_id: ticket.id,
      created_at: ticket.updated_at,
      author_id: store.apiUser.id,
      events: commentId ? [{ id: commentId, type: 'Comment' }] : [],
    };
  }

  async function handleAdmin(method: string, segments: string[], text: string): Promise<Answer> {
    const what = segments[1];
    const parsed = text.trim() === '' ? {} : safeJson(text);
    if (what === 'faults') {
      if (method === 'GET') return ok({ config: faults.config, injected: faults.injected });
      if (method === 'DELETE') {
        faults.clear();
        return { status: 204 };
      }
      if (method === 'POST') {
        const result = parseFaultConfig(parsed);
        if ('errors' in result) return ok({ error: 'invalid faults', details: result.errors }, 400);
        faults.set(result.config);
        return ok({ config: faults.config });
      }
    }
    if (what === 'stats' && method === 'GET') {
      return ok({
        ...stats,
        writes: store.writes,
        records: {
          organizations: store.organizations.size,
          users: store.users.size - 1,
          tickets: store.tickets.size,
        },
        jobs: jobs.size,
        faultsInjected: faults.injected,
        webhookDeliveries: webhooks.deliveries.length,
      });
    }
    if (what === 'writes' && method === 'GET') return ok({ writes: writeLog });
    if (what === 'rate-limit' && method === 'POST') {
      const perMinute = (parsed as Body | undefined)?.['perMinute'];
      if (typeof perMinute !== 'number' || !Number.isInteger(perMinute) || perMinute < 1) {
        return ok({ error: 'perMinute must be an integer ≥ 1' }, 400);
      }
      rateLimit = perMinute;
      window = { startedAt: 0, used: 0 };
      return ok({ perMinute });
    }
    if (what === 'webhooks') {
      if (method === 'GET') {
        await webhooks.idle();
        return ok({
          endpoints: webhooks.settings.endpoints,
          format: webhooks.settings.format,
          deliveries: webhooks.deliveries,
        });
      }
      if (method === 'PUT') {
        const body = (parsed ?? {}) as Body;
        const change: Partial<WebhookOptions> = {};
        if (Array.isArray(body['endpoints'])) change.endpoints = body['endpoints'] as string[];
        if (body['format'] === 'events' || body['format'] === 'trigger') change.format = body['format'];
        if (typeof body['maxAttempts'] === 'number') change.maxAttempts = body['maxAttempts'];
        if (typeof body['retryDelayMs'] === 'number') change.retryDelayMs = body['retryDelayMs'];
        webhooks.configure(change);
        return ok({ endpoints: webhooks.settings.endpoints, format: webhooks.settings.format });
      }
    }
    if (what === 'reset' && method === 'POST') {
      store.reset();
      jobs.clear();
      faults.clear();
      webhooks.clear();
      writeLog.length = 0;
      Object.assign(stats, emptyStats());
      window = { startedAt: 0, used: 0 };
      return { status: 204 };
    }
    return ok({ error: 'no such admin route' }, 404);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\.json$/, '');
    const segments = path.split('/').filter(Boolean).map(decodeSegment);
    const text = await readBody(req);
    if (segments[0] === '__admin') return write(res, await handleAdmin(method, segments, text));
    if (segments[0] !== 'api' || segments[1] !== 'v2') return write(res, errorAnswer(Failures.noRoute()));
    stats.requests++;
    const lastThrottle = stats.throttled.at(-1);
    if (lastThrottle && lastThrottle.nextRequestAt === undefined) lastThrottle.nextRequestAt = clock().toISOString();
    const throttle = (status: number, retryAfterSeconds: number) => {
      stats.throttled.push({ at: clock().toISOString(), status, retryAfterSeconds });
      if (stats.throttled.length > THROTTLE_LOG_SIZE) stats.throttled.shift();
    };
    const { latencyMs, retryAfterSeconds } = faults.config;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const injected = faults.requestFault();
    if (injected === 429 || injected === 503) {
      throttle(injected, retryAfterSeconds);
      return write(res, {
        status: injected,
        text:
          injected === 429
            ? 'Rate limit for this account exceeded, please wait before trying again'
            : 'Service Unavailable',
        headers: { 'Retry-After': String(retryAfterSeconds), ...rateHeaders() },
      });
    }
    if (injected === 500)
      return write(res, {
        ...errorAnswer(
          new ZendeskFailure(500, { error: 'InternalServerError', description: 'An internal error occurred' }),
        ),
        headers: rateHeaders(),
      });
    if (!authenticated(req)) {
      stats.unauthenticated++;
      return write(res, {
        ...errorAnswer(Failures.unauthenticated()),
        headers: { 'WWW-Authenticate': 'Basic realm="Web Password"' },
      });
    }
    const wait = takeRequest();
    if (wait !== undefined) {
      stats.rateLimited++;
      throttle(429, wait);
      return write(res, {
        status: 429,
        text: 'Rate limit for this account exceeded, please wait before trying again',
        headers: { 'Retry-After': String(wait), ...rateHeaders() },
      });
    }
    const rest = segments.slice(2);
    const routeKey = `${method} /api/v2/${rest.map((s) => (/^\d+$/.test(s) || /^[0-9a-f]{32}$/.test(s) ? '{id}' : s)).join('/')}`;
    stats.apiCalls++;
    stats.callsByRoute[routeKey] = (stats.callsByRoute[routeKey] ?? 0) + 1;
    try {
      let body: Body = {};
      if (method === 'POST' || method === 'PUT') {
        const parsed = text.trim() === '' ? {} : safeJson(text);
        if (parsed === undefined || typeof parsed !== 'object' || parsed === null) throw Failures.unparsable();
        body = parsed as Body;
      }
      const answer = route(method, rest, url.searchParams, body, routeKey);
      write(res, { ...answer, headers: { ...answer.headers, ...rateHeaders() } });
    } catch (error) {
      if (!(error instanceof ZendeskFailure)) throw error;
      write(res, { ...errorAnswer(error), headers: { ...error.headers, ...rateHeaders() } });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        write(res, errorAnswer(new ZendeskFailure(500, { error: 'InternalServerError', description: String(error) })));
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    port,
    store,
    faults,
    stats,
    writeLog,
    webhooks,
    setRateLimit(perMinute: number) {
      rateLimit = perMinute;
      window = { startedAt: 0, used: 0 };
    },
    async close() {
      await webhooks.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

function objectOf(body: Body, key: string): Body {
  const value = body[key];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw Failures.badRequest(`Parameter ${key} is required and must be an object`);
  }
  return value as Body;
}

function arrayOf(body: Body, key: string): Body[] {
  const value = body[key];
  if (!Array.isArray(value) || !value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
    throw Failures.badRequest(`Parameter ${key} is required and must be an array of objects`);
  }
  return value as Body[];
}

function listParam(query: URLSearchParams, key: string): string[] {
  return (query.get(key) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function page(key: string, items: unknown[]) {
  return { [key]: items, next_page: null, previous_page: null, count: items.length };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorAnswer(failure: ZendeskFailure): Answer {
  return { status: failure.status, body: failure.body, headers: failure.headers };
}

function write(res: ServerResponse, answer: Answer & { text?: string }): void {
  const headers = { ...(answer.headers ?? {}) };
  if (answer.text !== undefined) {
    res.writeHead(answer.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(answer.text);
    return;
  }
  if (answer.body === undefined || answer.status === 204) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(answer.body), 'utf8');
  res.writeHead(answer.status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}
