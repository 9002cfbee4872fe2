/**
 * An in-memory emulator of the Freshdesk API v2 (the endpoints the hub's Freshdesk adapter and its tests use), with
 * the account's automation-rule webhooks, for unit specs, integration tests and the demo. It imports nothing from the
 * hub.
 *
 * Pipeline of an `/api/v2/…` call: injected latency → injected fault (429 with `Retry-After`, or 500) → Basic auth
 * (the API key as user name, any password; else 401 `invalid_credentials`) → the per-minute budget (429 with
 * `Retry-After` once spent) → count the call → resource → answer with the `X-RateLimit-*` headers.
 * `/__admin/…` is the test surface: stats, write log, faults, rate limit, webhook deliveries, reset.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DEFAULT_CUSTOM_FIELDS, type CustomFieldCatalogue } from './custom-field.catalogue';
import { FaultInjector, parseFaultConfig } from './fault.injector';
import {
  ApiFailure,
  INVALID_CREDENTIALS,
  invalidContentType,
  invalidJson,
  methodNotAllowed,
  serverError,
  validationFailed,
  type ErrorAnswer,
} from './freshdesk.errors';
import { RateLimiter } from './rate.limiter';
import { RecordStore, type Company, type Contact, type Ticket } from './record.store';
import { matches, parseSearchQuery } from './search.query';
import { renderHubTemplate, WebhookSender, type WebhookSettings } from './webhook.sender';

export interface FreshdeskSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** API keys the account accepts (Basic auth user name). */
  apiKeys?: string[];
  /** Calls per minute (Freshdesk Pro: 400). */
  rateLimitPerMinute?: number;
  webhook?: Partial<WebhookSettings>;
  customFields?: CustomFieldCatalogue;
  clock?: () => Date;
}

export const DEFAULT_API_KEY = 'sandbox-freshdesk-api-key';
/** Freshdesk's +5/+30/+60 minutes, divided by 600 so a test sees every retry within seconds. */
export const DEFAULT_RETRY_DELAYS_MS = [500, 3_000, 6_000];

export interface WriteLogEntry {
  at: string;
  route: string;
  kind: 'company' | 'contact' | 'ticket' | 'note';
  op: 'create' | 'update';
  id: number;
}

export interface SandboxStats {
  /** Calls answered by the API, by route (`POST /api/v2/companies`, `PUT /api/v2/contacts/:id`, …), any status. */
  calls: Record<string, number>;
  totalCalls: number;
  /** Records written, by kind and operation. */
  writes: Record<WriteLogEntry['kind'], { create: number; update: number }>;
  /** Calls refused by the per-minute budget. */
  rateLimited: number;
  unauthenticated: number;
}

export interface FreshdeskSandbox {
  url: string;
  port: number;
  apiKey: string;
  store: RecordStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  webhooks: WebhookSender;
  stats: SandboxStats;
  writeLog: WriteLogEntry[];
  /** Clears records, stats, faults, the budget and webhook deliveries. */
  reset(): void;
  close(): Promise<void>;
}

type Answer = ErrorAnswer;
type Params = Record<string, string>;
type Handler = (ctx: { params: Params; query: URLSearchParams; body: Record<string, unknown> }) => Answer;

const emptyStats = (): SandboxStats => ({
  calls: {},
  totalCalls: 0,
  writes: {
    company: { create: 0, update: 0 },
    contact: { create: 0, update: 0 },
    ticket: { create: 0, update: 0 },
    note: { create: 0, update: 0 },
  },
  rateLimited: 0,
  unauthenticated: 0,
});

export async function startFreshdeskSandbox(options: FreshdeskSandboxOptions = {}): Promise<FreshdeskSandbox> {
  const apiKeys = options.apiKeys?.length ? options.apiKeys : [DEFAULT_API_KEY];
  const clock = options.clock ?? (() => new Date());
  const store = new RecordStore(options.customFields ?? DEFAULT_CUSTOM_FIELDS, clock);
  const faults = new FaultInjector();
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 400, () => clock().getTime());
  const webhooks = new WebhookSender({
    url: options.webhook?.url,
    auth: options.webhook?.auth ?? { kind: 'none' },
    retryDelaysMs: options.webhook?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    timeoutMs: options.webhook?.timeoutMs ?? 10_000,
  });
  let stats = emptyStats();
  const writeLog: WriteLogEntry[] = [];

  const wrote = (route: string, kind: WriteLogEntry['kind'], op: WriteLogEntry['op'], id: number) => {
    stats.writes[kind][op]++;
    writeLog.push({ at: clock().toISOString(), route, kind, op, id });
  };
  const ticketChanged = (event: 'ticket.created' | 'ticket.updated', ticket: Ticket) => {
    const requester = store.contacts.get(ticket.requester_id);
    const company = ticket.company_id === null ? undefined : store.companies.get(ticket.company_id);
    webhooks.fire(event, ticket.id, renderHubTemplate(ticket, requester, company));
  };

  const routes: Array<{ method: string; pattern: string; handle: Handler }> = [
    // ---- companies
    {
      method: 'GET',
      pattern: '/api/v2/companies/autocomplete',
      handle: ({ query }) => {
        const name = (query.get('name') ?? '').toLowerCase();
        if (!name)
          throw validationFailed([{ field: 'name', message: 'It should be a/an String', code: 'missing_field' }]);
        const found = [...store.companies.values()].filter((c) =>
          c.name
            .toLowerCase()
            .split(/\s+/)
            .some((w, i, words) => words.slice(i).join(' ').startsWith(name)),
        );
        return ok({ companies: found.map((c) => ({ id: c.id, name: c.name })) });
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/companies',
      handle: ({ query }) => ok(page([...store.companies.values()], query)),
    },
    {
      method: 'POST',
      pattern: '/api/v2/companies',
      handle: ({ body }) => {
        const company = store.createCompany(body);
        wrote('POST /api/v2/companies', 'company', 'create', company.id);
        return { status: 201, body: company, headers: { Location: `/api/v2/companies/${company.id}` } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/companies/:id',
      handle: ({ params }) => ok(found(store.companies.get(Number(params.id)))),
    },
    {
      method: 'PUT',
      pattern: '/api/v2/companies/:id',
      handle: ({ params, body }) => {
        const company = store.updateCompany(Number(params.id), body);
        wrote('PUT /api/v2/companies/:id', 'company', 'update', company.id);
        return ok(company);
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/search/companies',
      handle: ({ query }) => search([...store.companies.values()].map(flatCompany), query),
    },
    // ---- contacts
    {
      method: 'GET',
      pattern: '/api/v2/contacts',
      handle: ({ query }) => {
        const filter = {
          email: query.get('email') ?? undefined,
          unique_external_id: query.get('unique_external_id') ?? undefined,
          phone: query.get('phone') ?? undefined,
          mobile: query.get('mobile') ?? undefined,
          company_id: query.has('company_id') ? Number(query.get('company_id')) : undefined,
        };
        return ok(page(store.findContacts(filter), query));
      },
    },
    {
      method: 'POST',
      pattern: '/api/v2/contacts',
      handle: ({ body }) => {
        const contact = store.createContact(body);
        wrote('POST /api/v2/contacts', 'contact', 'create', contact.id);
        return { status: 201, body: contact, headers: { Location: `/api/v2/contacts/${contact.id}` } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/contacts/:id',
      handle: ({ params }) => ok(found(store.contacts.get(Number(params.id)))),
    },
    {
      method: 'PUT',
      pattern: '/api/v2/contacts/:id',
      handle: ({ params, body }) => {
        const contact = store.updateContact(Number(params.id), body);
        wrote('PUT /api/v2/contacts/:id', 'contact', 'update', contact.id);
        return ok(contact);
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/search/contacts',
      handle: ({ query }) => search([...store.contacts.values()].map(flatContact), query),
    },
    // ---- tickets
    {
      method: 'POST',
      pattern: '/api/v2/tickets',
      handle: ({ body }) => {
        const ticket = store.createTicket(body);
        wrote('POST /api/v2/tickets', 'ticket', 'create', ticket.id);
        ticketChanged('ticket.created', ticket);
        return { status: 201, body: ticket, headers: { Location: `/api/v2/tickets/${ticket.id}` } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/tickets/:id',
      handle: ({ params }) => ok(found(store.tickets.get(Number(params.id)))),
    },
    {
      method: 'PUT',
      pattern: '/api/v2/tickets/:id',
      handle: ({ params, body }) => {
        const ticket = store.updateTicket(Number(params.id), body);
        wrote('PUT /api/v2/tickets/:id', 'ticket', 'update', ticket.id);
        ticketChanged('ticket.updated', ticket);
        return ok(ticket);
      },
    },
    {
      method: 'POST',
      pattern: '/api/v2/tickets/:id/notes',
      handle: ({ params, body }) => {
        const note = store.addNote(Number(params.id), body);
        wrote('POST /api/v2/tickets/:id/notes', 'note', 'create', note.id);
        return { status: 201, body: note };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v2/tickets/:id/conversations',
      handle: ({ params, query }) => ok(page(store.conversationsOf(Number(params.id)), query)),
    },
  ];

  const handleApi = async (req: IncomingMessage, url: URL): Promise<Answer> => {
    if (faults.config.latencyMs) await new Promise((r) => setTimeout(r, faults.config.latencyMs));
    const fault = faults.draw();
    if (fault === 429) {
      const retryAfter = String(faults.config.retryAfterSeconds);
      return {
        status: 429,
        body: { message: 'You have exceeded the limit of requests per minute' },
        headers: limiter.headers(0, retryAfter),
      };
    }
    if (fault === 500) return serverError();
    if (!authenticated(req.headers.authorization, apiKeys)) {
      stats.unauthenticated++;
      return INVALID_CREDENTIALS;
    }
    const budget = limiter.take();
    if (!budget.ok) {
      stats.rateLimited++;
      return {
        status: 429,
        body: { message: 'You have exceeded the limit of requests per minute' },
        headers: budget.headers,
      };
    }
    const answer = await route(req, url);
    return { ...answer, headers: { ...budget.headers, ...(answer.headers ?? {}) } };
  };

  const route = async (req: IncomingMessage, url: URL): Promise<Answer> => {
    const method = req.method ?? 'GET';
    const candidates = routes.map((r) => ({ r, params: matchPath(r.pattern, url.pathname) })).filter((c) => c.params);
    const hit = candidates.find((c) => c.r.method === method);
    const key = hit ? `${method} ${hit.r.pattern}` : `${method} ${url.pathname}`;
    stats.calls[key] = (stats.calls[key] ?? 0) + 1;
    stats.totalCalls++;
    try {
      if (!hit) {
        if (candidates.length)
          throw methodNotAllowed(
            method,
            candidates.map((c) => c.r.method),
          );
        return { status: 404, body: undefined };
      }
      let body: Record<string, unknown> = {};
      if (method === 'POST' || method === 'PUT') {
        const type = req.headers['content-type'];
        if (!/^application\/json\b/i.test(type ?? '')) throw invalidContentType(type);
        const raw = await readBody(req);
        try {
          body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
          throw invalidJson();
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidJson();
      }
      return hit.r.handle({ params: hit.params!, query: url.searchParams, body });
    } catch (error) {
      if (error instanceof ApiFailure) return error.answer;
      throw error;
    }
  };

  const handleAdmin = async (req: IncomingMessage, url: URL): Promise<Answer> => {
    const path = url.pathname.replace(/^\/__admin/, '');
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? await readBody(req) : '';
    const json = () => {
      try {
        return body ? (JSON.parse(body) as unknown) : {};
      } catch {
        return undefined;
      }
    };
    if (method === 'GET' && path === '/stats')
      return ok({ ...stats, injected: faults.injected, rateLimitPerMinute: limiter.limit });
    if (method === 'GET' && path === '/writes') return ok(writeLog);
    if (method === 'GET' && path === '/records') {
      return ok({
        companies: [...store.companies.values()],
        contacts: [...store.contacts.values()],
        tickets: [...store.tickets.values()],
        conversations: [...store.conversations.values()],
      });
    }
    if (method === 'GET' && path === '/webhooks') return ok(webhooks.deliveries);
    if (method === 'GET' && path === '/faults') return ok(faults.config);
    if (method === 'POST' && path === '/faults') {
      const parsed = parseFaultConfig(json());
      if ('errors' in parsed) return { status: 400, body: { errors: parsed.errors } };
      faults.set(parsed.config);
      return ok(faults.config);
    }
    if (method === 'DELETE' && path === '/faults') {
      faults.clear();
      return ok(faults.config);
    }
    if (method === 'POST' && path === '/rate-limit') {
      const perMinute = (json() as { perMinute?: unknown } | undefined)?.perMinute;
      if (typeof perMinute !== 'number' || !Number.isInteger(perMinute) || perMinute < 1) {
        return { status: 400, body: { errors: ['perMinute must be an integer ≥ 1'] } };
      }
      limiter.setLimit(perMinute);
      limiter.reset();
      return ok({ perMinute });
    }
    if (method === 'POST' && path === '/reset') {
      sandbox.reset();
      return { status: 204, body: undefined };
    }
    return { status: 404, body: { error: `no admin route ${method} ${path}` } };
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const work = url.pathname.startsWith('/__admin/')
      ? handleAdmin(req, url)
      : url.pathname.startsWith('/api/v2/')
        ? handleApi(req, url)
        : Promise.resolve<Answer>({ status: 404, body: undefined });
    work.then(
      (answer) => write(res, answer),
      () => write(res, serverError()),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const sandbox: FreshdeskSandbox = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    apiKey: apiKeys[0],
    store,
    faults,
    limiter,
    webhooks,
    get stats() {
      return stats;
    },
    writeLog,
    reset() {
      store.clear();
      faults.clear();
      limiter.reset();
      webhooks.clear();
      stats = emptyStats();
      writeLog.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        webhooks.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sandbox;
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function found<T>(record: T | undefined): T {
  if (!record) throw new ApiFailure({ status: 404, body: undefined });
  return record;
}

/** `page` (from 1) and `per_page` (default 30, at most 100), as Freshdesk's list endpoints take them. */
function page<T>(items: T[], query: URLSearchParams): T[] {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1);
  return items.slice((pageNo - 1) * perPage, pageNo * perPage);
}

function search(records: Array<Record<string, unknown>>, query: URLSearchParams): Answer {
  const parsed = parseSearchQuery(query.get('query'));
  if ('error' in parsed) {
    throw validationFailed([
      { field: 'query', message: parsed.error, code: parsed.error === 'missing' ? 'missing_field' : 'invalid_value' },
    ]);
  }
  const pageNo = Number(query.get('page') ?? 1);
  if (!Number.isInteger(pageNo) || pageNo < 1 || pageNo > 10) {
    throw validationFailed([
      { field: 'page', message: 'It should be a Positive Integer less than or equal to 10', code: 'invalid_value' },
    ]);
  }
  const hits = records.filter((r) => matches(r, parsed.query));
  return ok({ results: hits.slice((pageNo - 1) * 30, pageNo * 30).map((r) => r['__record']), total: hits.length });
}

function flatCompany(c: Company): Record<string, unknown> {
  return {
    ...c.custom_fields,
    domain: c.domains,
    name: c.name,
    created_at: c.created_at,
    updated_at: c.updated_at,
    __record: c,
  };
}

function flatContact(c: Contact): Record<string, unknown> {
  return { ...c.custom_fields, ...c, custom_fields: undefined, __record: c };
}

function authenticated(authorization: string | undefined, apiKeys: string[]): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && apiKeys.includes(decoded.slice(0, colon));
}

function matchPath(pattern: string, path: string): Params | undefined {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      if (!/^\d+$/.test(s[i])) return undefined;
      params[p[i].slice(1)] = s[i];
    } else if (p[i] !== s[i]) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, answer: Answer): void {
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.headers ?? {}),
    ...(payload ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}
