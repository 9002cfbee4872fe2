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

/** The body the hub's automation-rule template renders (docs/webhooks.md, "Freshdesk"). */
const automationBody = z.object({
  ticket: z.object({
    id: deskId,
    created_at: optionalDeskTime,
    updated_at: deskTime,
    subject: optionalText,
    status: requiredText,
    priority: optionalText,
    source: optionalText,
    requester: z.object({ id: optionalDeskId, name: optionalText, email: optionalText }),
    company: z.object({ id: optionalDeskId, name: optionalText }).nullish(),
    order_reference: optionalText,
    invoice_reference: optionalText,
    tags: deskTags,
  }),
});

/**
 * Reads a Freshdesk automation-rule webhook body (already authenticated). Freshdesk sends no event id at all, so
 * the dedupe id is the ticket id with its `updated_at`: a retry of the same call (+5, +30, +60 min) carries the same
 * pair, a later change of the ticket another one. Throws {@link MalformedWebhookError} naming every bad field path.
 */
export function readFreshdeskWebhook(body: unknown): TicketEvent {
  const result = automationBody.safeParse(body);
  if (!result.success) throw new MalformedWebhookError(`automation body: ${describeIssues(result.error)}`);
  const t = result.data.ticket;
  const company = t.company && (t.company.id || t.company.name) ? t.company : null;
  const ticket: DeskTicket = {
    desk: 'FRESHDESK',
    ticketId: t.id,
    requester: { id: t.requester.id, name: t.requester.name, email: t.requester.email },
    organization: company ? { id: company.id, name: company.name } : null,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.source,
    orderReference: t.order_reference,
    invoiceReference: t.invoice_reference,
    tags: t.tags,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
  return {
    ticket,
    sourceEventId: `ticket-${t.id}@${new Date(t.updated_at).toISOString()}`,
    eventTime: t.updated_at,
  };
}
