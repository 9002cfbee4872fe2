/**
 * Spec helpers: a client for the sandbox, through jsforce (the client the hub uses) and through raw
 * HTTP where status codes and headers matter (jsforce hides them). Not a spec itself.
 */
import { Connection } from 'jsforce';

import type { SalesforceSandbox } from './salesforce-sandbox';

export const CLIENT_ID = 'hub-client';
export const CLIENT_SECRET = 'hub-secret';
export const VERSION = '62.0';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function raw(
  sandbox: SalesforceSandbox,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    // A content type given by the caller (a Bulk API upload's text/csv) is kept.
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await fetch(`${sandbox.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function fetchToken(sandbox: SalesforceSandbox): Promise<string> {
  const res = await raw(sandbox, 'POST', '/services/oauth2/token', {
    form: { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
  });
  return (res.body as { access_token: string }).access_token;
}

/**
 * Client-credentials connection with a refresh function that fetches a new token on 401, as the
 * hub's adapter will (Salesforce gives no refresh token in this flow, so jsforce's default cannot).
 */
export async function connect(sandbox: SalesforceSandbox): Promise<Connection> {
  const conn = new Connection({
    oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: sandbox.url },
    loginUrl: sandbox.url,
    instanceUrl: sandbox.url,
    version: VERSION,
    refreshFn: (c, callback) => {
      c.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
        (res) => callback(null, res.access_token, res),
        (err: Error) => callback(err),
      );
    },
  });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

/** A connection holding a bare token and no way to refresh it: a 401 surfaces to the caller. */
export async function connectWithToken(sandbox: SalesforceSandbox): Promise<Connection> {
  return new Connection({ instanceUrl: sandbox.url, accessToken: await fetchToken(sandbox), version: VERSION });
}

export async function admin(sandbox: SalesforceSandbox, method: string, path: string, body?: unknown) {
  return raw(sandbox, method, `/__admin${path}`, body === undefined ? {} : { body });
}

export async function dump(sandbox: SalesforceSandbox, object: string): Promise<Record<string, unknown>[]> {
  return (await admin(sandbox, 'GET', `/records/${object}`)).body as Record<string, unknown>[];
}
