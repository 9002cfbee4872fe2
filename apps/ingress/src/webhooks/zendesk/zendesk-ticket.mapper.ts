import { z } from 'zod';
import { describeIssues, MalformedWebhookError } from '../http/webhook.errors';
import {
  deskId,
  deskTags,
  deskTime,
  DeskTicket,
  optionalDeskId,
  optionalDeskTime,
  optionalText,
  requiredText,
  TicketEvent,
} from '../tickets/service-case.mapper';

/**
 * The event-subscription types the hub turns into a service case: those whose change shows in the ticket fields
 * the `detail` object carries. Every other well-formed event (comments, tags, users, organizations…) is answered
 * 2xx, counted and ignored. `custom_field_changed` is not among them: `detail` has no custom fields, so an order
 * reference kept in one reaches the hub only through the trigger template.
 */
export const ZENDESK_TICKET_EVENT_TYPES: ReadonlySet<string> = new Set([
  'zen:event-type:ticket.created',
  'zen:event-type:ticket.status_changed',
  'zen:event-type:ticket.custom_status_changed',
  'zen:event-type:ticket.priority_changed',
  'zen:event-type:ticket.subject_changed',
  'zen:event-type:ticket.requester_changed',
  'zen:event-type:ticket.organization_changed',
]);

/** What a Zendesk webhook turned out to be. */
export type ZendeskWebhook =
  { kind: 'ticket'; eventType: string; event: TicketEvent } | { kind: 'ignored'; eventType: string };

/** The fixed envelope of event-subscription webhooks (`zendesk_event_version` 2022-11-06). */
const eventEnvelope = z.object({
  type: requiredText,
  id: requiredText,
  time: deskTime,
  detail: z.unknown(),
});

/** `detail` of a ticket event: the ticket's fields, ids as strings, status and priority in upper case. */
const ticketDetail = z.object({
  id: deskId,
  subject: optionalText,
  status: requiredText,
  priority: optionalText,
  requester_id: optionalDeskId,
  organization_id: optionalDeskId,
  created_at: optionalDeskTime,
  updated_at: optionalDeskTime,
  via: z.object({ channel: optionalText }).nullish(),
  tags: deskTags,
});

/** The body the hub's trigger template renders (docs/webhooks.md, "Zendesk"). */
const triggerBody = z.object({
  ticket: z.object({
    id: deskId,
    created_at: optionalDeskTime,
    updated_at: deskTime,
    subject: optionalText,
    status: requiredText,
    priority: optionalText,
    via: optionalText,
    requester: z.object({ id: optionalDeskId, name: optionalText, email: optionalText }),
    organization: z.object({ id: optionalDeskId, name: optionalText }).nullish(),
    order_reference: optionalText,
    invoice_reference: optionalText,
    tags: deskTags,
  }),
});

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string, prefix?: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new MalformedWebhookError(`${what}: ${describeIssues(result.error, prefix)}`);
  return result.data;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a Zendesk webhook body (already authenticated) in either shape:
 * - an event subscription (`type` zen:event-type:…, `id`, `time`, `detail`): its `id` is the event id;
 * - the hub's trigger/automation template (`ticket: {…}`): Zendesk sends no event id in it, so the dedupe id is
 *   the `X-Zendesk-Webhook-Invocation-Id` header (one invocation, however often retried), else the ticket id with
 *   its `updated_at`.
 * Throws {@link MalformedWebhookError} naming every bad field path.
 */
export function readZendeskWebhook(body: unknown, invocationId: string | undefined): ZendeskWebhook {
  if (!isObject(body)) throw new MalformedWebhookError('expected a JSON object');
  if ('type' in body) return readEvent(body);
  if ('ticket' in body) return readTrigger(body, invocationId);
  throw new MalformedWebhookError(
    'expected an event-subscription body (type, id, time, detail) or the trigger template (ticket: {…})',
  );
}

function readEvent(body: Record<string, unknown>): ZendeskWebhook {
  const envelope = parse(eventEnvelope, body, 'event-subscription body');
  if (!ZENDESK_TICKET_EVENT_TYPES.has(envelope.type)) return { kind: 'ignored', eventType: envelope.type };
  const detail = parse(ticketDetail, envelope.detail, `${envelope.type}`, 'detail');
  const ticket: DeskTicket = {
    desk: 'ZENDESK',
    ticketId: detail.id,
    // Event payloads carry ids only: names and emails come with the trigger template.
    requester: { id: detail.requester_id, name: null, email: null },
    organization: detail.organization_id ? { id: detail.organization_id, name: null } : null,
    subject: detail.subject,
    status: detail.status,
    priority: detail.priority,
    channel: detail.via?.channel ?? null,
    orderReference: null,
    invoiceReference: null,
    tags: detail.tags,
    createdAt: detail.created_at,
    updatedAt: detail.updated_at ?? envelope.time,
  };
  return {
    kind: 'ticket',
    eventType: envelope.type,
    event: { ticket, sourceEventId: envelope.id, eventTime: envelope.time },
  };
}

function readTrigger(body: Record<string, unknown>, invocationId: string | undefined): ZendeskWebhook {
  const { ticket: t } = parse(triggerBody, body, 'trigger body');
  const organization = t.organization && (t.organization.id || t.organization.name) ? t.organization : null;
  const ticket: DeskTicket = {
    desk: 'ZENDESK',
    ticketId: t.id,
    requester: { id: t.requester.id, name: t.requester.name, email: t.requester.email },
    organization: organization ? { id: organization.id, name: organization.name } : null,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.via,
    orderReference: t.order_reference,
    invoiceReference: t.invoice_reference,
    tags: t.tags,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
  const sourceEventId = invocationId
    ? `invocation-${invocationId}`
    : `ticket-${t.id}@${new Date(t.updated_at).toISOString()}`;
  return { kind: 'ticket', eventType: 'trigger', event: { ticket, sourceEventId, eventTime: t.updated_at } };
}
