import {
  canonicalEnvelope,
  canonicalEvent,
  Contact,
  Customer,
  deterministicEventId,
  Envelope,
  odooPartnerCanonicalId,
  OutgoingRecord,
} from '@hub/canonical';
import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import type { DebeziumChange } from '../debezium/debezium-change';

/** The res_partner columns the hub reads, named and typed as Odoo 17 stores them. */
export interface ResPartnerRow {
  id: number;
  name: string | null;
  is_company: boolean | null;
  parent_id: number | null;
  type: string | null;
  ref: string | null;
  vat: string | null;
  email: string | null;
  phone: string | null;
  mobile: string | null;
  website: string | null;
  function: string | null;
  street: string | null;
  street2: string | null;
  zip: string | null;
  city: string | null;
  country_id: number | null;
  active: boolean | null;
}

/**
 * What a res_partner row is in canonical terms: a company is a Customer; a person (type 'contact') is a Contact,
 * whether or not it works for a company. Child addresses (type invoice, delivery, other) are not people: they map
 * to nothing for now.
 */
export type PartnerKind = 'customer' | 'contact' | null;

export function partnerKind(row: Partial<ResPartnerRow> | null): PartnerKind {
  if (!row) return null;
  if (row.is_company) return 'customer';
  if (row.type === undefined || row.type === null || row.type === 'contact') return 'contact';
  return null;
}

/**
 * The Salesforce records a partner is linked to by the hub's external ids in Odoo (hub.salesforce_account_<Id>,
 * hub.salesforce_contact_<Id>): a Customer carries its Account's Id, a Contact its Contact's. Null when none.
 */
export interface PartnerLinks {
  account: string | null;
  contact: string | null;
}

export const NO_LINKS: PartnerLinks = { account: null, contact: null };

/** Where a partner's event stands in its source: the change itself, or the commit of the transaction it was in. */
export interface PartnerEventSource {
  position: number;
  transactionId: string | null;
  occurredAt: number;
}

/**
 * Maps one Debezium change of res_partner to canonical records, in the order they must be published:
 * - create, snapshot read, update → `<kind>.upserted`;
 * - a row that changed kind (company ↔ person, contact → address) also gets `<old kind>.deleted` first;
 * - delete → `<kind>.deleted` followed by a tombstone on the compacted topic. Without a full before-image
 *   (REPLICA IDENTITY not FULL) the kind is unknown, so both deletions are sent: deleting what does not exist is a no-op.
 *
 * `countryCode` is the ISO code of `after.country_id` and `links` the partner's Salesforce links, both resolved by the
 * caller. Throws PermanentError(INVALID_RECORD) naming the field when the row breaks an invariant Odoo itself enforces.
 */
export function mapResPartnerChange(
  change: DebeziumChange,
  countryCode: string | null,
  links: PartnerLinks = NO_LINKS,
): OutgoingRecord[] {
  const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
  const out = partnerRetractions(change);
  if (after) out.push(...partnerUpsert(after, countryCode, links, changeSource(change)));
  return out;
}

/**
 * The records a change publishes whatever the partner's links: the deletion of the kind a row left (or of the row),
 * without its upsert. For a change whose upsert is published later, at its transaction's END ({@link mapResPartnerRow}).
 */
export function partnerRetractions(change: DebeziumChange): OutgoingRecord[] {
  const before = change.before as Partial<ResPartnerRow> | null;
  const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
  const row = after ?? before;
  const id = row?.id;
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw invalid(change.source.table, row, 'id', id);
  }
  const aggregateId = odooPartnerCanonicalId(id);
  // A retraction goes out with its change: its position is the change's own LSN, which the row lock keeps in commit
  // order for that row (and before the commit of any later transaction that touches the row).
  const envelope = (eventType: string): Envelope =>
    canonicalEnvelope({
      eventId: deterministicEventId('odoo', change.source.table, id, change.source.lsn, change.op, eventType),
      eventType,
      aggregateId,
      occurredAt: change.source.ts_ms,
      sourceSystem: 'ODOO',
      sourceTable: change.source.table,
      sourcePrimaryKey: String(id),
      sourcePosition: change.source.lsn,
      sourceTransactionId:
        change.source.txId === null || change.source.txId === undefined ? null : String(change.source.txId),
    });
  const deletion = (kind: 'customer' | 'contact'): OutgoingRecord[] => [
    { topic: kind, key: aggregateId, value: canonicalEvent(kind, envelope(`${kind}.deleted`), null) },
  ];

  if (change.op === 'd') {
    const hasFullImage = before !== null && 'is_company' in before;
    const kindBefore = hasFullImage ? partnerKind(before) : null;
    const kinds: ('customer' | 'contact')[] = hasFullImage ? (kindBefore ? [kindBefore] : []) : ['customer', 'contact'];
    return kinds.flatMap((kind) => [...deletion(kind), { topic: kind, key: aggregateId, value: null }]);
  }

  const kindAfter = partnerKind(after);
  const kindBefore = before && 'is_company' in before ? partnerKind(before) : null;
  return kindBefore && kindBefore !== kindAfter ? deletion(kindBefore) : [];
}

/**
 * The partner as the mirror holds it, published at the END of a transaction that touched it (its own change, or a
 * hub link recorded against it), at the position of that commit: `<kind>.upserted`, or nothing for an address.
 */
export function mapResPartnerRow(
  row: Partial<ResPartnerRow>,
  countryCode: string | null,
  links: PartnerLinks,
  source: PartnerEventSource,
): OutgoingRecord[] {
  if (typeof row.id !== 'number' || !Number.isInteger(row.id)) throw invalid('res_partner', row, 'id', row.id);
  return partnerUpsert(row, countryCode, links, source);
}

/**
 * Throws PermanentError(INVALID_RECORD) naming the field when {@link mapResPartnerRow} would refuse the row. Checked
 * when the row arrives, before it enters the mirror: an impossible partner is dead-lettered by itself, not when the
 * END of its transaction (or of the initial snapshot) publishes what it touched.
 */
export function checkResPartnerRow(row: Partial<ResPartnerRow>): void {
  if (typeof row.id !== 'number' || !Number.isInteger(row.id)) throw invalid('res_partner', row, 'id', row.id);
  const kind = partnerKind(row);
  if (kind === 'customer') toCustomer(row, null, null);
  else if (kind === 'contact') toContact(row, null);
}

function changeSource(change: DebeziumChange): PartnerEventSource {
  return {
    position: change.source.lsn,
    transactionId: change.source.txId === null || change.source.txId === undefined ? null : String(change.source.txId),
    occurredAt: change.source.ts_ms,
  };
}

function partnerUpsert(
  row: Partial<ResPartnerRow>,
  countryCode: string | null,
  links: PartnerLinks,
  source: PartnerEventSource,
): OutgoingRecord[] {
  const id = row.id!;
  const aggregateId = odooPartnerCanonicalId(id);
  const envelope = (eventType: string): Envelope =>
    canonicalEnvelope({
      eventId: deterministicEventId('odoo', 'partner', id, source.position, source.transactionId, eventType),
      eventType,
      aggregateId,
      occurredAt: source.occurredAt,
      sourceSystem: 'ODOO',
      sourceTable: 'res_partner',
      sourcePrimaryKey: String(id),
      sourcePosition: source.position,
      sourceTransactionId: source.transactionId,
    });
  const kind = partnerKind(row);
  if (kind === 'customer') {
    const customer = toCustomer(row, countryCode, links.account);
    return [
      {
        topic: 'customer',
        key: aggregateId,
        value: canonicalEvent('customer', envelope('customer.upserted'), customer),
      },
    ];
  }
  if (kind === 'contact') {
    const contact = toContact(row, links.contact);
    return [
      { topic: 'contact', key: aggregateId, value: canonicalEvent('contact', envelope('contact.upserted'), contact) },
    ];
  }
  return [];
}

function toCustomer(row: Partial<ResPartnerRow>, countryCode: string | null, salesforceId: string | null): Customer {
  return {
    id: odooPartnerCanonicalId(row.id!),
    odooId: row.id!,
    // The Account a rep created that Odoo links this partner to (hub external id), if any.
    salesforceId,
    name: requiredText(row, 'name'),
    reference: text(row, 'ref'),
    vat: text(row, 'vat'),
    email: text(row, 'email'),
    phone: text(row, 'phone'),
    website: text(row, 'website'),
    address: {
      street: text(row, 'street'),
      street2: text(row, 'street2'),
      zip: text(row, 'zip'),
      city: text(row, 'city'),
      countryCode,
    },
    // Salesforce's field: Odoo has no value for it (the publisher leaves out what Odoo does not own anyway).
    industry: null,
    active: row.active !== false,
  };
}

function toContact(row: Partial<ResPartnerRow>, salesforceId: string | null): Contact {
  const parent = row.parent_id;
  if (parent !== null && parent !== undefined && !Number.isInteger(parent)) {
    throw invalid('res_partner', row, 'parent_id', parent);
  }
  return {
    id: odooPartnerCanonicalId(row.id!),
    odooId: row.id!,
    salesforceId,
    customerId: parent ? odooPartnerCanonicalId(parent) : null,
    name: requiredText(row, 'name'),
    jobTitle: text(row, 'function'),
    email: text(row, 'email'),
    phone: text(row, 'phone'),
    mobile: text(row, 'mobile'),
    active: row.active !== false,
  };
}

function text(row: Partial<ResPartnerRow>, field: keyof ResPartnerRow): string | null {
  const v = row[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw invalid('res_partner', row, field, v);
  return v;
}

function requiredText(row: Partial<ResPartnerRow>, field: keyof ResPartnerRow): string {
  const v = text(row, field);
  if (v === null || v.trim() === '') throw invalid('res_partner', row, field, v, 'is required');
  return v;
}

function invalid(
  table: string,
  row: Partial<ResPartnerRow> | null,
  field: string,
  value: unknown,
  what = 'has an impossible value',
) {
  return new PermanentError(
    PermanentErrorCode.INVALID_RECORD,
    `${table} id=${String(row?.id)}: ${field} ${what} (${JSON.stringify(value)})`,
  );
}
