import type { OrderContext } from '../context/erp-context.repository';

/** What a new ticket's note is about: the order it names, or the customer's recent orders, or nothing the hub knows. */
export type CaseSubject =
  | { kind: 'order'; reference: string; order: OrderContext | undefined }
  | { kind: 'customer'; orders: OrderContext[] }
  | { kind: 'unknown-customer' };

export interface NoteOptions {
  /** Warranty from the delivery: the entitlement rule (config SUPPORT_WARRANTY_MONTHS). */
  warrantyMonths: number;
  now: number;
}

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayOfEpochDays = (days: number) => day(days * DAY_MS);

/** The delivery date plus N calendar months (the warranty's end), as epoch milliseconds. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  // The same day of the month, or the month's last day when it has fewer (31 Jan + 1 month = 28/29 Feb).
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.getTime() + (ms % DAY_MS);
}

/**
 * The warranty entitlement of an order, by the configured rule: under warranty until the last delivery's date plus
 * `warrantyMonths`. Without a done delivery the hub says so; it never guesses.
 */
export function entitlementOf(order: OrderContext, options: NoteOptions): string {
  const done = order.shipments.filter((s) => s.state === 'done' && s.doneDate !== null).map((s) => s.doneDate!);
  if (done.length === 0) return 'Warranty: not delivered yet, so no warranty is running.';
  const until = addMonths(Math.max(...done), options.warrantyMonths);
  return until >= options.now
    ? `Warranty: under warranty until ${day(until)} (${options.warrantyMonths} months from delivery).`
    : `Warranty: expired on ${day(until)} (${options.warrantyMonths} months from delivery).`;
}

/**
 * An order's facts as an agent reads them, one per line: its state, each delivery with its tracking reference, each
 * invoice with its payment state. A later note on the ticket tells only the lines that changed.
 */
export function orderFacts(order: OrderContext): string[] {
  const lines = [
    `Order ${order.name}: ${order.state ?? 'state unknown'}${order.orderDate ? `, ordered ${day(order.orderDate)}` : ''}.`,
  ];
  if (order.shipments.length === 0) lines.push('Delivery: none yet.');
  for (const s of order.shipments) {
    const tracking = s.trackingReference ? `, tracking ${s.trackingReference}` : ', no tracking reference';
    const when = s.state === 'done' && s.doneDate ? ` on ${day(s.doneDate)}` : '';
    lines.push(`Delivery ${s.name ?? '(unnamed)'}: ${s.state ?? 'state unknown'}${when}${tracking}.`);
  }
  // A draft invoice is Odoo's work in progress: the customer has not been sent it and it may still change or go, so
  // the ticket is told of an invoice once it is posted (or of a posted one cancelled), never of the draft before it.
  const issued = order.invoices.filter((i) => i.state !== 'draft' && i.number !== null && i.number !== '/');
  if (issued.length === 0) lines.push('Invoice: none yet.');
  for (const i of issued) {
    const due = i.dueDate !== null ? `, due ${dayOfEpochDays(i.dueDate)}` : '';
    lines.push(`Invoice ${i.number}: ${i.state ?? 'state unknown'}, payment ${i.paymentState ?? 'unknown'}${due}.`);
  }
  return lines;
}

function orderLines(order: OrderContext, options: NoteOptions): string[] {
  return [...orderFacts(order), entitlementOf(order, options)];
}

/**
 * The note on a ticket whose order changed: the facts not told before (a delivery done, an invoice posted or paid),
 * with the warranty when a delivery changed. Undefined when nothing the agent was told has changed.
 */
export function composeOrderUpdate(order: OrderContext, told: readonly string[], options: NoteOptions) {
  const facts = orderFacts(order);
  const news = facts.filter((line) => !told.includes(line));
  if (news.length === 0) return undefined;
  const lines = [`Update on order ${order.name} from the ERP (read-only):`, ...news];
  if (news.some((line) => line.startsWith('Delivery'))) lines.push(entitlementOf(order, options));
  return { body: lines.join('\n'), facts };
}

/**
 * The private note a new ticket gets: plain facts from the ERP (names, states, dates, tracking), never prices, costs
 * or bank details, and a plain statement when the hub lacks the data.
 */
export function composeCaseNote(subject: CaseSubject, options: NoteOptions): string {
  const head = 'ERP context from the integration hub (read-only):';
  switch (subject.kind) {
    case 'order':
      return subject.order
        ? [head, ...orderLines(subject.order, options)].join('\n')
        : [head, `The ERP has no order named ${subject.reference}: check the reference with the customer.`].join('\n');
    case 'customer':
      if (subject.orders.length === 0) {
        return [head, 'The ticket names no order, and the ERP has no orders for this customer.'].join('\n');
      }
      return [
        head,
        `The ticket names no order; the customer's ${subject.orders.length} most recent:`,
        ...subject.orders.flatMap((o) => ['', ...orderLines(o, options)]),
      ].join('\n');
    case 'unknown-customer':
      return [
        head,
        'The ticket names no order, and its requester is no customer the hub knows: no ERP data to show.',
      ].join('\n');
  }
}
