/**
 * res.partner as Odoo 17's base module computes it: defaults, `email_normalized`, the commercial entity
 * (`commercial_partner_id`: the partner itself when it is a company or has no parent, else its parent's), the
 * commercial company name, `complete_name` ("Company, Contact"; an unnamed address shows its type), and the
 * commercial fields (VAT, company registry) a contact takes from its company and a company passes to its contacts.
 * Stored computations are written after the row, in the same transaction, as the ORM's flush does.
 */
import type { Env } from '../orm/env';
import type { ModelRules, Orm, Vals } from '../orm/orm.service';
import { missingError } from '../orm/orm.service';

const COMMERCIAL_FIELDS = ['vat', 'company_registry'] as const;
const TYPE_LABELS: Record<string, string> = {
  invoice: 'Invoice Address',
  delivery: 'Delivery Address',
  other: 'Other Address',
};
const DEPENDS = ['name', 'parent_id', 'is_company', 'type', 'company_name'];

interface PartnerRow {
  id: number;
  name: string | null;
  parent_id: number | null;
  is_company: boolean | null;
  type: string | null;
  company_name: string | null;
  complete_name: string | null;
  commercial_partner_id: number | null;
  commercial_company_name: string | null;
}

/** tools.email_normalize: the address part, lower-cased; False when there is none. */
export function normalizeEmail(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const match = /([^\s<>"',;]+@[^\s<>"',;]+)/.exec(email);
  return match ? (match[1] as string).toLowerCase() : null;
}

/** `_get_complete_name` of Odoo 17. */
export function completeName(
  p: Pick<PartnerRow, 'name' | 'type' | 'is_company' | 'company_name'>,
  parentName: string | null,
  commercialCompanyName: string | null,
  hasParent: boolean,
): string {
  let name = p.name ?? '';
  if (p.company_name || hasParent) {
    if (!name && p.type && TYPE_LABELS[p.type]) name = TYPE_LABELS[p.type] as string;
    if (!p.is_company) name = `${commercialCompanyName || parentName || ''}, ${name}`;
  }
  return name.trim();
}

export function partnerRules(orm: Orm): ModelRules {
  return {
    defaults: async (env) => {
      const user = await env.user();
      return {
        active: true,
        type: 'contact',
        is_company: false,
        color: 0,
        customer_rank: 0,
        supplier_rank: 0,
        employee: false,
        invoice_warn: 'no-message',
        sale_warn: 'no-message',
        picking_warn: 'no-message',
        lang: typeof env.context['lang'] === 'string' ? env.context['lang'] : (user.lang ?? 'en_US'),
        tz: typeof env.context['tz'] === 'string' ? env.context['tz'] : false,
      };
    },

    prepareCreate: async (env, vals) => {
      vals['email_normalized'] = normalizeEmail(vals['email']);
      vals['partner_share'] = true;
      const parentId = typeof vals['parent_id'] === 'number' ? vals['parent_id'] : null;
      if (parentId !== null && !vals['is_company']) {
        // A contact takes its company's commercial fields (`_commercial_sync_from_company`).
        const { rows } = await env.cr.query<Record<string, unknown>>(
          `SELECT ${COMMERCIAL_FIELDS.join(', ')} FROM res_partner WHERE id = (SELECT COALESCE(commercial_partner_id, id) FROM res_partner WHERE id = $1)`,
          [parentId],
        );
        for (const f of COMMERCIAL_FIELDS) if (rows[0]) vals[f] = rows[0][f] ?? false;
      }
    },

    afterCreate: (env, ids) => recompute(env, ids),

    prepareWrite: async (_env, _ids, vals) => {
      if ('email' in vals) vals['email_normalized'] = normalizeEmail(vals['email']);
    },

    afterWrite: async (env, ids, vals) => {
      if (DEPENDS.some((f) => f in vals)) await recompute(env, ids);
      if (COMMERCIAL_FIELDS.some((f) => f in vals)) await syncToChildren(env, orm, ids, vals);
    },
  };
}

async function fetchPartners(env: Env, ids: readonly number[]): Promise<PartnerRow[]> {
  const { rows } = await env.cr.query<PartnerRow>(
    `SELECT id, name, parent_id, is_company, type, company_name, complete_name, commercial_partner_id, commercial_company_name
     FROM res_partner WHERE id = ANY($1::int4[]) ORDER BY id`,
    [[...ids]],
  );
  return rows;
}

/**
 * Recomputes the stored computed fields of these partners, then of their contacts (which show the company's name),
 * writing only the values that changed.
 */
async function recompute(env: Env, ids: readonly number[], depth = 0): Promise<void> {
  if (!ids.length || depth > 20) return;
  for (const p of await fetchPartners(env, ids)) {
    let commercialId = p.id;
    let parentName: string | null = null;
    if (p.parent_id !== null) {
      const { rows } = await env.cr.query<{ name: string | null; commercial_partner_id: number | null }>(
        'SELECT name, commercial_partner_id FROM res_partner WHERE id = $1',
        [p.parent_id],
      );
      if (!rows[0]) throw missingError('res.partner', [p.parent_id], env.uid);
      parentName = rows[0].name;
      if (!p.is_company) commercialId = rows[0].commercial_partner_id ?? p.parent_id;
    }
    let commercialCompanyName = p.company_name;
    if (commercialId !== p.id || p.is_company) {
      const { rows } = await env.cr.query<{ name: string | null; is_company: boolean | null }>(
        'SELECT name, is_company FROM res_partner WHERE id = $1',
        [commercialId],
      );
      if (rows[0]?.is_company) commercialCompanyName = rows[0].name;
    }
    const complete = completeName(p, parentName, commercialCompanyName, p.parent_id !== null);
    if (
      complete !== p.complete_name ||
      commercialId !== p.commercial_partner_id ||
      (commercialCompanyName ?? null) !== p.commercial_company_name
    ) {
      await env.cr.query(
        'UPDATE res_partner SET complete_name = $2, commercial_partner_id = $3, commercial_company_name = $4 WHERE id = $1',
        [p.id, complete, commercialId, commercialCompanyName ?? null],
      );
    }
  }
  const { rows } = await env.cr.query<{ id: number }>(
    'SELECT id FROM res_partner WHERE parent_id = ANY($1::int4[]) ORDER BY id',
    [[...ids]],
  );
  await recompute(
    env,
    rows.map((r) => r.id),
    depth + 1,
  );
}

/** A company's commercial fields, written on its contacts (`_commercial_sync_to_children`), as its writer. */
async function syncToChildren(env: Env, orm: Orm, ids: readonly number[], vals: Vals): Promise<void> {
  const { rows } = await env.cr.query<{ id: number }>(
    `SELECT c.id FROM res_partner c JOIN res_partner p ON p.id = c.parent_id
     WHERE c.parent_id = ANY($1::int4[]) AND NOT COALESCE(c.is_company, false) AND (p.is_company OR p.parent_id IS NULL)
     ORDER BY c.id`,
    [[...ids]],
  );
  const children = rows.map((r) => r.id);
  if (!children.length) return;
  const update: Vals = {};
  for (const f of COMMERCIAL_FIELDS) if (f in vals) update[f] = vals[f];
  await orm.writeColumns(env, env.catalogue.require('res.partner'), children, update);
  await syncToChildren(env, orm, children, vals);
}
