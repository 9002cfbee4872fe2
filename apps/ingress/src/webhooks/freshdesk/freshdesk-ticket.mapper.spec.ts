import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedWebhookError } from '../http/webhook.errors';
import { serviceCaseChange, toServiceCase } from '../tickets/service-case.mapper';
import { readFreshdeskWebhook } from './freshdesk-ticket.mapper';

const fixtures = join(__dirname, '../../../../../test/fixtures/freshdesk');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

function refusal(body: unknown): string {
  try {
    readFreshdeskWebhook(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedWebhookError);
    return (error as Error).message;
  }
  throw new Error('expected the body to be refused');
}

describe('readFreshdeskWebhook', () => {
  it('maps the rendered automation template to a service case; the invoice comes from the subject', () => {
    const event = readFreshdeskWebhook(fixture('ok/automation-ticket.json'));
    expect(event.sourceEventId).toBe('ticket-45@2024-05-13T08:30:12.000Z');
    expect(event.eventTime).toBe(Date.parse('2024-05-13T08:30:12Z'));
    expect(toServiceCase(event.ticket)).toEqual({
      id: 'freshdesk-ticket-45',
      desk: 'FRESHDESK',
      deskTicketId: '45',
      requester: { deskUserId: null, name: 'Ada Lovelace', email: 'ada@example.com' },
      organization: { deskOrganizationId: null, name: 'Acme & Sons' },
      subject: 'Where is invoice #INV/2024/00017?',
      status: 'solved',
      deskStatus: 'Resolved',
      priority: 'normal',
      channel: 'email',
      orderReference: null,
      invoiceReference: 'INV/2024/00017',
      tags: ['billing', 'return_request'],
      createdAt: Date.parse('2024-05-10T09:12:00Z'),
      updatedAt: Date.parse('2024-05-13T08:30:12Z'),
    });
  });

  it('reads custom statuses as other, keeping the desk word, and numeric codes', () => {
    const body = fixture('ok/automation-ticket.json');
    const waiting = readFreshdeskWebhook({ ticket: { ...(body.ticket as object), status: 'Waiting on Customer' } });
    expect(toServiceCase(waiting.ticket)).toMatchObject({ status: 'other', deskStatus: 'Waiting on Customer' });
    const coded = readFreshdeskWebhook({ ticket: { ...(body.ticket as object), status: 5, priority: 4 } });
    expect(toServiceCase(coded.ticket)).toMatchObject({ status: 'closed', deskStatus: '5', priority: 'urgent' });
  });

  it('dedupes a retried call and tells a later change apart: ticket id + updated_at', () => {
    const body = fixture('ok/automation-ticket.json');
    const first = serviceCaseChange('freshdesk', readFreshdeskWebhook(body));
    const retried = serviceCaseChange('freshdesk', readFreshdeskWebhook(structuredClone(body)));
    const later = serviceCaseChange(
      'freshdesk',
      readFreshdeskWebhook({ ticket: { ...(body.ticket as object), updated_at: '2024-05-13T09:00:00Z' } }),
    );
    expect(retried.value.envelope.eventId).toBe(first.value.envelope.eventId);
    expect(later.value.envelope.eventId).not.toBe(first.value.envelope.eventId);
    expect(later.value.envelope.sourcePosition).toBeGreaterThan(first.value.envelope.sourcePosition);
    expect(first.value.envelope).toMatchObject({ sourceSystem: 'SUPPORT', sourceTable: 'freshdesk.ticket' });
  });

  it('refuses an unrendered placeholder and missing fields, naming each path', () => {
    expect(refusal(fixture('not-ok/unrendered-placeholder.json'))).toBe(
      'automation body: ticket.updated_at: holds an unrendered placeholder: check the template',
    );
    expect(refusal({ ticket: { id: 'x' } })).toBe(
      'automation body: ticket.id: expected a numeric id; ticket.updated_at: Required; ticket.status: Required; ticket.requester: Required',
    );
    expect(refusal({})).toBe('automation body: ticket: Required');
  });
});
