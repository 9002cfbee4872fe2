/**
 * `POST /jsonrpc` as Odoo 17 serves it (odoo/addons/base/controllers/rpc.py, odoo/http.py JsonRPCDispatcher):
 * services `common` (version, login, authenticate), `object` (execute, execute_kw; every call checks the
 * credentials first) and `db` (list, server_version). Answers are HTTP 200 whatever happened: the result, or
 * `{"code": 200, "message": "Odoo Server Error", "data": serialize_exception(exc)}` in `error`. Only a body that is
 * not JSON, or a request that is not JSON-RPC, is refused with HTTP 400.
 */
import type { DatabaseRegistry } from '../db/database.registry';
import type { CredentialsService } from '../auth/credentials.service';
import { isRecord, jsonAnswer, mimetype, textAnswer, werkzeugPage, type HttpAnswer } from '../http.helpers';
import { asOdooError, PythonError, serializeException, type OdooError } from '../odoo.errors';
import { bindArguments, type MethodSignature } from './method.binding';
import type { ModelCallService } from './model-call.service';

export interface VersionInfo {
  server_version: string;
  server_version_info: (number | string)[];
  server_serie: string;
  protocol_version: number;
}

export function versionInfo(serverVersion: string): VersionInfo {
  const [major = 17, minor = 0] = serverVersion.split('.').map((n) => Number(n) || 0);
  return {
    server_version: serverVersion,
    server_version_info: [major, minor, 0, 'final', 0, ''],
    server_serie: `${major}.${minor}`,
    protocol_version: 1,
  };
}

export interface JsonRpcDeps {
  registry: DatabaseRegistry;
  credentials: CredentialsService;
  calls: ModelCallService;
  version: VersionInfo;
  /** Told of every call: service.method (or model.method), the uid, and the error name if any. */
  onCall?(what: string, uid: number | null, error?: OdooError): void;
}

const COMMON: Record<string, MethodSignature> = {
  version: { qualifiedName: 'exp_version', parameters: [] },
  login: { qualifiedName: 'exp_login', parameters: [{ name: 'db' }, { name: 'login' }, { name: 'password' }] },
  authenticate: {
    qualifiedName: 'exp_authenticate',
    parameters: [{ name: 'db' }, { name: 'login' }, { name: 'password' }, { name: 'user_agent_env' }],
  },
};

/** Python's `int(value)` as `dispatch` applies it to the uid. */
function pythonInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  throw new PythonError(
    'ValueError',
    typeof value === 'string'
      ? `invalid literal for int() with base 10: '${value}'`
      : `int() argument must be a string, a bytes-like object or a real number, not '${value === null ? 'NoneType' : typeof value}'`,
  );
}

/** `Model.browse(ids)`: an id, a list of ids, or nothing. */
function browseIds(value: unknown): number[] {
  if (value === false || value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => Number.isInteger(v))) {
    throw new PythonError('ValueError', `Invalid ids ${JSON.stringify(value)}`);
  }
  return list as number[];
}

export class JsonRpcHandler {
  constructor(private readonly deps: JsonRpcDeps) {}

  async handle(contentType: string | undefined, body: string): Promise<HttpAnswer> {
    const type = mimetype(contentType);
    if (type !== 'application/json' && type !== 'application/json-rpc') {
      return werkzeugPage(400, "Request inferred type is compatible with ['http'] but '/jsonrpc' is type='json'.");
    }
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return textAnswer(400, 'Invalid JSON data');
    }
    if (!isRecord(request)) return textAnswer(400, 'Invalid JSON-RPC data');
    const id = request['id'] ?? null;
    try {
      const params = request['params'] ?? {};
      if (!isRecord(params)) throw new PythonError('TypeError', "'list' object is not a mapping");
      const { service, method, args } = bindArguments(
        {
          qualifiedName: 'RPC.jsonrpc',
          parameters: [{ name: 'service' }, { name: 'method' }, { name: 'args' }],
        },
        [],
        params,
        'call',
      );
      const result = await this.dispatch(service, method, args);
      return jsonAnswer(
        200,
        result === null || result === undefined ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result },
      );
    } catch (error) {
      const odooError = asOdooError(error);
      return jsonAnswer(200, {
        jsonrpc: '2.0',
        id,
        error: { code: 200, message: 'Odoo Server Error', data: serializeException(odooError) },
      });
    }
  }

  private async dispatch(service: unknown, method: unknown, args: unknown): Promise<unknown> {
    const params = Array.isArray(args) ? args : [];
    if (!Array.isArray(args)) throw new PythonError('TypeError', "'NoneType' object is not subscriptable");
    switch (service) {
      case 'common':
        return this.common(String(method), params);
      case 'object':
        return this.object(String(method), params);
      case 'db':
        return this.db(String(method));
      default:
        throw new PythonError('KeyError', `'${String(service)}'`);
    }
  }

  private async common(method: string, params: unknown[]): Promise<unknown> {
    const signature = COMMON[method];
    if (!signature) throw new PythonError('KeyError', `'exp_${method}'`);
    const a = bindArguments(signature, params, {}, 'call');
    if (method === 'version') return this.deps.version;
    if (typeof a['db'] !== 'string') throw new PythonError('TypeError', 'database name must be a string');
    const pool = await this.deps.registry.get(a['db']);
    const uid = await this.deps.credentials.authenticate(a['db'], pool, a['login'], a['password']);
    this.deps.onCall?.(`common.${method}`, uid || null);
    return uid;
  }

  private async db(method: string): Promise<unknown> {
    if (method === 'list') return this.deps.registry.list();
    if (method === 'server_version') return this.deps.version.server_version;
    throw new PythonError('KeyError', `'exp_${method}'`);
  }

  private async object(method: string, params: unknown[]): Promise<unknown> {
    const [db, rawUid, password] = params;
    const uid = pythonInt(rawUid);
    if (typeof db !== 'string') throw new PythonError('TypeError', 'database name must be a string');
    const pool = await this.deps.registry.get(db);
    await this.deps.credentials.check(db, pool, uid, password);
    let model: unknown;
    let name: unknown;
    let args: unknown;
    let kw: unknown;
    if (method === 'execute') {
      [, , , model, name] = params;
      args = params.slice(5);
      kw = {};
    } else if (method === 'execute_kw') {
      const bound = bindArguments(
        {
          qualifiedName: 'execute_kw',
          parameters: [{ name: 'obj' }, { name: 'method' }, { name: 'args' }, { name: 'kw', default: null }],
        },
        params.slice(3),
        {},
        'call',
      );
      ({ obj: model, method: name, args, kw } = bound);
    } else {
      throw new PythonError('NameError', `Method not available ${method}`);
    }
    if (typeof model !== 'string' || typeof name !== 'string') {
      throw new PythonError('TypeError', 'model and method must be strings');
    }
    if (kw !== null && kw !== undefined && !isRecord(kw)) {
      throw new PythonError('TypeError', "execute_kw's kw must be a dictionary");
    }
    const keywords: Record<string, unknown> = { ...(kw ?? {}) };
    const context = keywords['context'] ?? {};
    delete keywords['context'];
    if (!isRecord(context)) throw new PythonError('ValueError', 'context must be a dictionary');
    if (!Array.isArray(args)) throw new PythonError('TypeError', "execute_kw's args must be a list");
    const spec = this.deps.calls.resolve('jsonrpc', model, name);
    let ids: number[] = [];
    let positional: unknown[] = args;
    if (!spec.apiModel) {
      if (args.length === 0) throw new PythonError('IndexError', 'list index out of range');
      ids = browseIds(args[0]);
      positional = args.slice(1);
    }
    try {
      const result = await this.deps.calls.execute({
        protocol: 'jsonrpc',
        db,
        pool,
        uid,
        model,
        method: name,
        ids,
        positional,
        keywords,
        context,
      });
      this.deps.onCall?.(`${model}.${name}`, uid);
      return result;
    } catch (error) {
      this.deps.onCall?.(`${model}.${name}`, uid, asOdooError(error));
      throw error;
    }
  }
}
