import type { Session } from '../auth/session.store';
import type { OrderException } from '../upstream/work-queue.client';
import { exceptionPage, exceptionsPage } from './exceptions.page';

const now = Date.parse('2026-12-01T12:00:00Z');
const exception = (id: string, kind: string, reason: string, hoursAgo: number): OrderException => ({
  id,
  orderId: `salesforce-order-${id}`,
  salesforceOrderId: `801${id}`,
  kind,
  reason,
  status: 'open',
  submission: { shipTo: { street: 'Rue Haute 112', city: 'Brussels' } },
  context: { customer: { name: 'Acme', email: 'orders@acme.example' }, received: { copy: true } },
  ownerId: null,
  attempts: 1,
  createdAt: new Date(now - hoursAgo * 3_600_000).toISOString(),
  updatedAt: new Date(now).toISOString(),
  closedAt: null,
  actions: [{ action: 'raised', actor: 'projector-odoo', note: 'credit-hold', at: new Date(now).toISOString() }],
});
const queue = [
  exception('a', 'credit-hold', 'credit hold: 300 over 100', 2),
  exception('b', 'unknown-sku', 'line 1 has an unknown SKU <X>', 30),
  exception('c', 'credit-hold', 'credit hold: 900 over 500', 200),
];
const rows = (html: string) => [...html.matchAll(/href="\/exceptions\/(\w)"/g)].map((m) => m[1]);

describe('exception queue page', () => {
  it('filters by reason, by age (older than) and by the reason’s words', () => {
    expect(rows(exceptionsPage(queue, { status: 'open', age: 'any' }, now).value)).toEqual(['a', 'b', 'c']);
    expect(rows(exceptionsPage(queue, { status: 'open', kind: 'credit-hold', age: 'any' }, now).value)).toEqual([
      'a',
      'c',
    ]);
    expect(rows(exceptionsPage(queue, { status: 'open', age: '24h' }, now).value)).toEqual(['b', 'c']);
    expect(rows(exceptionsPage(queue, { status: 'open', age: '7d', kind: 'credit-hold' }, now).value)).toEqual(['c']);
    expect(rows(exceptionsPage(queue, { status: 'open', age: 'any', text: 'SKU' }, now).value)).toEqual(['b']);
  });

  it('escapes what the apps answered', () => {
    expect(exceptionsPage(queue, { status: 'open', age: 'any' }, now).value).toContain('unknown SKU &lt;X&gt;');
  });
});

describe('exception page', () => {
  const session = (role: 'viewer' | 'operator'): Session => ({
    id: 'x',
    user: { name: 'u', role },
    csrf: 'token-of-the-session',
    createdAt: now,
    lastSeenAt: now,
  });

  it('shows an operator the actions, with the session’s CSRF token, and the personal data', () => {
    const page = exceptionPage(queue[0], session('operator')).value;
    expect(page).toContain('action="/exceptions/a/retry"');
    expect(page).toContain('action="/exceptions/a/discard"');
    expect(page).toContain('value="token-of-the-session"');
    expect(page).toContain('Rue Haute 112');
    expect(page).toContain('orders@acme.example');
  });

  it('shows a viewer no action, and masks streets and emails', () => {
    const page = exceptionPage(queue[0], session('viewer')).value;
    expect(page).not.toContain('/retry');
    expect(page).not.toContain('/discard');
    expect(page).not.toContain('Rue Haute');
    expect(page).not.toContain('orders@acme.example');
    expect(page).toContain('o***@acme.example');
  });

  it('shows the submission once: not again as the context’s copy', () => {
    expect(exceptionPage(queue[0], session('operator')).value).not.toContain('copy');
  });
});
