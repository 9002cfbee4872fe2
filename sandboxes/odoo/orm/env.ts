/**
 * The environment a call runs in, like Odoo's `env`: the transaction's connection, the user, the context, and
 * `su` (sudo) for what business code does on the user's behalf without access checks.
 */
import type { PoolClient } from 'pg';

import { SqlParams, type SqlContext } from './domain.compiler';
import { safeLang, type GroupXmlId, type ModelCatalogue } from './model.catalogue';

export interface UserInfo {
  id: number;
  login: string;
  companyId: number;
  partnerId: number;
  lang: string | null;
  tz: string | null;
  groups: ReadonlySet<GroupXmlId | string>;
}

/** A record of what a call changed, for the write log (`GET /__admin/writes`). */
export interface WriteNote {
  model: string;
  method: 'create' | 'write' | 'unlink';
  ids: number[];
}

export class Env {
  private userInfo?: Promise<UserInfo>;

  constructor(
    readonly cr: PoolClient,
    readonly uid: number,
    readonly context: Readonly<Record<string, unknown>>,
    readonly catalogue: ModelCatalogue,
    readonly su = false,
    /** Shared by every Env derived from this one: the call's changes, in order. */
    readonly notes: WriteNote[] = [],
  ) {}

  /** The context language, checked to be safe to put in SQL (en_US when unset). */
  get lang(): string {
    return safeLang(this.context['lang']);
  }

  /** False when the context says `active_test: false` (archived records are searched too). */
  get activeTest(): boolean {
    return this.context['active_test'] !== false;
  }

  sudo(): Env {
    const env = new Env(this.cr, this.uid, this.context, this.catalogue, true, this.notes);
    env.userInfo = this.userInfo;
    return env;
  }

  withContext(extra: Record<string, unknown>): Env {
    const env = new Env(this.cr, this.uid, { ...this.context, ...extra }, this.catalogue, this.su, this.notes);
    env.userInfo = this.userInfo;
    return env;
  }

  sql(): SqlContext {
    return { catalogue: this.catalogue, lang: this.lang, params: new SqlParams(), aliases: { next: 1 } };
  }

  user(): Promise<UserInfo> {
    this.userInfo ??= loadUser(this.cr, this.uid);
    return this.userInfo;
  }

  note(model: string, method: WriteNote['method'], ids: number[]): void {
    if (ids.length) this.notes.push({ model, method, ids });
  }
}

async function loadUser(cr: PoolClient, uid: number): Promise<UserInfo> {
  const { rows } = await cr.query<{
    id: number;
    login: string;
    company_id: number;
    partner_id: number;
    lang: string | null;
    tz: string | null;
    groups: string[];
  }>(
    `SELECT u.id, u.login, u.company_id, u.partner_id, p.lang, p.tz,
            ARRAY(SELECT d.module || '.' || d.name FROM res_groups_users_rel r
                  JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid
                  WHERE r.uid = u.id) AS groups
     FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = $1`,
    [uid],
  );
  const row = rows[0];
  if (!row) return { id: uid, login: '', companyId: 1, partnerId: 0, lang: null, tz: null, groups: new Set() };
  return {
    id: row.id,
    login: row.login,
    companyId: row.company_id,
    partnerId: row.partner_id,
    lang: row.lang,
    tz: row.tz,
    groups: new Set(row.groups),
  };
}

export type { GroupXmlId };
