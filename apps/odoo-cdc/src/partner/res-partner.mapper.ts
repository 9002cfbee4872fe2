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
 * Maps one Debezium change of res_partner to canonical records, in the order they must be published:
 * - create, snapshot read, update → `<kind>.upserted`;
 * - a row that changed kind (company ↔ person, contact → address) also gets `<old kind>.deleted` first;
 * - delete → `<kind>.deleted` followed by a tombstone on the compacted topic. Without a full before-image
 *   (REPLICA IDENTITY not FULL) the kind is unknown, so both deletions are sent: deleting what does not exist is a no-op.
 *
 * `countryCode` is the ISO code of `after.country_id`, resolved by the caller. Throws PermanentError(INVALID_RECORD)
 * naming the field when the row breaks an invariant Odoo itself enforces.
 */
export function mapResPartnerChange(change: DebeziumChange, countryCode: string | null): OutgoingRecord[] {
  const before = change.before as Partial<ResPartnerRow> | null;
  const after = change.op === 'd' ? null : (change.after as Partial<ResPartnerRow>);
  const row = after ?? before;
  const id = row?.id;
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw invalid(change, 'id', id);
  }
  const aggregateId = odooPartnerCanonicalId(id);
  // A partner is one row, published as it changes: its position is the change's own LSN, which the row lock keeps in
  // commit order for that row.
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
  const out: OutgoingRecord[] = [];
  if (kindBefore && kindBefore !== kindAfter) out.push(...deletion(kindBefore));
  if (kindAfter === 'customer') {
    out.push({
      topic: 'customer',
      key: aggregateId,
      value: canonicalEvent('customer', envelope('customer.upserted'), toCustomer(change, after!, countryCode)),
    });
  } else if (kindAfter === 'contact') {
    out.push({
      topic: 'contact',
      key: aggregateId,
      value: canonicalEvent('contact', envelope('contact.upserted'), toContact(change, after!)),
    });
  }
  return out;
}

function toCustomer(change: DebeziumChange, row: Partial<ResPartnerRow>, countryCode: string | null): Customer {
  return {
    id: odooPartnerCanonicalId(row.id!),
    odooId: row.id!,
    // Salesforce's fields: Odoo has no value for them (the publisher leaves out what Odoo does not own anyway).
    salesforceId: null,
    name: requiredText(change, row, 'name'),
    reference: text(change, row, 'ref'),
    vat: text(change, row, 'vat'),
    email: text(change, row, 'email'),
    phone: text(change, row, 'phone'),
    website: text(change, row, 'website'),
    address: {
      street: text(change, row, 'street'),
      street2: text(change, row, 'street2'),
      zip: text(change, row, 'zip'),
      city: text(change, row, 'city'),
      countryCode,
    },
    industry: null,
    active: row.active !== false,
  };
}

function toContact(change: DebeziumChange, row: Partial<ResPartnerRow>): Contact {
  const parent = row.parent_id;
  if (parent !== null && parent !== undefined && !Number.isInteger(parent)) throw invalid(change, 'parent_id', parent);
  return {
    id: odooPartnerCanonicalId(row.id!),
    odooId: row.id!,
    salesforceId: null,
    customerId: parent ? odooPartnerCanonicalId(parent) : null,
    name: requiredText(change, row, 'name'),
    jobTitle: text(change, row, 'function'),
    email: text(change, row, 'email'),
    phone: text(change, row, 'phone'),
    mobile: text(change, row, 'mobile'),
    active: row.active !== false,
  };
}

function text(change: DebeziumChange, row: Partial<ResPartnerRow>, field: keyof ResPartnerRow): string | null {
  const v = row[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw invalid(change, field, v);
  return v;
}

function requiredText(change: DebeziumChange, row: Partial<ResPartnerRow>, field: keyof ResPartnerRow): string {
  const v = text(change, row, field);
  if (v === null || v.trim() === '') throw invalid(change, field, v, 'is required');
  return v;
}

function invalid(change: DebeziumChange, field: string, value: unknown, what = 'has an impossible value') {
  const pk = (change.after ?? change.before)?.id;
  return new PermanentError(
    PermanentErrorCode.INVALID_RECORD,
    `${change.source.table} id=${String(pk)}: ${field} ${what} (${JSON.stringify(value)})`,
  );
}
