/**
 * The unauthenticated test-control API under `/__admin` (not part of Odoo):
 *
 * - `GET /__admin/info`: version, default database, the seeded users' uids
 * - `POST /__admin/api-keys` `{login?, name?, scope?, db?}`: a new API key for a user (the hub's by default), as
 *   Preferences → Account Security → New API Key makes it; `DELETE /__admin/api-keys/{id}?db=` revokes one
 * - `POST /__admin/users` `{login, name, password?, groups?: ('user'|'system'|'portal')[], db?}`: a user
 * - `GET|POST|DELETE /__admin/faults`: read, replace (fields left out take their defaults), clear the faults
 * - `GET /__admin/stats`: requests, calls by model.method, errors by name, transactions, retries, faults injected
 * - `GET /__admin/writes?after=&login=&db=`: the write log; `POST /__admin/reset`: clear faults, stats, write log
 *   and the credentials cache (the database is shared with the stack and never wiped)
 */
import type { CredentialsService } from '../auth/credentials.service';
import type { DatabaseRegistry } from '../db/database.registry';
import { createUser } from '../db/seed';
import type { TransactionStats } from '../db/transaction.runner';
import { parseFaultConfig, type FaultInjector } from '../fault.injector';
import { emptyAnswer, isRecord, jsonAnswer, type HttpAnswer } from '../http.helpers';
import type { GroupXmlId } from '../orm/model.catalogue';
import type { CallStats } from '../rpc/model-call.service';
import type { WriteLog } from './write.log';

export interface RequestStats {
  jsonrpc: number;
  json2: number;
  status500Injected: number;
}

export interface AdminDeps {
  registry: DatabaseRegistry;
  credentials: CredentialsService;
  faults: FaultInjector;
  writeLog: WriteLog;
  requests: RequestStats;
  calls: CallStats;
  transactions: TransactionStats;
  hubLogin: string;
  serverVersion: string;
  /** Uids of the seeded users of a database. */
  seededUsers(db: string): Promise<Record<string, number>>;
  resetStats(): void;
}

const ROLES: Record<string, readonly GroupXmlId[]> = {
  user: ['base.group_user'],
  system: ['base.group_user', 'base.group_erp_manager', 'base.group_system'],
  portal: ['base.group_portal'],
};

function parse(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function badRequest(error: string, details?: string[]): HttpAnswer {
  return jsonAnswer(400, details ? { error, details } : { error });
}

export class AdminApi {
  constructor(private readonly deps: AdminDeps) {}

  async handle(method: string, segments: string[], query: URLSearchParams, body: string): Promise<HttpAnswer> {
    const [resource, id] = segments;
    const input = parse(body);
    if (input === undefined) return badRequest('body is not JSON');
    const record = isRecord(input) ? input : {};
    const db = typeof record['db'] === 'string' ? record['db'] : (query.get('db') ?? this.deps.registry.defaultDb);
    switch (`${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}`) {
      case 'GET info':
        return jsonAnswer(200, {
          serverVersion: this.deps.serverVersion,
          defaultDb: this.deps.registry.defaultDb,
          hubLogin: this.deps.hubLogin,
          users: await this.deps.seededUsers(db),
        });
      case 'POST api-keys':
        return this.createKey(db, record);
      case 'DELETE api-keys/:id': {
        const pool = await this.deps.registry.get(db);
        const { rowCount } = await pool.query('DELETE FROM res_users_apikeys WHERE id = $1', [Number(id)]);
        this.deps.credentials.clear();
        return rowCount ? emptyAnswer() : jsonAnswer(404, { error: `no API key ${id}` });
      }
      case 'POST users':
        return this.createUser(db, record);
      case 'GET faults':
        return jsonAnswer(200, { ...this.deps.faults.config, injected: this.deps.faults.injected });
      case 'POST faults': {
        const parsed = parseFaultConfig(input);
        if ('errors' in parsed) return badRequest('invalid fault configuration', parsed.errors);
        this.deps.faults.set(parsed.config);
        return jsonAnswer(200, this.deps.faults.config);
      }
      case 'DELETE faults':
        this.deps.faults.clear();
        return emptyAnswer();
      case 'GET stats':
        return jsonAnswer(200, {
          requests: this.deps.requests,
          calls: this.deps.calls.calls,
          errors: this.deps.calls.errors,
          transactions: this.deps.transactions,
          faultsInjected: this.deps.faults.injected,
        });
      case 'GET writes': {
        const after = query.get('after');
        return jsonAnswer(200, {
          last: this.deps.writeLog.last,
          writes: this.deps.writeLog.list({
            after: after === null ? undefined : Number(after),
            login: query.get('login') ?? undefined,
            db: query.get('db') ?? undefined,
          }),
        });
      }
      case 'POST reset':
        this.deps.faults.clear();
        this.deps.writeLog.clear();
        this.deps.credentials.clear();
        this.deps.resetStats();
        return emptyAnswer();
      default:
        return jsonAnswer(404, { error: `no admin resource ${method} /__admin/${segments.join('/')}` });
    }
  }

  private async createKey(db: string, input: Record<string, unknown>): Promise<HttpAnswer> {
    const login = typeof input['login'] === 'string' ? input['login'] : this.deps.hubLogin;
    const name = typeof input['name'] === 'string' ? input['name'] : 'sandbox';
    const scope = typeof input['scope'] === 'string' ? input['scope'] : null;
    const pool = await this.deps.registry.get(db);
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM res_users WHERE login = $1', [login]);
    const uid = rows[0]?.id;
    if (uid === undefined) return jsonAnswer(404, { error: `no user with login ${login} in ${db}` });
    const { key, id } = await this.deps.credentials.generate(pool, uid, name, scope);
    return jsonAnswer(201, { key, id, uid, login, db });
  }

  private async createUser(db: string, input: Record<string, unknown>): Promise<HttpAnswer> {
    const login = input['login'];
    if (typeof login !== 'string' || !login) return badRequest('login is required');
    const roles = Array.isArray(input['groups']) ? input['groups'] : ['user'];
    const unknown = roles.filter((r) => typeof r !== 'string' || !ROLES[r]);
    if (unknown.length) return badRequest(`unknown groups: ${unknown.join(', ')} (user, system, portal)`);
    const groups = [...new Set(roles.flatMap((r) => ROLES[r as string] ?? []))];
    const pool = await this.deps.registry.get(db);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const uid = await createUser(
        client,
        {
          login,
          name: typeof input['name'] === 'string' ? input['name'] : login,
          email: typeof input['email'] === 'string' ? input['email'] : undefined,
          password: typeof input['password'] === 'string' ? input['password'] : undefined,
          active: true,
          groups,
        },
        2,
      );
      await client.query('COMMIT');
      this.deps.credentials.clear();
      return jsonAnswer(201, { uid, login, db, groups });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === '23505') return jsonAnswer(409, { error: `login ${login} exists` });
      throw error;
    } finally {
      client.release();
    }
  }
}
