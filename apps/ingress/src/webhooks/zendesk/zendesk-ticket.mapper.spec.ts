import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedWebhookError } from '../http/webhook.errors';
import { serviceCaseChange, toServiceCase } from '../tickets/service-case.mapper';
import { readZendeskWebhook } from './zendesk-ticket.mapper';

const fixtures = join(__dirname, '../../../../../test/fixtures/zendesk');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

function refusal(body: unknown, invocationId?: string): string {
  try {
    readZendeskWebhook(body, invocationId);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedWebhookError);
    return (error as Error).message;
  }
  throw new Error('expected the body to be refused');
}

describe('readZendeskWebhook: event subscriptions', () => {
  it('maps a ticket event to a service case: ids only for people, the event id and time for dedupe and order', () => {
    const read = readZendeskWebhook(fixture('ok/ticket-status-changed.json'), 'ignored-for-events');
    expect(read.kind).toBe('ticket');
    if (read.kind !== 'ticket') return;
    expect(read.eventType).toBe('zen:event-type:ticket.status_changed');
    expect(read.event.sourceEventId).toBe('cbe4028c-7239-495d-b020-f22348516046');
    expect(read.event.eventTime).toBe(Date.parse('2024-05-13T08:30:12.345Z'));
    expect(toServiceCase(read.event.ticket)).toEqual({
      id: 'zendesk-ticket-5158',
      desk: 'ZENDESK',
      deskTicketId: '5158',
      requester: { deskUserId: '8447388090494', name: null, email: null },
      organization: { deskOrganizationId: '8447346622462', name: null },
      subject: 'Order #S00042 arrived damaged',
      status: 'open',
      deskStatus: 'OPEN',
      priority: 'high',
      channel: 'web_form',
      orderReference: 'S00042',
      invoiceReference: null,
      tags: ['damaged'],
      createdAt: Date.parse('2024-05-10T09:12:00Z'),
      updatedAt: Date.parse('2024-05-13T08:30:12Z'),
    });
  });

  it('ignores a well-formed event of a type the hub does not handle, without reading its detail', () => {
    expect(readZendeskWebhook(fixture('ok/user-created.json'), undefined)).toEqual({
      kind: 'ignored',
      eventType: 'zen:event-type:user.created',
    });
    expect(
      readZendeskWebhook(
        { type: 'zen:event-type:ticket.comment_added', id: 'e1', time: '2024-05-13T08:30:12Z' },
        undefined,
      ),
    ).toEqual({ kind: 'ignored', eventType: 'zen:event-type:ticket.comment_added' });
  });

  it('refuses an envelope or a ticket detail that is malformed, naming each field path', () => {
    const event = fixture('ok/ticket-status-changed.json');
    expect(refusal({ ...event, id: undefined, time: 'soon' })).toBe(
      'event-subscription body: id: Required; time: expected a date-time (ISO-8601)',
    );
    const detail = { ...(event.detail as object), id: undefined, status: '' };
    expect(refusal({ ...event, detail })).toBe(
      'zen:event-type:ticket.status_changed: detail.id: Required; detail.status: expected a value',
    );
    expect(refusal({ ...event, detail: null })).toMatch(
      /^zen:event-type:ticket.status_changed: detail: Expected object/,
    );
  });

  it('refuses a body of neither shape, and a body that is not an object', () => {
    expect(refusal({ hello: 'world' })).toBe(
      'expected an event-subscription body (type, id, time, detail) or the trigger template (ticket: {…})',
    );
    expect(refusal([1, 2])).toBe('expected a JSON object');
  });
});

describe('readZendeskWebhook: the trigger template', () => {
  it('maps the rendered template, with the invocation id as the dedupe id and updated_at as the event time', () => {
    const read = readZendeskWebhook(fixture('ok/trigger-ticket.json'), '8350205582');
    if (read.kind !== 'ticket') throw new Error('expected a ticket');
    expect(read.event.sourceEventId).toBe('invocation-8350205582');
    expect(read.event.eventTime).toBe(Date.parse('2024-05-13T08:30:00Z'));
    expect(toServiceCase(read.event.ticket)).toEqual({
      id: 'zendesk-ticket-5158',
      desk: 'ZENDESK',
      deskTicketId: '5158',
      requester: { deskUserId: '8447388090494', name: 'Ada Lovelace', email: 'ada@example.com' },
      organization: { deskOrganizationId: '8447346622462', name: 'Acme & Sons' },
      subject: 'Parcel arrived damaged',
      status: 'on_hold',
      deskStatus: 'On-hold',
      priority: 'urgent',
      channel: 'web_form',
      orderReference: 'S00042',
      invoiceReference: 'INV/2024/00017',
      tags: ['damaged', 'return_request'],
      createdAt: Date.parse('2024-05-10T09:12:00Z'),
      updatedAt: Date.parse('2024-05-13T08:30:00Z'),
    });
  });

  it('falls back to ticket id and updated_at as the dedupe id without an invocation id', () => {
    const read = readZendeskWebhook(fixture('ok/trigger-ticket.json'), undefined);
    if (read.kind !== 'ticket') throw new Error('expected a ticket');
    expect(read.event.sourceEventId).toBe('ticket-5158@2024-05-13T08:30:00.000Z');
  });

  it('reads empty placeholders as null: no organization, no priority, no references', () => {
    const body = fixture('ok/trigger-ticket.json');
    const ticket = {
      ...(body.ticket as object),
      organization: { id: '', name: '' },
      priority: '',
      order_reference: '',
      invoice_reference: ' ',
      tags: '',
      subject: 'Damaged',
    };
    const read = readZendeskWebhook({ ticket }, undefined);
    if (read.kind !== 'ticket') throw new Error('expected a ticket');
    expect(toServiceCase(read.event.ticket)).toMatchObject({
      organization: null,
      priority: null,
      orderReference: null,
      invoiceReference: null,
      tags: [],
    });
    const { tags: _absent, ...withoutTags } = ticket;
    const untagged = readZendeskWebhook({ ticket: withoutTags }, undefined);
    if (untagged.kind !== 'ticket') throw new Error('expected a ticket');
    // A template without the tags placeholder says nothing about them: null, not "no tags".
    expect(toServiceCase(untagged.event.ticket).tags).toBeNull();
  });

  it('refuses a template body missing updated_at, and an unrendered placeholder, naming the path', () => {
    expect(refusal(fixture('not-ok/trigger-without-updated-at.json'))).toBe(
      'trigger body: ticket.updated_at: Required',
    );
    const body = fixture('ok/trigger-ticket.json');
    const ticket = { ...(body.ticket as object), id: '{{ticket.id}}' };
    expect(refusal({ ticket })).toBe(
      'trigger body: ticket.id: holds an unrendered placeholder: check the template; ticket.id: expected a numeric id',
    );
  });
});

describe('serviceCaseChange for a Zendesk event', () => {
  it('builds the intake change: SUPPORT envelope, position = event time, event id from (desk, event id)', () => {
    const read = readZendeskWebhook(fixture('ok/ticket-status-changed.json'), undefined);
    if (read.kind !== 'ticket') throw new Error('expected a ticket');
    const change = serviceCaseChange('zendesk', read.event);
    expect(change).toMatchObject({
      source: 'zendesk',
      sourceEventId: 'cbe4028c-7239-495d-b020-f22348516046',
      topic: 'service-case',
      value: {
        envelope: {
          eventType: 'service-case.upserted',
          aggregateId: 'zendesk-ticket-5158',
          occurredAt: Date.parse('2024-05-13T08:30:12.345Z'),
          sourceSystem: 'SUPPORT',
          sourceTable: 'zendesk.ticket',
          sourcePrimaryKey: '5158',
          sourcePosition: Date.parse('2024-05-13T08:30:12.345Z'),
          sourceEventId: 'cbe4028c-7239-495d-b020-f22348516046',
        },
        serviceCase: { id: 'zendesk-ticket-5158' },
      },
    });
    // Redelivered: the same event; another event of the same ticket: another id.
    expect(serviceCaseChange('zendesk', read.event).value.envelope.eventId).toBe(change.value.envelope.eventId);
    const other = serviceCaseChange('zendesk', { ...read.event, sourceEventId: 'another-event' });
    expect(other.value.envelope.eventId).not.toBe(change.value.envelope.eventId);
  });
});
