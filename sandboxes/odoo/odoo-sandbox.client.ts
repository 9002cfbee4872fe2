/**
 * A client of a running Odoo sandbox for the demo and the integration tests: its admin API (`/__admin`), and raw
 * JSON-RPC and JSON-2 calls that return the HTTP status and body as they came, so tests can check the protocols'
 * envelopes. Plain `fetch`.
 */

/** The admin API answered with an HTTP error status. */
export class OdooSandboxRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OdooSandboxRequestError';
  }
}

/** A JSON-RPC call answered with an `error` member: `data` is Odoo's serialized exception. */
export class OdooRpcError extends Error {
  constructor(readonly data: { name: string; message: string; arguments: unknown[]; debug: string }) {
    super(`${data.name}: ${data.message}`);
    this.name = 'OdooRpcError';
  }
}

export interface RawAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: T;
}

export interface ApiKey {
  key: string;
  id: number;
  uid: number;
  login: string;
  db: string;
}

export interface WriteLogEntry {
  seq: number;
  at: string;
  db: string;
  uid: number;
  login: string;
  protocol: 'jsonrpc' | 'json2';
  model: string;
  method: string;
  ids: number[];
  changes: { model: string; method: string; ids: number[] }[];
}

export class OdooSandboxClient {
  private rpcId = 0;

  constructor(readonly url: string) {}

  // -- admin API --------------------------------------------------------------------------------

  info(
    db?: string,
  ): Promise<{ serverVersion: string; defaultDb: string; hubLogin: string; users: Record<string, number> }> {
    return this.admin('GET', `/__admin/info${db ? `?db=${encodeURIComponent(db)}` : ''}`) as never;
  }

  /** A new API key (for the hub's user unless `login` names another). */
  createApiKey(options: { login?: string; name?: string; scope?: string; db?: string } = {}): Promise<ApiKey> {
    return this.admin('POST', '/__admin/api-keys', options) as Promise<ApiKey>;
  }

  async revokeApiKey(id: number, db?: string): Promise<void> {
    await this.admin('DELETE', `/__admin/api-keys/${id}${db ? `?db=${encodeURIComponent(db)}` : ''}`);
  }

  createUser(user: {
    login: string;
    name?: string;
    password?: string;
    groups?: ('user' | 'system' | 'portal')[];
    db?: string;
  }): Promise<{ uid: number; login: string }> {
    return this.admin('POST', '/__admin/users', user) as Promise<{ uid: number; login: string }>;
  }

  async setFaults(faults: Record<string, unknown>): Promise<void> {
    await this.admin('POST', '/__admin/faults', faults);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/__admin/faults');
  }

  stats(): Promise<{
    requests: { jsonrpc: number; json2: number; status500Injected: number };
    calls: Record<string, number>;
    errors: Record<string, number>;
    transactions: { transactions: number; retries: number; exhausted: number };
    faultsInjected: { status500: number; serializationFailure: number };
  }> {
    return this.admin('GET', '/__admin/stats') as never;
  }

  /** The write log after `after` (a `seq`), optionally for one login or database. */
  writes(
    filter: { after?: number; login?: string; db?: string } = {},
  ): Promise<{ last: number; writes: WriteLogEntry[] }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) query.set(k, String(v));
    return this.admin('GET', `/__admin/writes?${query.toString()}`) as never;
  }

  // -- the protocols --------------------------------------------------------------------------------

  /** `POST /jsonrpc` with `{service, method, args}`; the answer as it came. */
  jsonRpc(service: string, method: string, args: unknown[]): Promise<RawAnswer> {
    return this.raw('/jsonrpc', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: ++this.rpcId, params: { service, method, args } }),
    });
  }

  /** `object.execute_kw`: the result, or an {@link OdooRpcError} carrying Odoo's serialized exception. */
  async executeKw<T = unknown>(
    auth: { db: string; uid: number; password: string },
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown> = {},
  ): Promise<T> {
    const answer = await this.jsonRpc('object', 'execute_kw', [
      auth.db,
      auth.uid,
      auth.password,
      model,
      method,
      args,
      kwargs,
    ]);
    const body = answer.body as { result?: T; error?: { data: OdooRpcError['data'] } };
    if (body.error) throw new OdooRpcError(body.error.data);
    return body.result as T;
  }

  /** `POST /json/2/<model>/<method>` with a bearer key; the answer as it came. */
  json2(
    model: string,
    method: string,
    params: Record<string, unknown>,
    options: { key: string; db?: string; httpMethod?: string },
  ): Promise<RawAnswer> {
    return this.raw(`/json/2/${model}/${method}`, {
      method: options.httpMethod ?? 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `bearer ${options.key}`,
        ...(options.db ? { 'x-odoo-database': options.db } : {}),
      },
      body: options.httpMethod === 'GET' ? undefined : JSON.stringify(params),
    });
  }

  private async raw(path: string, init: RequestInit): Promise<RawAnswer> {
    const res = await fetch(`${this.url}${path}`, init);
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(text);
    return { status: res.status, headers: res.headers, body };
  }

  private async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new OdooSandboxRequestError(res.status, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}
