/**
 * Running a model method for either protocol: finding it (Odoo's answers for an unknown model, a private or an
 * unknown method), binding its arguments to the Python signature, running it in one retried transaction as the
 * calling user, and logging what it changed once committed.
 */
import type { Pool } from 'pg';

import type { WriteLog } from '../admin/write.log';
import { actionConfirm } from '../business/sale-order.rules';
import { createReturns } from '../business/stock-return.rules';
import type { TransactionRunner } from '../db/transaction.runner';
import { AccessError, HttpError, PythonError, UserError } from '../odoo.errors';
import { Env } from '../orm/env';
import type { LoadService } from '../orm/load.service';
import type { ModelCatalogue } from '../orm/model.catalogue';
import type { Orm } from '../orm/orm.service';
import { bindArguments, type MethodSignature } from './method.binding';

export type Protocol = 'jsonrpc' | 'json2';

export interface MethodSpec {
  signature: MethodSignature;
  /** `@api.model`: called without records. */
  apiModel: boolean;
  run(env: Env, model: string, ids: number[], args: Record<string, unknown>): Promise<unknown>;
}

const base = (name: string, parameters: MethodSignature['parameters'], extra: Partial<MethodSignature> = {}) => ({
  qualifiedName: `BaseModel.${name}`,
  parameters,
  ...extra,
});

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function searchOptions(args: Record<string, unknown>) {
  return {
    offset: (args['offset'] as number | undefined) ?? 0,
    limit: (args['limit'] as number | null | undefined) ?? null,
    order: (args['order'] as string | null | undefined) ?? null,
  };
}

export function methodTable(orm: Orm, loader: LoadService): Record<string, MethodSpec> {
  return {
    search: {
      apiModel: true,
      signature: base('search', [
        { name: 'domain' },
        { name: 'offset', default: 0 },
        { name: 'limit', default: null },
        { name: 'order', default: null },
      ]),
      run: (env, model, _ids, a) => orm.search(env, model, a['domain'], searchOptions(a)),
    },
    search_read: {
      apiModel: true,
      signature: base(
        'search_read',
        [
          { name: 'domain', default: null },
          { name: 'fields', default: null },
          { name: 'offset', default: 0 },
          { name: 'limit', default: null },
          { name: 'order', default: null },
        ],
        { varKeywords: true },
      ),
      run: (env, model, _ids, a) =>
        orm.searchRead(env, model, a['domain'], a['fields'] as string[] | null, searchOptions(a), a['load']),
    },
    read: {
      apiModel: false,
      signature: base('read', [
        { name: 'fields', default: null },
        { name: 'load', default: '_classic_read' },
      ]),
      run: (env, model, ids, a) => orm.read(env, model, ids, a['fields'] as string[] | null, a['load']),
    },
    search_count: {
      apiModel: true,
      signature: base('search_count', [{ name: 'domain' }, { name: 'limit', default: null }]),
      run: (env, model, _ids, a) => orm.searchCount(env, model, a['domain'], a['limit'] as number | null),
    },
    name_search: {
      apiModel: true,
      signature: base(
        'name_search',
        [
          { name: 'name', default: '' },
          { name: 'args', default: null },
          { name: 'operator', default: 'ilike' },
          { name: 'limit', default: 100 },
        ],
        // 17 names the domain `args`; 18 and 19 (JSON-2) name it `domain`.
        { aliases: { domain: 'args' } },
      ),
      run: (env, model, _ids, a) => orm.nameSearch(env, model, a['name'], a['args'], a['operator'], a['limit']),
    },
    create: {
      apiModel: true,
      signature: base('create', [{ name: 'vals_list' }]),
      run: (env, model, _ids, a) => orm.create(env, model, asList(a['vals_list'])),
    },
    write: {
      apiModel: false,
      signature: base('write', [{ name: 'vals' }]),
      run: (env, model, ids, a) => orm.write(env, model, ids, a['vals']),
    },
    unlink: {
      apiModel: false,
      signature: base('unlink', []),
      run: (env, model, ids) => orm.unlink(env, model, ids),
    },
    fields_get: {
      apiModel: true,
      signature: base('fields_get', [
        { name: 'allfields', default: null },
        { name: 'attributes', default: null },
      ]),
      run: async (env, model, _ids, a) => orm.fieldsGet(env, model, a['allfields'], a['attributes']),
    },
    load: {
      apiModel: true,
      signature: base('load', [{ name: 'fields' }, { name: 'data' }]),
      run: async (env, model, _ids, a) => {
        await orm.checkAccess(env, orm.model(env, model), 'create');
        return loader.load(env, model, a['fields'], a['data']);
      },
    },
  };
}

export function modelSpecificMethods(orm: Orm): Record<string, Record<string, MethodSpec>> {
  return {
    'sale.order': {
      action_confirm: {
        apiModel: false,
        signature: { qualifiedName: 'SaleOrder.action_confirm', parameters: [] },
        run: (env, _model, ids) => actionConfirm(env, orm, ids),
      },
    },
    'stock.return.picking': {
      create_returns: {
        apiModel: false,
        signature: { qualifiedName: 'ReturnPicking.create_returns', parameters: [] },
        run: (env, _model, ids) => createReturns(env, orm, ids),
      },
    },
    'res.users': {
      context_get: {
        apiModel: true,
        signature: { qualifiedName: 'Users.context_get', parameters: [] },
        run: async (env) => {
          const user = await env.user();
          return { lang: user.lang ?? 'en_US', tz: user.tz ?? false, uid: env.uid };
        },
      },
    },
  };
}

export interface CallStats {
  calls: Record<string, number>;
  errors: Record<string, number>;
}

export interface ModelCall {
  protocol: Protocol;
  db: string;
  pool: Pool;
  uid: number;
  model: string;
  method: string;
  ids: number[];
  positional: unknown[];
  keywords: Record<string, unknown>;
  context: Record<string, unknown>;
}

export class ModelCallService {
  private readonly generic: Record<string, MethodSpec>;
  private readonly specific: Record<string, Record<string, MethodSpec>>;

  constructor(
    private readonly deps: {
      orm: Orm;
      loader: LoadService;
      catalogue: ModelCatalogue;
      runner: TransactionRunner;
      writeLog: WriteLog;
      stats: CallStats;
    },
  ) {
    this.generic = methodTable(deps.orm, deps.loader);
    this.specific = modelSpecificMethods(deps.orm);
  }

  /** The method, or the error each protocol answers when there is none to call. */
  resolve(protocol: Protocol, model: string, method: string): MethodSpec {
    const def = this.deps.catalogue.get(model);
    if (!def) {
      if (protocol === 'json2') throw new HttpError(404, `the model '${model}' does not exist`);
      throw new UserError(`Object ${model} doesn't exist`);
    }
    if (method.startsWith('_')) {
      throw new AccessError(
        protocol === 'json2'
          ? `Private methods (such as '${model}.${method}') cannot be called remotely.`
          : `Private methods (such as ${method}) cannot be called remotely.`,
      );
    }
    const spec = this.specific[model]?.[method] ?? (def.methods.includes(method) ? this.generic[method] : undefined);
    if (!spec) {
      if (protocol === 'json2') throw new HttpError(404, `The method '${model}.${method}' does not exist`);
      throw new PythonError('AttributeError', `The method '${method}' does not exist on the model '${model}'`);
    }
    return spec;
  }

  async execute(call: ModelCall): Promise<unknown> {
    const key = `${call.model}.${call.method}`;
    this.deps.stats.calls[key] = (this.deps.stats.calls[key] ?? 0) + 1;
    const spec = this.resolve(call.protocol, call.model, call.method);
    if (call.protocol === 'json2' && spec.apiModel && call.ids.length) {
      throw new HttpError(422, `cannot call ${call.model}.${call.method} with ids`);
    }
    let args: Record<string, unknown>;
    try {
      args = bindArguments(spec.signature, call.positional, call.keywords, call.protocol === 'json2' ? 'bind' : 'call');
    } catch (error) {
      if (call.protocol === 'json2' && error instanceof PythonError) throw new HttpError(422, error.message);
      throw error;
    }
    const { result, env } = await this.deps.runner.run(call.pool, async (cr) => {
      const env = new Env(cr, call.uid, call.context, this.deps.catalogue);
      const value = await spec.run(env, call.model, call.ids, args);
      await env.user();
      return { result: value, env };
    });
    if (env.notes.length) {
      this.deps.writeLog.add({
        db: call.db,
        uid: call.uid,
        login: (await env.user()).login,
        protocol: call.protocol,
        model: call.model,
        method: call.method,
        ids: call.ids,
        changes: env.notes,
      });
    }
    // Over JSON-RPC, create answers an id when it was given one dict (odoo.api `_call_kw_model_create`).
    if (call.protocol === 'jsonrpc' && call.method === 'create' && !Array.isArray(args['vals_list'])) {
      return (result as number[])[0];
    }
    return result;
  }

  countError(name: string): void {
    this.deps.stats.errors[name] = (this.deps.stats.errors[name] ?? 0) + 1;
  }
}
