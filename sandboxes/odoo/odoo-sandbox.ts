/**
 * An Odoo server's external API over an Odoo-shaped PostgreSQL database, for the demo and the integration tests:
 * no Odoo can run here, so this speaks JSON-RPC (`/jsonrpc`, Odoo 17) and JSON-2 (`/json/2/<model>/<method>`,
 * Odoo 19) and writes the same rows Odoo would, in the database Debezium captures, so a write made through it
 * comes back through the change stream exactly as a real Odoo's would.
 *
 * Request pipeline for the RPC routes: injected latency → injected HTTP 500 → the protocol handler (credentials,
 * method, arguments) → one REPEATABLE READ transaction, retried on serialization failures (which may be injected)
 * → the answer in the protocol's envelope.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { AdminApi, type RequestStats } from './admin/admin-api.handler';
import { WriteLog } from './admin/write.log';
import { CredentialsService } from './auth/credentials.service';
import { partnerRules } from './business/partner.rules';
import { saleOrderLineRules, saleOrderRules } from './business/sale-order.rules';
import { stockReturnPickingLineRules, stockReturnPickingRules } from './business/stock-return.rules';
import { DatabaseRegistry } from './db/database.registry';
import { defaultSeedUsers, seedUsers } from './db/seed';
import { TransactionRunner, type TransactionStats } from './db/transaction.runner';
import { FaultInjector } from './fault.injector';
import { jsonAnswer, readBody, sleep, werkzeugPage, writeAnswer, type HttpAnswer } from './http.helpers';
import type { OdooError } from './odoo.errors';
import { LoadService } from './orm/load.service';
import { ModelCatalogue } from './orm/model.catalogue';
import { Orm } from './orm/orm.service';
import { Json2Handler } from './rpc/json2.handler';
import { JsonRpcHandler, versionInfo } from './rpc/jsonrpc.handler';
import { ModelCallService, type CallStats } from './rpc/model-call.service';

export interface OdooSandboxOptions {
  /** `postgres://user:password@host:port/<default database>`. */
  databaseUrl: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Other databases on the server that may be served (X-Odoo-Database, the `db` of JSON-RPC); default `^odoo`. */
  dbFilter?: RegExp;
  /** The integration user's login (a bot: API keys only unless `hubPassword` is given). */
  hubLogin?: string;
  hubPassword?: string;
  adminPassword?: string;
  /** What `common.version` and `/web/version` report; default 17.0. */
  serverVersion?: string;
  /** One line per RPC call (for the stack's log); silent by default. */
  log?: (line: string) => void;
}

/** Live handles on the sandbox's insides, for tests that look behind the API. */
export interface OdooSandboxState {
  readonly faults: FaultInjector;
  readonly writeLog: WriteLog;
  readonly credentials: CredentialsService;
  readonly registry: DatabaseRegistry;
}

export interface OdooSandbox {
  url: string;
  port: number;
  defaultDb: string;
  hubLogin: string;
  /** The seeded users of the default database: `__system__`, `admin`, the hub's login. */
  users: Record<string, number>;
  state: OdooSandboxState;
  close(): Promise<void>;
}

export async function startOdooSandbox(options: OdooSandboxOptions): Promise<OdooSandbox> {
  const hubLogin = options.hubLogin ?? 'hub-integration';
  const serverVersion = options.serverVersion ?? '17.0';
  const seedList = defaultSeedUsers({
    adminPassword: options.adminPassword ?? 'admin',
    hubLogin,
    hubPassword: options.hubPassword,
  });
  const seeded = new Map<string, Record<string, number>>();
  const registry = new DatabaseRegistry({
    url: options.databaseUrl,
    filter: options.dbFilter ?? /^odoo/,
    onFirstUse: async (db, pool) => {
      seeded.set(db, Object.fromEntries(await seedUsers(pool, seedList)));
    },
  });
  const catalogue = new ModelCatalogue();
  const orm = new Orm();
  orm.register('res.partner', partnerRules(orm));
  orm.register('sale.order', saleOrderRules());
  orm.register('sale.order.line', saleOrderLineRules());
  orm.register('stock.return.picking', stockReturnPickingRules());
  orm.register('stock.return.picking.line', stockReturnPickingLineRules());
  const faults = new FaultInjector();
  const transactions: TransactionStats = { transactions: 0, retries: 0, exhausted: 0 };
  const requests: RequestStats = { jsonrpc: 0, json2: 0, status500Injected: 0 };
  const callStats: CallStats = { calls: {}, errors: {} };
  const writeLog = new WriteLog();
  const credentials = new CredentialsService();
  const calls = new ModelCallService({
    orm,
    loader: new LoadService(orm),
    catalogue,
    runner: new TransactionRunner({ faults, catalogue, stats: transactions }),
    writeLog,
    stats: callStats,
  });
  const onCall = (what: string, uid: number | null, error?: OdooError) => {
    if (error) calls.countError(error.exceptionName);
    options.log?.(
      `${what} uid=${uid ?? '-'}${error ? ` ${error.exceptionName}: ${error.message.split('\n')[0]}` : ''}`,
    );
  };
  const version = versionInfo(serverVersion);
  const jsonrpc = new JsonRpcHandler({ registry, credentials, calls, version, onCall });
  const json2 = new Json2Handler({ registry, credentials, calls, onCall });
  const admin = new AdminApi({
    registry,
    credentials,
    faults,
    writeLog,
    requests,
    calls: callStats,
    transactions,
    hubLogin,
    serverVersion,
    seededUsers: async (db) => {
      await registry.get(db);
      return seeded.get(db) ?? {};
    },
    resetStats: () => {
      Object.assign(requests, { jsonrpc: 0, json2: 0, status500Injected: 0 });
      Object.assign(transactions, { transactions: 0, retries: 0, exhausted: 0 });
      callStats.calls = {};
      callStats.errors = {};
    },
  });

  // Opening the default database seeds it: the sandbox is ready when listening.
  await registry.get(registry.defaultDb);

  async function route(req: IncomingMessage): Promise<HttpAnswer> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (url.pathname.startsWith('/__admin/')) {
      const segments = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
      return admin.handle(method, segments, url.searchParams, body);
    }
    if (url.pathname === '/web/version') return jsonAnswer(200, version);
    const json2Path = /^\/json\/2\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    const isRpc = url.pathname === '/jsonrpc' || json2Path !== null;
    if (!isRpc) return werkzeugPage(404);
    if (faults.config.latencyMs > 0) await sleep(faults.config.latencyMs);
    if (faults.status500()) {
      requests.status500Injected++;
      return werkzeugPage(500);
    }
    if (json2Path) {
      requests.json2++;
      return json2.handle({
        httpMethod: method,
        model: decodeURIComponent(json2Path[1] as string),
        method: decodeURIComponent(json2Path[2] as string),
        headers: req.headers,
        body,
      });
    }
    if (method !== 'POST') return werkzeugPage(405);
    requests.jsonrpc++;
    return jsonrpc.handle(req.headers['content-type'], body);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req).then(
      (answer) => writeAnswer(res, answer),
      (error: unknown) => {
        options.log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) writeAnswer(res, werkzeugPage(500));
        else res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    defaultDb: registry.defaultDb,
    hubLogin,
    users: seeded.get(registry.defaultDb) ?? {},
    state: { faults, writeLog, credentials, registry },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await registry.close();
    },
  };
}
