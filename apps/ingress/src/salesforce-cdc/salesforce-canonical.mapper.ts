import {
  Address,
  Contact,
  Customer,
  OrderSubmission,
  OrderSubmissionLine,
  salesforceCanonicalIds,
} from '@hub/canonical';
import type { FieldValue } from './salesforce-change';
import type { OrderRead, RestRecord } from './salesforce-reader.port';

/** The mirrored state of one Salesforce record: REST field names → values. */
export type RecordFields = Record<string, FieldValue>;

/**
 * The fields ingress keeps of each captured object (its mirror, and what a repair re-reads), and the canonical field
 * each one feeds. A change that touches none of the fields Salesforce owns for the record publishes nothing.
 */
export const CAPTURED_FIELDS = {
  Account: {
    Name: 'name',
    Phone: 'phone',
    Website: 'website',
    BillingStreet: 'address',
    BillingCity: 'address',
    BillingPostalCode: 'address',
    BillingCountry: 'address',
    Industry: 'industry',
    // Odoo owns the VAT; a rep's Account states it only so the ERP finds a partner that has it (matchKeys).
    VAT_Number__c: 'vat',
    Odoo_Id__c: 'id',
  },
  Contact: {
    FirstName: 'name',
    LastName: 'name',
    AccountId: 'customerId',
    Title: 'jobTitle',
    Email: 'email',
    Phone: 'phone',
    MobilePhone: 'mobile',
    Odoo_Id__c: 'id',
  },
  Order: { Status: 'status', AccountId: 'customerId', Odoo_Id__c: 'id' },
} as const satisfies Record<string, Record<string, string>>;

export type CapturedEntity = keyof typeof CAPTURED_FIELDS;

export const isCapturedEntity = (entity: string): entity is CapturedEntity =>
  Object.prototype.hasOwnProperty.call(CAPTURED_FIELDS, entity);

export const capturedFieldNames = (entity: CapturedEntity): string[] => Object.keys(CAPTURED_FIELDS[entity]);

/** The canonical fields a change of these Salesforce fields touches (the record's id always, on a create). */
export function touchedCanonicalFields(entity: CapturedEntity, salesforceFields: readonly string[]): Set<string> {
  const map: Record<string, string> = CAPTURED_FIELDS[entity];
  return new Set(salesforceFields.flatMap((f) => (map[f] ? [map[f]] : [])));
}

const str = (v: FieldValue | RestRecord | undefined): string | null =>
  v === null || v === undefined || typeof v === 'object' ? null : String(v);

/**
 * The canonical id of a Salesforce record: the Odoo id it carries when it came from Odoo (or was linked to an Odoo
 * record), so one record has one id in every system; else an id of its own.
 */
export function canonicalIdOf(entity: 'Account' | 'Contact' | 'Order', recordId: string, odooId: unknown): string {
  if (typeof odooId === 'string' && odooId.trim() !== '') return odooId;
  if (entity === 'Account') return salesforceCanonicalIds.account(recordId);
  if (entity === 'Contact') return salesforceCanonicalIds.contact(recordId);
  return salesforceCanonicalIds.order(recordId);
}

let countryCodes: Map<string, string> | undefined;

/**
 * ISO 3166-1 alpha-2 of a country as a person types it in Salesforce's free-text country field ("Belgium", "be",
 * "BE"), from the runtime's own region names (Intl), or null when it is not one.
 */
export function countryCode(country: string | null): string | null {
  if (!country) return null;
  const trimmed = country.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  if (!countryCodes) {
    countryCodes = new Map();
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        // A withdrawn code (FX, UK, SU, YU) has the name of the code that replaced it: only the current one is kept.
        if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) continue;
        const name = names.of(code);
        if (name) countryCodes.set(name.toLowerCase(), code);
      }
    }
  }
  return countryCodes.get(trimmed.toLowerCase()) ?? null;
}

function address(fields: RecordFields, prefix: 'Billing' | 'Shipping'): Address {
  return {
    street: str(fields[`${prefix}Street`]),
    street2: null,
    zip: str(fields[`${prefix}PostalCode`]),
    city: str(fields[`${prefix}City`]),
    countryCode: countryCode(str(fields[`${prefix}Country`])),
  };
}

/** An Account as a canonical Customer: every field Salesforce has; the publisher keeps only what it owns. */
export function toCustomer(recordId: string, fields: RecordFields): Customer {
  return {
    id: canonicalIdOf('Account', recordId, fields.Odoo_Id__c),
    odooId: null,
    salesforceId: recordId,
    name: str(fields.Name),
    reference: null,
    vat: str(fields.VAT_Number__c),
    email: null,
    phone: str(fields.Phone),
    website: str(fields.Website),
    address: address(fields, 'Billing'),
    industry: str(fields.Industry),
    active: true,
  };
}

/** A Contact as a canonical Contact; `customerId` is the canonical id of its Account (null when it has none). */
export function toContact(recordId: string, fields: RecordFields, customerId: string | null): Contact {
  const name = [str(fields.FirstName), str(fields.LastName)].filter(Boolean).join(' ');
  return {
    id: canonicalIdOf('Contact', recordId, fields.Odoo_Id__c),
    odooId: null,
    salesforceId: recordId,
    customerId,
    name: name === '' ? null : name,
    jobTitle: str(fields.Title),
    email: str(fields.Email),
    phone: str(fields.Phone),
    mobile: str(fields.MobilePhone),
    active: true,
  };
}

/** Whether this change of an Order activates it: created as Activated, or its Status changed to Activated. */
export function activates(changeType: string, changedFields: readonly string[], fields: RecordFields): boolean {
  if (fields.Status !== 'Activated') return false;
  return changeType === 'CREATE' || changeType === 'SNAPSHOT' || changedFields.includes('Status');
}

/** An exact decimal at the canonical scale (4), from a number as the REST API returns it. */
export function decimal(value: FieldValue | RestRecord | undefined): string {
  // A missing amount is an error, never a zero: a quantity of 0 would be a different order.
  const text = str(value);
  const n = typeof value === 'number' ? value : text === null ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${String(value)}`);
  return n.toFixed(4);
}

const related = (record: RestRecord, relationship: string): RestRecord | undefined => {
  const value = record[relationship];
  return value !== null && typeof value === 'object' ? value : undefined;
};

/** Epoch ms of a Salesforce date (YYYY-MM-DD) at midnight UTC. */
function dateMillis(value: FieldValue | RestRecord | undefined, what: string): number {
  const text = str(value);
  const ms = text ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`Order.${what} is ${JSON.stringify(value)}, not a date`);
  return ms;
}

/** An activated order, read whole, as the order submission the ERP receives. */
export function toOrderSubmission(read: OrderRead, activatedAt: number): OrderSubmission {
  const { order, items } = read;
  const orderId = String(order.Id);
  const accountId = str(order.AccountId);
  if (!accountId) throw new Error(`Order ${orderId} has no AccountId`);
  const lines = items.map((item): OrderSubmissionLine => {
    const product = related(item, 'Product2');
    const entry = related(item, 'PricebookEntry');
    return {
      salesforceItemId: String(item.Id),
      productId: str(product?.Odoo_Id__c),
      sku: str(product?.StockKeepingUnit) ?? str(product?.ProductCode),
      productName: str(product?.Name),
      description: str(item.Description),
      quantity: decimal(item.Quantity),
      unitPrice: decimal(item.UnitPrice),
      listPrice: entry?.UnitPrice === undefined || entry.UnitPrice === null ? null : decimal(entry.UnitPrice),
    };
  });
  const shipTo = address(order as RecordFields, 'Shipping');
  return {
    id: salesforceCanonicalIds.order(orderId),
    salesforceOrderId: orderId,
    name: str(order.Name),
    customerId: canonicalIdOf('Account', accountId, related(order, 'Account')?.Odoo_Id__c),
    salesforceAccountId: accountId,
    shipTo: Object.values(shipTo).some((v) => v !== null) ? shipTo : null,
    pricebookId: str(order.Pricebook2Id),
    pricebookName: str(related(order, 'Pricebook2')?.Name),
    currencyCode: null,
    effectiveDate: dateMillis(order.EffectiveDate, 'EffectiveDate'),
    poNumber: str(order.PoNumber),
    description: str(order.Description),
    totalAmount: decimal(order.TotalAmount),
    ownerId: str(order.OwnerId),
    activatedAt,
    lines,
  };
}
