import type { OrderSubmission, OrderSubmissionLine } from '@hub/canonical';

/** The business exceptions the work queue holds: each one needs a person (or a change in Odoo), not a retry loop. */
export const EXCEPTION_KINDS = [
  'unknown-customer',
  'invalid-line',
  'unknown-sku',
  'credit-hold',
  'stock-short',
  'odoo-refused',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/**
 * An order Odoo cannot take as it is. Not an infrastructure failure and not a poison record: it goes to the work
 * queue with its context, where a person fixes the cause and retries it.
 */
export class BusinessException extends Error {
  override readonly name = 'BusinessException';
  constructor(
    readonly kind: ExceptionKind,
    message: string,
    /** What the person fixing it needs: the lines, amounts or Odoo answer concerned. */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const lineLabel = (line: OrderSubmissionLine, index: number) =>
  `line ${index + 1} (${line.salesforceItemId}${line.sku ? `, SKU ${line.sku}` : ''})`;

/** Every line needs a product to find (a SKU or an Odoo product id) and a positive quantity; all problems at once. */
export function checkLines(order: OrderSubmission): void {
  if (order.lines.length === 0) throw new BusinessException('invalid-line', 'the order has no lines');
  const problems: string[] = [];
  order.lines.forEach((line, i) => {
    if (!line.sku && !line.productId) problems.push(`${lineLabel(line, i)} has no SKU`);
    const quantity = Number(line.quantity);
    if (!Number.isFinite(quantity) || quantity <= 0) {
      problems.push(`${lineLabel(line, i)} has quantity ${line.quantity}: it must be positive`);
    }
  });
  if (problems.length) throw new BusinessException('invalid-line', problems.join('; '), { lines: problems });
}

/** An Odoo product as order intake reads it. */
export interface OdooProduct {
  id: number;
  sku: string | null;
  name: string;
  listPrice: number;
  /** consu, service or product (storable): only storable products are checked against stock. */
  type: string;
  freeQty: number;
}

/** A line ready for Odoo: the product found, the quantity, and the price chosen by configuration. */
export interface PlannedLine {
  line: OrderSubmissionLine;
  product: OdooProduct;
  quantity: number;
  /** null: Odoo prices the line from the product (its pricelist). */
  priceUnit: number | null;
}

/**
 * Finds each line's product (its Odoo id first, then its SKU) and prices it: `order` keeps the rep's agreed price,
 * `pricelist` leaves every price to Odoo. Lines whose product Odoo does not have are one exception naming them all.
 */
export function planLines(
  order: OrderSubmission,
  byId: Map<number, OdooProduct>,
  bySku: Map<string, OdooProduct>,
  odooIdOf: (canonicalId: string) => number | null,
  priceSource: 'order' | 'pricelist',
): PlannedLine[] {
  const missing: string[] = [];
  const planned: PlannedLine[] = [];
  order.lines.forEach((line, i) => {
    const id = line.productId ? odooIdOf(line.productId) : null;
    const product = (id !== null ? byId.get(id) : undefined) ?? (line.sku ? bySku.get(line.sku) : undefined);
    if (!product) {
      missing.push(
        `${lineLabel(line, i)}: no Odoo product ${line.sku ? `with internal reference ${line.sku}` : line.productId}`,
      );
      return;
    }
    const agreed = Number(line.unitPrice);
    planned.push({
      line,
      product,
      quantity: Number(line.quantity),
      priceUnit: priceSource === 'order' && Number.isFinite(agreed) ? agreed : null,
    });
  });
  if (missing.length) throw new BusinessException('unknown-sku', missing.join('; '), { lines: missing });
  return planned;
}

/** The order's value as the credit check counts it: the prices sent, or Odoo's list price where Odoo prices. */
export const orderValue = (lines: PlannedLine[]): number =>
  lines.reduce((sum, l) => sum + l.quantity * (l.priceUnit ?? l.product.listPrice), 0);

/**
 * Odoo's credit limit rule as the hub applies it before confirming: the customer's open orders (confirmed, not yet
 * fully invoiced) plus this one must stay within its credit limit. A limit of 0 means none is set.
 */
export function checkCredit(creditLimit: number, openOrders: number, thisOrder: number): void {
  if (creditLimit <= 0) return;
  const exposure = openOrders + thisOrder;
  if (exposure > creditLimit) {
    throw new BusinessException(
      'credit-hold',
      `credit hold: open orders ${openOrders.toFixed(2)} plus this order ${thisOrder.toFixed(2)} exceed the credit limit ${creditLimit.toFixed(2)}`,
      { creditLimit, openOrders, thisOrder },
    );
  }
}

/** Storable products whose free quantity is short of what the order asks (summed over its lines of each product). */
export function stockShortages(
  lines: PlannedLine[],
): { sku: string | null; productId: number; ordered: number; free: number }[] {
  const ordered = new Map<number, { product: OdooProduct; quantity: number }>();
  for (const l of lines) {
    if (l.product.type !== 'product') continue;
    const seen = ordered.get(l.product.id);
    ordered.set(l.product.id, { product: l.product, quantity: (seen?.quantity ?? 0) + l.quantity });
  }
  return [...ordered.values()]
    .filter((o) => o.quantity > o.product.freeQty)
    .map((o) => ({ sku: o.product.sku, productId: o.product.id, ordered: o.quantity, free: o.product.freeQty }));
}
