import {
  canonicalEnvelope,
  canonicalEvent,
  deterministicEventId,
  ServiceCase,
  supportCanonicalIds,
  SupportDesk,
} from '@hub/canonical';
import { z } from 'zod';
import type { IntakeChange, IntakeSource } from '../../intake/intake.port';

/** A ticket as one desk's webhook described it, before it is put on the canonical scales. */
export interface DeskTicket {
  desk: SupportDesk;
  ticketId: string;
  requester: { id: string | null; name: string | null; email: string | null };
  organization: { id: string | null; name: string | null } | null;
  subject: string | null;
  /** The desk's own status word or code. */
  status: string;
  priority: string | null;
  channel: string | null;
  /** The desk's order / invoice reference fields, when the webhook carries them. */
  orderReference: string | null;
  invoiceReference: string | null;
  /** The ticket's tags, or null when the webhook did not carry them. */
  tags: string[] | null;
  createdAt: number | null;
  updatedAt: number;
}

/** One desk event that becomes a `service-case.upserted`. */
export interface TicketEvent {
  ticket: DeskTicket;
  /** The vendor's id of this event (see each desk's mapper for what it is), the dedupe key. */
  sourceEventId: string;
  /** The desk's event time in epoch ms: the envelope's sourcePosition and occurredAt. */
  eventTime: number;
}

/** Lower snake case: `On-hold` → `on_hold`, `Web Form` → `web_form`, `OPEN` → `open`. */
export const snake = (value: string) =>
  value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

const STATUS: Record<SupportDesk, Record<string, string>> = {
  // Event payloads send NEW, OPEN, PENDING, HOLD, SOLVED, CLOSED; trigger placeholders the display names.
  ZENDESK: {
    new: 'new',
    open: 'open',
    pending: 'pending',
    hold: 'on_hold',
    on_hold: 'on_hold',
    solved: 'solved',
    closed: 'closed',
  },
  // Placeholders render the names (Open, Pending, Resolved, Closed); the API's codes 2-5 are read too.
  FRESHDESK: {
    open: 'open',
    pending: 'pending',
    resolved: 'solved',
    closed: 'closed',
    '2': 'open',
    '3': 'pending',
    '4': 'solved',
    '5': 'closed',
  },
};

const PRIORITY: Record<SupportDesk, Record<string, string>> = {
  ZENDESK: { low: 'low', normal: 'normal', high: 'high', urgent: 'urgent' },
  FRESHDESK: {
    low: 'low',
    medium: 'normal',
    high: 'high',
    urgent: 'urgent',
    '1': 'low',
    '2': 'normal',
    '3': 'high',
    '4': 'urgent',
  },
};

/** The canonical status (new, open, pending, on_hold, solved, closed), or `other` for a custom status. */
export function caseStatus(desk: SupportDesk, status: string): string {
  return STATUS[desk][snake(status)] ?? 'other';
}

/** The canonical priority (low, normal, high, urgent), or null when the ticket has none the hub knows. */
export function casePriority(desk: SupportDesk, priority: string | null): string | null {
  return priority === null ? null : (PRIORITY[desk][snake(priority)] ?? null);
}

// Odoo's default names: sales orders S00042, invoices INV/2024/00001 (credit notes RINV/…, monthly sequences
// INV/2024/01/0001). In a subject the hub only reads them after a '#', so a product code or a date is not taken
// for a reference.
const ORDER_IN_SUBJECT = /(?:^|[^\w#])#(S\d{5,})(?![\w/])/;
const INVOICE_IN_SUBJECT = /(?:^|[^\w#])#(R?INV\/\d{4}(?:\/\d{2})?\/\d+)(?![\w/])/;

const reference = (value: string | null) => {
  const trimmed = value?.trim().replace(/^#/, '') ?? '';
  return trimmed === '' ? null : trimmed;
};

/**
 * The Odoo order and invoice the ticket is about: the desk's reference field when it has a value, else a `#S00042`
 * (order) or `#INV/2024/00001` (invoice) token in the subject.
 */
export function caseReferences(ticket: Pick<DeskTicket, 'subject' | 'orderReference' | 'invoiceReference'>) {
  const subject = ticket.subject ?? '';
  return {
    orderReference: reference(ticket.orderReference) ?? ORDER_IN_SUBJECT.exec(subject)?.[1] ?? null,
    invoiceReference: reference(ticket.invoiceReference) ?? INVOICE_IN_SUBJECT.exec(subject)?.[1] ?? null,
  };
}

/** The canonical ServiceCase of a desk ticket. */
export function toServiceCase(ticket: DeskTicket): ServiceCase {
  const id =
    ticket.desk === 'ZENDESK'
      ? supportCanonicalIds.zendeskTicket(ticket.ticketId)
      : supportCanonicalIds.freshdeskTicket(ticket.ticketId);
  return {
    id,
    desk: ticket.desk,
    deskTicketId: ticket.ticketId,
    requester: { deskUserId: ticket.requester.id, name: ticket.requester.name, email: ticket.requester.email },
    organization: ticket.organization
      ? { deskOrganizationId: ticket.organization.id, name: ticket.organization.name }
      : null,
    subject: ticket.subject,
    status: caseStatus(ticket.desk, ticket.status),
    deskStatus: ticket.status,
    priority: casePriority(ticket.desk, ticket.priority),
    channel: ticket.channel === null ? null : snake(ticket.channel) || null,
    ...caseReferences(ticket),
    tags: ticket.tags,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
  };
}

/**
 * The change a desk event hands to the intake: a `service-case.upserted` whose envelope says SUPPORT, positioned by
 * the desk's event time, with the vendor event id as `sourceEventId` and an event id derived from (desk, that id),
 * so a redelivered webhook becomes the very same event.
 */
export function serviceCaseChange(source: IntakeSource, event: TicketEvent): IntakeChange<'service-case'> {
  const serviceCase = toServiceCase(event.ticket);
  const envelope = canonicalEnvelope({
    eventId: deterministicEventId(event.ticket.desk, event.sourceEventId),
    eventType: 'service-case.upserted',
    aggregateId: serviceCase.id,
    occurredAt: event.eventTime,
    sourceSystem: 'SUPPORT',
    sourceTable: `${event.ticket.desk.toLowerCase()}.ticket`,
    sourcePrimaryKey: event.ticket.ticketId,
    sourcePosition: event.eventTime,
    sourceEventId: event.sourceEventId,
  });
  return {
    source,
    sourceEventId: event.sourceEventId,
    topic: 'service-case',
    value: canonicalEvent('service-case', envelope, serviceCase),
  };
}

// Field shapes shared by the desks' body schemas.

/** A rendered placeholder left as `{{…}}` means the template names a field the desk does not have. */
const rendered = (value: string) => !value.includes('{{');
const RENDER_MESSAGE = 'holds an unrendered placeholder: check the template';

/** Numbers are read as their text: a template may render an id or a code with or without quotes. */
const asText = (value: unknown) => (typeof value === 'number' ? String(value) : value);

/** A required text. */
export const requiredText = z.preprocess(
  asText,
  z.string().trim().min(1, 'expected a value').refine(rendered, RENDER_MESSAGE),
);

/** A ticket, user or organization id: digits, sent as a string or a number. */
export const deskId = requiredText.refine((v) => /^\d+$/.test(v), 'expected a numeric id');

/** An optional text: a placeholder with no value renders as "", read as null. */
export const optionalText = z
  .preprocess(asText, z.string().nullish())
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? null : v.trim()))
  .refine((v) => v === null || rendered(v), RENDER_MESSAGE);

/** An optional id: as {@link deskId}, or empty / absent for none. */
export const optionalDeskId = optionalText.refine((v) => v === null || /^\d+$/.test(v), 'expected a numeric id');

/** A time the desk rendered: ISO-8601 (or another form Date.parse reads), as epoch ms. */
export const deskTime = requiredText
  .transform((v) => Date.parse(v))
  .refine((ms) => Number.isFinite(ms), 'expected a date-time (ISO-8601)');

/** An optional time: empty or absent for none. */
export const optionalDeskTime = optionalText
  .transform((v) => (v === null ? null : Date.parse(v)))
  .refine((ms) => ms === null || Number.isFinite(ms), 'expected a date-time (ISO-8601)');

/**
 * A ticket's tags: the array an event body carries, or the text a template placeholder renders (Zendesk's
 * `{{ticket.tags}}` separates them by spaces, Freshdesk's by commas). Desks keep tags in lower case without spaces,
 * so both separators are read; an empty rendering is no tags, an absent field null (the body did not say).
 */
export const deskTags = z
  .union([z.array(z.string()), z.string().refine(rendered, RENDER_MESSAGE)])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const list = Array.isArray(v) ? v : v.split(/[\s,]+/);
    return [...new Set(list.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== ''))];
  });
