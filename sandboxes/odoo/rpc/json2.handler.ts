/**
 * `/json/2/<model>/<method>`, Odoo 19's external API (addons/web/controllers/json2.py, ir.http
 * `_auth_method_bearer`, and the 19.0 documentation): `Authorization: bearer <api key>`, optional
 * `X-Odoo-Database`, a JSON object of named arguments plus `ids` and `context`, one transaction per call. The
 * checks come in Odoo's order: a body that is not `application/json` (400, HTML), an unknown database (404, HTML),
 * the key (401), a body that is not a JSON object (400), a method other than POST (405), the model (404), a
 * private (403) or unknown (404) method, `ids` on an @api.model method or arguments that do not fit the signature
 * (422). Errors answer their status with the documented JSON error object
 * `{name, message, arguments, context, debug}`.
 */
import type { Pool } from 'pg';

import type { CredentialsService } from '../auth/credentials.service';
import type { DatabaseRegistry } from '../db/database.registry';
import { isRecord, jsonAnswer, mimetype, werkzeugPage, type HttpAnswer } from '../http.helpers';
import { asOdooError, HttpError, serializeException, type OdooError } from '../odoo.errors';
import type { ModelCallService } from './model-call.service';

export interface Json2Request {
  httpMethod: string;
  model: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Json2Deps {
  registry: DatabaseRegistry;
  credentials: CredentialsService;
  calls: ModelCallService;
  onCall?(what: string, uid: number | null, error?: OdooError): void;
}

function header(headers: Json2Request['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The documented error body: name, message, arguments, context, debug. */
export function json2Error(error: OdooError, context: Record<string, unknown> = {}): HttpAnswer {
  const s = serializeException(error, context);
  const headers = error instanceof HttpError && error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : undefined;
  return jsonAnswer(
    error.httpStatus,
    { name: s.name, message: s.message, arguments: s.arguments, context: s.context, debug: s.debug },
    headers,
  );
}

export class Json2Handler {
  constructor(private readonly deps: Json2Deps) {}

  async handle(request: Json2Request): Promise<HttpAnswer> {
    if (mimetype(header(request.headers, 'content-type')) !== 'application/json') {
      return werkzeugPage(
        400,
        "Request inferred type is compatible with ['http'] but '/json/2/<model>/<method>' is type='/json/2/rpc'.",
      );
    }
    const db = header(request.headers, 'x-odoo-database') || this.deps.registry.defaultDb;
    let pool: Pool;
    try {
      pool = await this.deps.registry.get(db);
    } catch {
      return werkzeugPage(404);
    }
    let uid: number | null = null;
    let context: Record<string, unknown> = {};
    try {
      const token = /^bearer\s+(.+)$/i.exec(header(request.headers, 'authorization') ?? '')?.[1]?.trim();
      uid = token ? await this.deps.credentials.bearer(db, pool, token) : null;
      if (uid === null) throw new HttpError(401, 'Invalid apikey');
      let params: Record<string, unknown> = {};
      if (request.body.length) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(request.body);
        } catch (error) {
          throw new HttpError(400, `could not parse the body as json: ${(error as Error).message}`);
        }
        if (!isRecord(parsed)) throw new HttpError(400, 'could not parse the body, expecting a json object');
        params = parsed;
      }
      if (request.httpMethod !== 'POST') throw new HttpError(405, 'The method is not allowed for the requested URL.');
      const { ids = [], context: ctx = {}, ...keywords } = params;
      if (!isRecord(ctx)) throw new HttpError(422, 'context must be a json object');
      context = ctx;
      const idList = Array.isArray(ids) ? ids : [ids];
      if (!idList.every((id) => Number.isInteger(id))) throw new HttpError(422, 'ids must be a list of integers');
      const result = await this.deps.calls.execute({
        protocol: 'json2',
        db,
        pool,
        uid,
        model: request.model,
        method: request.method,
        ids: idList as number[],
        positional: [],
        keywords,
        context,
      });
      this.deps.onCall?.(`${request.model}.${request.method}`, uid);
      return jsonAnswer(200, result);
    } catch (error) {
      const odooError = asOdooError(error);
      this.deps.onCall?.(`${request.model}.${request.method}`, uid, odooError);
      return json2Error(odooError, context);
    }
  }
}
