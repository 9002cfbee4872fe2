import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';

/**
 * The hub's external ids in Odoo: `ir_model_data` rows of module `hub`, written by the hub's Odoo projector when it
 * creates or matches an Odoo record for a Salesforce record (`hub.salesforce_account_<Account Id>` on a res.partner,
 * `hub.salesforce_contact_<Contact Id>` on a res.partner, `hub.salesforce_order_<Order Id>` on a sale.order). odoo-cdc
 * reads them back to publish the Salesforce record's Id with the Odoo record, so the projector for Salesforce updates
 * that record instead of creating a second one. The names are part of the contract with projector-odoo.
 */
export const HUB_MODULE = 'hub';

export type SalesforceLinkKind = 'account' | 'contact' | 'order';

const LINKS: Record<SalesforceLinkKind, { prefix: string; model: string }> = {
  account: { prefix: 'salesforce_account_', model: 'res.partner' },
  contact: { prefix: 'salesforce_contact_', model: 'res.partner' },
  order: { prefix: 'salesforce_order_', model: 'sale.order' },
};

/** Salesforce's case-safe record id, the form the hub's external ids carry. */
const SALESFORCE_ID = /^[A-Za-z0-9]{18}$/;

/** One Odoo record linked to one Salesforce record. */
export interface SalesforceLink {
  kind: SalesforceLinkKind;
  salesforceId: string;
  /** The Odoo model of the linked record (`res.partner`, `sale.order`). */
  model: string;
  /** The linked record's Odoo id. */
  resId: number;
}

/** The ir_model_data columns the hub reads. */
interface IrModelDataRow {
  id?: unknown;
  module?: unknown;
  name?: unknown;
  model?: unknown;
  res_id?: unknown;
}

export function isHubRow(row: Record<string, unknown> | null | undefined): boolean {
  return (row as IrModelDataRow | null | undefined)?.module === HUB_MODULE;
}

/**
 * The Salesforce link an ir_model_data row records, or null for any other row (another module, or a hub external id
 * that names no Salesforce record). Throws PermanentError(INVALID_RECORD) naming the field for a hub link that cannot
 * be one: an id that is not an 18-character Salesforce id, a model that does not fit the name, no record id.
 */
export function salesforceLinkOf(row: Record<string, unknown>): SalesforceLink | null {
  const r = row as IrModelDataRow;
  if (r.module !== HUB_MODULE || typeof r.name !== 'string') return null;
  const name = r.name;
  const entry = (Object.entries(LINKS) as [SalesforceLinkKind, (typeof LINKS)[SalesforceLinkKind]][]).find(([, l]) =>
    name.startsWith(l.prefix),
  );
  if (!entry) return null;
  const [kind, { prefix, model }] = entry;
  const fail = (field: string, what: string, value: unknown): never => {
    throw new PermanentError(
      PermanentErrorCode.INVALID_RECORD,
      `ir_model_data id=${String(r.id)} (${HUB_MODULE}.${name}): ${field} ${what} (${JSON.stringify(value)})`,
    );
  };
  const salesforceId = name.slice(prefix.length);
  if (!SALESFORCE_ID.test(salesforceId)) fail('name', 'does not end in an 18-character Salesforce id', name);
  if (r.model !== model) fail('model', `is not ${model}`, r.model);
  if (typeof r.res_id !== 'number' || !Number.isInteger(r.res_id) || r.res_id <= 0) {
    fail('res_id', 'is not a record id', r.res_id);
  }
  return { kind, salesforceId, model, resId: r.res_id as number };
}

/**
 * The Odoo records a change of a hub link touches: the one it names now and the one it named before (a link moved to
 * another record). Read without validation: a deleted link is not checked, and still un-links its record.
 */
export function linkedRecordsOf(change: DebeziumChange): { model: string; resId: number }[] {
  const out: { model: string; resId: number }[] = [];
  for (const image of [change.op === 'd' ? null : change.after, change.before]) {
    const r = image as IrModelDataRow | null;
    if (!r || r.module !== HUB_MODULE || typeof r.name !== 'string' || typeof r.model !== 'string') continue;
    const name = r.name;
    if (!Object.values(LINKS).some((l) => name.startsWith(l.prefix))) continue;
    if (typeof r.res_id !== 'number' || !Number.isInteger(r.res_id)) continue;
    const resId = r.res_id;
    if (!out.some((o) => o.model === r.model && o.resId === resId)) out.push({ model: r.model, resId });
  }
  return out;
}

/**
 * The Salesforce id a record is linked to as `kind`, from its hub external ids oldest first: the first link wins, so
 * a second link recorded later (two Salesforce records merged onto one Odoo record) does not move the record's
 * projection to another Salesforce record.
 */
export function linkedSalesforceId(rows: readonly Record<string, unknown>[], kind: SalesforceLinkKind): string | null {
  for (const row of rows) {
    const link = salesforceLinkOf(row);
    if (link?.kind === kind) return link.salesforceId;
  }
  return null;
}

/**
 * The change as odoo-cdc keeps it: only rows of module `hub` matter, so another module's row is no change at all
 * (null), and a row renamed out of `hub` leaves the mirror as a delete. A delete without the row's module (the table
 * not at REPLICA IDENTITY FULL) is kept: the mirror knows whether it held the row.
 */
export function hubExternalIdChange(change: DebeziumChange): DebeziumChange | null {
  if (change.op === 'd') {
    const before = change.before;
    return !before || !('module' in before) || isHubRow(before) ? change : null;
  }
  if (isHubRow(change.after)) return change;
  if (isHubRow(change.before)) return { ...change, op: 'd', after: null };
  return null;
}
