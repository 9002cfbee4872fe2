import type { OdooDomain } from '@hub/odoo';

/** The ways an account from Salesforce may be recognised as an Odoo partner that already exists, after its external id. */
export const PARTNER_MATCH_RULES = ['vat', 'email', 'name-zip'] as const;
export type PartnerMatchRule = (typeof PARTNER_MATCH_RULES)[number];

/** What a Salesforce customer or contact offers to be recognised by. */
export interface MatchKeys {
  vat: string | null;
  email: string | null;
  name: string | null;
  zip: string | null;
}

/**
 * A VAT number as tax authorities compare it: upper case, without spaces, dots or dashes ("be 0477.472.701" →
 * "BE0477472701"). Null for a value with nothing left.
 */
export function normaliseVat(vat: string | null): string | null {
  const v = (vat ?? '').toUpperCase().replace(/[\s.\-/]/g, '');
  return v === '' ? null : v;
}

/** An email as Odoo's `email_normalized` holds it: the address part, trimmed, lower case. */
export function normaliseEmail(email: string | null): string | null {
  const raw = (email ?? '').trim();
  const angle = /<([^>]+)>/.exec(raw);
  const v = (angle ? angle[1] : raw).trim().toLowerCase();
  return v.includes('@') ? v : null;
}

/**
 * The Odoo domain of one rule for these keys, or null when the keys lack what the rule needs (a rule without a value
 * must not match every partner without one). Companies only for VAT and name-zip: a contact shares its company's VAT.
 */
export function matchDomain(rule: PartnerMatchRule, keys: MatchKeys, companies: boolean): OdooDomain | null {
  const kind = companies ? [['is_company', '=', true]] : [];
  switch (rule) {
    case 'vat': {
      const vat = normaliseVat(keys.vat);
      return vat && companies ? [...kind, ['vat', '=', vat]] : null;
    }
    case 'email': {
      const email = normaliseEmail(keys.email);
      return email ? [...kind, ['email_normalized', '=', email]] : null;
    }
    case 'name-zip': {
      const name = keys.name?.trim();
      const zip = keys.zip?.replace(/\s+/g, '').toUpperCase();
      // =ilike without wildcards: the same name whatever its case, never a name that merely contains it.
      return name && zip && companies ? [...kind, ['name', '=ilike', name], ['zip', '=', zip]] : null;
    }
  }
}
