/**
 * Salesforce's Products and Orders behaviour, as rules the DML runs (see `sobject.rules.ts`).
 *
 * The sandbox's integration user is modelled without the "Edit Activated Orders" permission, the
 * least an integration needs: an activated order's products can be neither added, edited nor
 * removed, and the order cannot be deleted. The messages marked "sandbox wording" in
 * `salesforce.errors.ts` are not verbatim Salesforce text; their status codes are Salesforce's.
 */
import type { FieldValue, RecordReader, StoredRecord } from './record.store';
import { SaveErrors } from './salesforce.errors';
import { findField, roundCurrency, type SObjectDef } from './sobject.catalogue';
import type { RowUpdate, RuleBook, SObjectRules } from './sobject.rules';

function live(record: StoredRecord | undefined): record is StoredRecord {
  return record !== undefined && record.values['IsDeleted'] !== true;
}

function parent(reader: RecordReader, id: FieldValue | undefined): StoredRecord | undefined {
  const record = typeof id === 'string' ? reader.get(id) : undefined;
  return live(record) ? record : undefined;
}

function liveRows(reader: RecordReader, type: string, field: string, value: FieldValue): StoredRecord[] {
  return reader.findBy(type, field, value, true).filter((r) => live(r) && r.values[field] === value);
}

/** The status category (`Draft`, `Activated`) of an order's Status, from the catalogue's picklist groups. */
function statusCategory(order: SObjectDef, status: FieldValue | undefined): string | undefined {
  return typeof status === 'string' ? findField(order, 'Status')?.picklistGroups?.[status] : undefined;
}

function isActivated(reader: RecordReader, orderId: FieldValue | undefined): boolean {
  const order = parent(reader, orderId);
  return order !== undefined && order.values['StatusCode'] === 'Activated';
}

const pricebookEntry: SObjectRules = {
  check(reader, { before, values }) {
    if (before) return undefined; // Pricebook2Id and Product2Id are not updateable
    const sameProduct = liveRows(reader, 'PricebookEntry', 'Product2Id', values['Product2Id'] ?? null);
    if (sameProduct.some((e) => e.values['Pricebook2Id'] === values['Pricebook2Id'])) {
      return SaveErrors.priceDefinitionExists();
    }
    const book = parent(reader, values['Pricebook2Id']);
    const standardPrice = sameProduct.some((e) => parent(reader, e.values['Pricebook2Id'])?.values['IsStandard']);
    if (book && book.values['IsStandard'] !== true && !standardPrice) return SaveErrors.standardPriceNotDefined();
    return undefined;
  },
};

/**
 * Orders are born in a Draft-category status; activation needs at least one product and may
 * change nothing but Status; an activated order cannot be deleted. The platform keeps StatusCode
 * (the status category) in step with Status; TotalAmount starts at zero.
 */
const order: SObjectRules = {
  fill(_reader, { object, before, values }) {
    const filled: Record<string, FieldValue> = { StatusCode: statusCategory(object, values['Status']) ?? null };
    if (!before) filled['TotalAmount'] = 0;
    return filled;
  },
  check(reader, { object, before, values, written }) {
    const activating = statusCategory(object, values['Status']) === 'Activated';
    if (!before) return activating ? SaveErrors.orderCreatedActivated() : undefined;
    if (!activating || before.values['StatusCode'] === 'Activated') return undefined;
    if (liveRows(reader, 'OrderItem', 'OrderId', before.values['Id'] ?? null).length === 0) {
      return SaveErrors.activationWithoutProducts();
    }
    const others = [...written].filter((f) => f !== 'Status' && before.values[f] !== values[f]);
    return others.length ? SaveErrors.activationWithOtherChanges(others) : undefined;
  },
  checkDelete(_reader, record) {
    return record.values['StatusCode'] === 'Activated' ? SaveErrors.activatedOrderLocked() : undefined;
  },
};

/**
 * An order product takes its product from its price book entry, which must be in the order's
 * price book; it cannot be added to, edited on or removed from an activated order; each write
 * or delete recomputes the order's TotalAmount (the sum of its products' TotalPrice).
 */
const orderItem: SObjectRules = {
  fill(reader, { before, values }): Record<string, FieldValue> {
    if (before || values['Product2Id'] != null) return {};
    const entry = parent(reader, values['PricebookEntryId']);
    return entry ? { Product2Id: entry.values['Product2Id'] ?? null } : {};
  },
  check(reader, { before, values }) {
    if (isActivated(reader, values['OrderId'])) {
      return before ? SaveErrors.activatedOrderProductEdit() : SaveErrors.activatedOrderLocked();
    }
    if (before) return undefined; // OrderId and PricebookEntryId are not updateable
    const entry = parent(reader, values['PricebookEntryId']);
    const orderPricebook = parent(reader, values['OrderId'])?.values['Pricebook2Id'] ?? null;
    if (orderPricebook === null || entry?.values['Pricebook2Id'] !== orderPricebook) {
      return SaveErrors.pricebookEntryNotInOrderPricebook();
    }
    return undefined;
  },
  checkDelete(reader, record) {
    return isActivated(reader, record.values['OrderId']) ? SaveErrors.activatedOrderLocked() : undefined;
  },
  after(reader, record): RowUpdate[] {
    const owner = parent(reader, record.values['OrderId']);
    if (!owner) return [];
    const total = liveRows(reader, 'OrderItem', 'OrderId', owner.values['Id'] ?? null).reduce(
      (sum, item) => sum + (typeof item.values['TotalPrice'] === 'number' ? item.values['TotalPrice'] : 0),
      0,
    );
    const amount = roundCurrency(total);
    return owner.values['TotalAmount'] === amount ? [] : [{ record: owner, values: { TotalAmount: amount } }];
  },
};

export const ORDER_MANAGEMENT_RULES: RuleBook = {
  PricebookEntry: pricebookEntry,
  Order: order,
  OrderItem: orderItem,
};
