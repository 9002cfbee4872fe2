import { DEFAULT_RATE_LIMIT, RateLimitGate } from '../rate-limit.gate';
// The mapper's reading of Retry-After (it imports this file's error class: a cycle of functions only).
import { DEFAULT_RATE_LIMIT_BACKOFF_MS, retryAfterMs } from './freshdesk-error.mapper';
/**
 * A small typed client of the Freshdesk API v2, for the calls the adapter makes. No well-kept npm client exists:
 * `freshdesk-api` (MIT) is callback-first and leaves rate limits and errors to the caller, the older `freshdesk` and
 * `node-freshdesk` packages are deprecated in its favour, so a thin `fetch` client is the smaller dependency.
 *
 * Auth is HTTP Basic with the API key as the user name and `X` as the password (Freshdesk ignores it). Every non-2xx
 * answer is thrown as a {@link FreshdeskHttpError} carrying the status, the parsed body and the headers the error
 * mapper reads; network failures and timeouts are thrown as `fetch` throws them. Nothing here retries.
 */

export interface FreshdeskClientOptions {
  /** `https://<domain>.freshdesk.com` (or a sandbox's URL), without `/api/v2`. */
  baseUrl: string;
  apiKey: string;
  /** Per call; a timeout is thrown as fetch's `TimeoutError`. */
  timeoutMs?: number;
  /** The account's rate limit: 429s waited out and retried per request. Default: 4 retries, waits up to 60 s. */
  rateLimit?: RateLimitGate;
}

export type FreshdeskCustomFields = Record<string, string | number | boolean | null>;

export interface FreshdeskCompany {
  id: number;
  name: string;
  domains?: string[];
  custom_fields?: FreshdeskCustomFields;
}

export interface FreshdeskCompanyInput {
  name?: string;
  domains?: string[];
  custom_fields?: FreshdeskCustomFields;
}

export interface FreshdeskContact {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  company_id: number | null;
  unique_external_id: string | null;
}

export interface FreshdeskContactInput {
  name?: string;
  email?: string;
  phone?: string;
  company_id?: number;
  unique_external_id?: string;
}

export interface FreshdeskTicket {
  id: number;
  subject: string;
  status: number;
  priority: number;
  requester_id: number;
}

export interface FreshdeskConversation {
  id: number;
  body: string;
  body_text: string;
  private: boolean;
}

/** One item of Freshdesk's `errors` array (400 and 409 answers). */
export interface FreshdeskFieldError {
  field?: string;
  message?: string;
  code?: string;
  additional_info?: { user_id?: number } & Record<string, unknown>;
}

/** A non-2xx answer of the API. */
export class FreshdeskHttpError extends Error {
  override readonly name = 'FreshdeskHttpError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The parsed JSON body, the raw text when it is not JSON, or undefined when empty. */
    readonly body: unknown,
    readonly retryAfter: string | null,
  ) {
    super(`Freshdesk ${method} ${path}: HTTP ${status}`);
  }

  /** The `errors` of a validation answer (400/409), or none. */
  get fieldErrors(): FreshdeskFieldError[] {
    const errors = (this.body as { errors?: unknown } | undefined)?.errors;
    return Array.isArray(errors) ? (errors as FreshdeskFieldError[]) : [];
  }
}

export class FreshdeskApiClient {
  private readonly authorization: string;

  private readonly rateLimit: RateLimitGate;

  constructor(private readonly options: FreshdeskClientOptions) {
    this.rateLimit = options.rateLimit ?? new RateLimitGate(DEFAULT_RATE_LIMIT);
    this.authorization = `Basic ${Buffer.from(`${options.apiKey}:X`).toString('base64')}`;
  }

  // ---- companies
  searchCompanies(query: string): Promise<{ results: FreshdeskCompany[]; total: number }> {
    return this.request('GET', `/search/companies?query=${encodeURIComponent(`"${query}"`)}`);
  }
  autocompleteCompanies(name: string): Promise<{ companies: Array<{ id: number; name: string }> }> {
    return this.request('GET', `/companies/autocomplete?name=${encodeURIComponent(name)}`);
  }
  getCompany(id: number): Promise<FreshdeskCompany> {
    return this.request('GET', `/companies/${id}`);
  }
  createCompany(input: FreshdeskCompanyInput): Promise<FreshdeskCompany> {
    return this.request('POST', '/companies', input);
  }
  updateCompany(id: number, input: FreshdeskCompanyInput): Promise<FreshdeskCompany> {
    return this.request('PUT', `/companies/${id}`, input);
  }

  // ---- contacts
  listContacts(filter: { unique_external_id?: string; email?: string }): Promise<FreshdeskContact[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
    return this.request('GET', `/contacts?${query.toString()}`);
  }
  getContact(id: number): Promise<FreshdeskContact> {
    return this.request('GET', `/contacts/${id}`);
  }
  createContact(input: FreshdeskContactInput): Promise<FreshdeskContact> {
    return this.request('POST', '/contacts', input);
  }
  updateContact(id: number, input: FreshdeskContactInput): Promise<FreshdeskContact> {
    return this.request('PUT', `/contacts/${id}`, input);
  }

  // ---- tickets
  getTicket(id: number): Promise<FreshdeskTicket> {
    return this.request('GET', `/tickets/${id}`);
  }
  listConversations(ticketId: number, page: number, perPage: number): Promise<FreshdeskConversation[]> {
    return this.request('GET', `/tickets/${ticketId}/conversations?page=${page}&per_page=${perPage}`);
  }
  createNote(ticketId: number, note: { body: string; private: boolean }): Promise<FreshdeskConversation> {
    return this.request('POST', `/tickets/${ticketId}/notes`, note);
  }

  /** One API call through the account's rate limit: a 429 is waited out (`Retry-After`) and sent again. */
  request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    return this.rateLimit.run(
      () => this.send<T>(method, path, body),
      (error) =>
        error instanceof FreshdeskHttpError && error.status === 429
          ? (retryAfterMs(error.retryAfter) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS)
          : undefined,
    );
  }

  private async send<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/api/v2${path}`, {
      method,
      headers: {
        Authorization: this.authorization,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok)
      throw new FreshdeskHttpError(method, path.split('?')[0], res.status, parsed, res.headers.get('retry-after'));
    return parsed as T;
  }
}
