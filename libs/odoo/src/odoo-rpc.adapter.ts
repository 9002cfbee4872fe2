import type { Logger } from 'pino';
import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import {
  authenticationRefused,
  mapJson2Error,
  mapJsonRpcError,
  mapNetworkError,
  unreadableAnswer,
} from './odoo-error.mapper';
import { OdooDomain, OdooPort, OdooRecord, OdooValues, SearchReadOptions } from './odoo.port';

export type OdooProtocol = 'json2' | 'jsonrpc';

export interface OdooRpcAdapterOptions {
  /** Odoo's base URL (scheme, host, port), the server that answers `/jsonrpc` and `/json/2`. */
  url: string;
  database: string;
  /** The hub user's API key; it stands in for the password over JSON-RPC. Never logged. */
  apiKey: string;
  /** The hub user's login: JSON-RPC authenticates with it, JSON-2 needs only the key. */
  login: string;
  /** `auto` reads `GET /web/version` once: JSON-2 from Odoo 19, JSON-RPC before. */
  protocol: OdooProtocol | 'auto';
  /** Per HTTP exchange, answer body included. */
  timeoutMs: number;
  log: Logger;
  /** Sent on every request, so Odoo's logs name the hub (JSON-2's documentation asks for it). */
  userAgent: string;
}

/** JSON-2 is served from Odoo 19 on. A SaaS release's version reads `saas~18.4`: its first digits are the major. */
const FIRST_JSON2_MAJOR = 19;

/** One ORM call, in terms both wire formats can be built from. */
interface OrmCall {
  model: string;
  method: string;
  /** The records the method runs on; absent for `@api.model` methods. */
  ids?: number[];
  /** The method's arguments by name. */
  params: Record<string, unknown>;
  /**
   * The parameters JSON-RPC passes by position, in signature order. Odoo 17's `call_kw` reads `create`'s
   * `vals_list` from the positional arguments, so keywords alone are not enough there.
   */
  positional: readonly string[];
  context?: Record<string, unknown>;
}

interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON, or the text when the answer was not JSON. */
  body: unknown;
}

/**
 * The only file that knows Odoo's wire formats: JSON-2 (`POST /json/2/<model>/<method>`, bearer key, Odoo 19) and
 * JSON-RPC (`POST /jsonrpc`, `object.execute_kw`, Odoo 17 and 18). Every failure leaves it as a TransientError or a
 * PermanentError (odoo-error.mapper.ts). The protocol `auto` picks and the hub's uid are read once and kept; a
 * failed read is not kept, so the next call tries again.
 */
export class OdooRpcAdapter extends OdooPort {
  private chosen?: Promise<OdooProtocol>;
  private uidRead?: Promise<number>;
  private rpcId = 0;
  private readonly baseUrl: string;

  constructor(private readonly options: OdooRpcAdapterOptions) {
    super();
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  /** The protocol in use: the configured one, or what the server's version says. */
  protocol(): Promise<OdooProtocol> {
    const configured = this.options.protocol;
    if (configured !== 'auto') return Promise.resolve(configured);
    this.chosen ??= this.detectProtocol().catch((error: unknown) => {
      this.chosen = undefined;
      throw error;
    });
    return this.chosen;
  }

  override uid(): Promise<number> {
    this.uidRead ??= this.readUid().catch((error: unknown) => {
      this.uidRead = undefined;
      throw error;
    });
    return this.uidRead;
  }

  override async searchRead(
    model: string,
    domain: OdooDomain,
    fields: string[],
    options: SearchReadOptions = {},
  ): Promise<OdooRecord[]> {
    const result = await this.call({
      model,
      method: 'search_read',
      params: { domain, fields, limit: options.limit, order: options.order },
      positional: ['domain'],
      context: options.withArchived ? { active_test: false } : undefined,
    });
    if (!Array.isArray(result) || !result.every(isOdooRecord)) {
      throw unreadableAnswer(`${model}/search_read`, 200, result);
    }
    return result;
  }

  override async create(model: string, values: OdooValues, context?: Record<string, unknown>): Promise<number> {
    const result = await this.call({
      model,
      method: 'create',
      params: { vals_list: [values] },
      positional: ['vals_list'],
      context: writeContext(context),
    });
    // A list of values answers a list of ids in both protocols; one dict would answer an id over JSON-RPC.
    const id = Array.isArray(result) ? result[0] : result;
    if (typeof id !== 'number') throw unreadableAnswer(`${model}/create`, 200, result);
    return id;
  }

  override async load(
    model: string,
    fields: string[],
    rows: string[][],
    context?: Record<string, unknown>,
  ): Promise<number[]> {
    const result = await this.call({
      model,
      method: 'load',
      params: { fields, data: rows },
      positional: ['fields', 'data'],
      context: writeContext(context),
    });
    if (!isRecord(result)) throw unreadableAnswer(`${model}/load`, 200, result);
    const ids = result['ids'];
    if (Array.isArray(ids) && ids.every((id): id is number => typeof id === 'number')) return ids;
    // load reports problems in `messages` and answers ids: false, having rolled everything back.
    const messages = Array.isArray(result['messages']) ? result['messages'] : [];
    const text = messages
      .map((m) => (isRecord(m) ? `${String(m['field'] ?? '')}: ${String(m['message'] ?? '')}` : String(m)))
      .join('; ');
    throw new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `Odoo refused to load ${model}: ${text}`, {
      vendorCode: 'odoo.load',
      detail: messages,
    });
  }

  override async write(
    model: string,
    ids: number[],
    values: OdooValues,
    context?: Record<string, unknown>,
  ): Promise<void> {
    await this.call({
      model,
      method: 'write',
      ids,
      params: { vals: values },
      positional: ['vals'],
      context: writeContext(context),
    });
  }

  override callMethod(
    model: string,
    method: string,
    ids: number[],
    args: Record<string, unknown> = {},
  ): Promise<unknown> {
    const { context, ...params } = args;
    return this.call({
      model,
      method,
      ids,
      params,
      positional: [],
      context: isRecord(context) ? context : undefined,
    });
  }

  private async readUid(): Promise<number> {
    if ((await this.protocol()) === 'jsonrpc') return this.authenticate();
    const answer = await this.call({ model: 'res.users', method: 'context_get', params: {}, positional: [] });
    const uid = isRecord(answer) ? answer['uid'] : undefined;
    if (typeof uid !== 'number') throw unreadableAnswer('res.users/context_get', 200, answer);
    return uid;
  }

  private async call(call: OrmCall): Promise<unknown> {
    const protocol = await this.protocol();
    return protocol === 'json2' ? this.callJson2(call) : this.callJsonRpc(call);
  }

  private async callJson2(call: OrmCall): Promise<unknown> {
    const body: Record<string, unknown> = { ...call.params };
    if (call.ids) body['ids'] = call.ids;
    if (call.context) body['context'] = call.context;
    const label = `${call.model}/${call.method}`;
    const path = `/json/2/${encodeURIComponent(call.model)}/${encodeURIComponent(call.method)}`;
    const headers = { authorization: `bearer ${this.options.apiKey}`, 'x-odoo-database': this.options.database };
    return this.exchange(
      { protocol: 'json2', model: call.model, method: call.method },
      () => this.request('POST', path, label, headers, body),
      (answer) => {
        if (answer.status < 200 || answer.status >= 300) {
          throw mapJson2Error(answer.status, answer.body, answer.headers);
        }
        if (typeof answer.body === 'string') throw unreadableAnswer(label, answer.status, answer.body);
        return answer.body;
      },
    );
  }

  private async callJsonRpc(call: OrmCall): Promise<unknown> {
    const uid = await this.uid();
    const args: unknown[] = call.ids ? [call.ids] : [];
    const kwargs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(call.params)) {
      if (value === undefined) continue;
      if (call.positional.includes(name)) continue;
      kwargs[name] = value;
    }
    for (const name of call.positional) args.push(call.params[name]);
    if (call.context) kwargs['context'] = call.context;
    const { database, apiKey } = this.options;
    return this.jsonRpc({ model: call.model, method: call.method }, 'object', 'execute_kw', [
      database,
      uid,
      apiKey,
      call.model,
      call.method,
      args,
      kwargs,
    ]);
  }

  /** `common.authenticate` answers the uid, or `false` for a login and key it does not accept (never an error). */
  private async authenticate(): Promise<number> {
    const { database, login, apiKey } = this.options;
    const result = await this.jsonRpc({ model: 'common', method: 'authenticate' }, 'common', 'authenticate', [
      database,
      login,
      apiKey,
      {},
    ]);
    if (result === false) throw authenticationRefused(login, database);
    if (typeof result !== 'number') throw unreadableAnswer('common/authenticate', 200, result);
    return result;
  }

  private jsonRpc(what: { model: string; method: string }, service: string, method: string, args: unknown[]) {
    const label = `${what.model}/${what.method}`;
    const envelope = { jsonrpc: '2.0', method: 'call', id: ++this.rpcId, params: { service, method, args } };
    return this.exchange(
      { protocol: 'jsonrpc', ...what },
      () => this.request('POST', '/jsonrpc', label, {}, envelope),
      (answer): unknown => {
        // Odoo's exceptions come inside an HTTP 200; an HTTP error is the server or a proxy refusing the request.
        if (answer.status < 200 || answer.status >= 300) {
          throw mapJson2Error(answer.status, answer.body, answer.headers);
        }
        if (!isRecord(answer.body)) throw unreadableAnswer(label, answer.status, answer.body);
        if ('error' in answer.body) throw mapJsonRpcError(answer.body['error']);
        // Odoo leaves `result` out when the method returned None.
        return answer.body['result'] ?? null;
      },
    );
  }

  /**
   * `GET /web/version`: Odoo 19 answers `{version_info, version}`; earlier servers (and the sandbox) answer
   * `common.version`'s `{server_version_info, server_serie}`. A server without the route predates JSON-2.
   */
  private async detectProtocol(): Promise<OdooProtocol> {
    const answer = await this.exchange(
      { protocol: 'http', model: 'web', method: 'version' },
      () => this.request('GET', '/web/version', 'web/version', {}),
      (got) => {
        if (got.status >= 500 || got.status === 429 || got.status === 408) {
          throw mapJson2Error(got.status, got.body, got.headers);
        }
        return got;
      },
    );
    const major = answer.status === 200 ? majorVersion(answer.body) : undefined;
    const protocol: OdooProtocol = major !== undefined && major >= FIRST_JSON2_MAJOR ? 'json2' : 'jsonrpc';
    this.options.log.info(
      { status: answer.status, major: major ?? null, protocol },
      major === undefined ? 'odoo version unknown: using JSON-RPC' : `odoo ${major}: using ${protocol}`,
    );
    return protocol;
  }

  /**
   * Sends one request and reads its answer, logging the exchange at debug: what was called, the HTTP status, the
   * error if any, the time it took. Never the body: it holds the key (JSON-RPC) and personal data.
   */
  private async exchange<T>(
    what: { protocol: string; model: string; method: string },
    send: () => Promise<Answer>,
    read: (answer: Answer) => T,
  ): Promise<T> {
    const started = performance.now();
    let status: number | null = null;
    try {
      const answer = await send();
      status = answer.status;
      const result = read(answer);
      this.options.log.debug({ ...what, status, durationMs: Math.round(performance.now() - started) }, 'odoo call');
      return result;
    } catch (error) {
      this.options.log.debug(
        { ...what, status, durationMs: Math.round(performance.now() - started), error: describe(error) },
        'odoo call failed',
      );
      throw error;
    }
  }

  /** One HTTP request with the configured timeout covering the answer's body too; network failures are mapped. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    label: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Answer> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          'user-agent': this.options.userAgent,
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: parseBody(response.headers, text) };
    } catch (error) {
      throw mapNetworkError(error, label);
    }
  }
}

/**
 * Every write of the hub runs with `tracking_disable`: no chatter message or follower per synced field (mail.thread),
 * which would be noise to the people reading the record. The caller's context wins.
 */
function writeContext(context: Record<string, unknown> | undefined): Record<string, unknown> {
  return { tracking_disable: true, ...context };
}

function parseBody(headers: Headers, text: string): unknown {
  if (!/\bjson\b/i.test(headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function majorVersion(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  const info = Array.isArray(body['version_info']) ? body['version_info'] : body['server_version_info'];
  const first: unknown = Array.isArray(info) ? info[0] : undefined;
  if (typeof first === 'number') return first;
  const serie = [first, body['server_serie'], body['version'], body['server_version']].find(
    (v): v is string => typeof v === 'string' && /\d/.test(v),
  );
  const digits = serie ? /(\d+)/.exec(serie)?.[1] : undefined;
  return digits ? Number(digits) : undefined;
}

function describe(error: unknown): Record<string, unknown> {
  if (!isRecord(error)) return { message: String(error) };
  return {
    name: error['name'],
    code: error['code'],
    vendorCode: error['vendorCode'],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOdooRecord(value: unknown): value is OdooRecord {
  return isRecord(value) && typeof value['id'] === 'number';
}
