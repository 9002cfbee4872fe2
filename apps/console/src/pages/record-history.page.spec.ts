import type { AuditEntry } from '../upstream/audit.client';
import { recordHistoryPage, traceLink } from './record-history.page';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: '7',
  occurredAt: '2026-12-06T10:00:00.000Z',
  kind: 'write',
  app: 'projector-salesforce',
  system: 'salesforce',
  object: 'Order',
  externalId: 'odoo-sale-order-42',
  targetId: '801000000000001AAA',
  fields: [{ name: 'Odoo_State__c', hash: '0123456789abcdef0123456789abcdef' }],
  canonicalId: 'odoo-sale-order-42',
  eventId: '00000000-0000-4000-8000-000000000001',
  sourceSystem: 'ODOO',
  sourcePosition: '123',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  outcome: 'applied',
  reason: null,
  action: null,
  actor: null,
  ...over,
});

describe('record history page', () => {
  it('shows each entry with field names, hash prefixes and a link to its trace in Jaeger', () => {
    const page = recordHistoryPage(
      { by: 'recordId', id: '801000000000001AAA' },
      { entries: [entry()], next: null },
      'http://localhost:16686',
    ).value;
    expect(page).toContain('href="http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736"');
    expect(page).toContain('Odoo_State__c:0123456789ab');
    expect(page).not.toContain('0123456789abcdef0123456789abcdef<');
    expect(page).toContain('odoo-sale-order-42');
  });

  it('shows who did an operator action and why, and links no trace it does not have', () => {
    const page = recordHistoryPage(
      { by: 'recordId', id: 'x' },
      {
        entries: [
          entry({
            kind: 'operator-action',
            action: 'discard',
            actor: 'console:olga',
            reason: 'customer withdrew',
            traceId: null,
          }),
        ],
        next: '7',
      },
      'http://jaeger.example:16686',
    ).value;
    expect(page).toContain('<strong>discard</strong> by <code>console:olga</code>');
    expect(page).toContain('customer withdrew');
    expect(page).not.toContain('/trace/');
    expect(page).toContain('after=7');
  });

  it('escapes what the trail holds and links only a well-formed trace id', () => {
    const page = recordHistoryPage(
      { by: 'recordId', id: '<script>' },
      { entries: [entry({ reason: '<img src=x>' })], next: null },
      'http://localhost:16686',
    ).value;
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img src=x>');
    expect(traceLink('http://j', 'not-a-trace')).toBeNull();
  });
});
