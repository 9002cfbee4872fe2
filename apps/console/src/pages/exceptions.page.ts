import { mayAct } from '../auth/roles';
import type { Session } from '../auth/session.store';
import type { OrderException } from '../upstream/work-queue.client';
import { Html, html } from './html';
import { age, json } from './layout';
import { redactPersonalData } from './redact';

export const AGES = { any: 0, '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type AgeFilter = keyof typeof AGES;

export interface QueueFilter {
  status: 'open' | 'resolved' | 'discarded';
  kind?: string;
  /** Older than. */
  age: AgeFilter;
  /** Words of the reason. */
  text?: string;
}

/** The work queue, filtered by status (the API's), then by kind, age and reason text here. */
export function exceptionsPage(all: OrderException[], filter: QueueFilter, now = Date.now()): Html {
  const kinds = [...new Set(all.map((e) => e.kind))].sort();
  const text = filter.text?.toLowerCase();
  const shown = all.filter(
    (e) =>
      (!filter.kind || e.kind === filter.kind) &&
      now - Date.parse(e.createdAt) >= AGES[filter.age] &&
      (!text || e.reason.toLowerCase().includes(text)),
  );
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}" ${selected ? html`selected` : null}>${label}</option>`;
  return html`<form method="get" action="/exceptions" class="filters">
      <label
        >Status
        <select name="status">
          ${(['open', 'resolved', 'discarded'] as const).map((s) => option(s, s, s === filter.status))}
        </select></label
      >
      <label
        >Reason
        <select name="kind">
          ${option('', 'any', !filter.kind)} ${kinds.map((k) => option(k, k, k === filter.kind))}
        </select></label
      >
      <label
        >Older than
        <select name="age">
          ${Object.keys(AGES).map((a) => option(a, a === 'any' ? 'any age' : a, a === filter.age))}
        </select></label
      >
      <label>Reason text <input name="text" value="${filter.text ?? ''}" /></label>
      <button type="submit">Filter</button>
    </form>
    <p>${shown.length} of ${all.length} ${filter.status} exceptions</p>
    <table>
      <thead>
        <tr>
          <th>Order</th>
          <th>Reason</th>
          <th>Details</th>
          <th>Age</th>
          <th>Attempts</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        ${shown.map(
          (e) =>
            html`<tr>
              <td><a href="/exceptions/${e.id}">${e.salesforceOrderId}</a></td>
              <td>${e.kind}</td>
              <td>${e.reason}</td>
              <td title="${e.createdAt}">${age(e.createdAt, now)}</td>
              <td>${e.attempts}</td>
              <td class="status-${e.status}">${e.status}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

/** One exception: what Salesforce submitted beside what Odoo answered, its history, and the actions for operators. */
export function exceptionPage(e: OrderException, session: Session): Html {
  const role = session.user!.role;
  const view = (v: unknown) => (mayAct(role) ? v : redactPersonalData(v));
  // The context repeats the submission as `received`: shown once, on its side.
  const { received: _received, ...odoo } = e.context;
  const credit = e.context.credit as { limit?: number; openOrders?: number; thisOrder?: number } | undefined;
  return html`<p>
      <strong>${e.kind}</strong>: ${e.reason}<br />
      <small
        >Order ${e.salesforceOrderId} (${e.orderId}) · <span class="status-${e.status}">${e.status}</span> · raised
        ${e.createdAt} · ${e.attempts} attempt(s)</small
      >
    </p>
    ${
      credit
        ? html`<table>
            <tr>
              <th>Credit limit</th>
              <th>Open orders</th>
              <th>This order</th>
              <th>Over by</th>
            </tr>
            <tr>
              <td>${credit.limit}</td>
              <td>${credit.openOrders}</td>
              <td>${credit.thisOrder}</td>
              <td>${(credit.openOrders ?? 0) + (credit.thisOrder ?? 0) - (credit.limit ?? 0)}</td>
            </tr>
          </table>`
        : null
    }
    ${
      e.status === 'open' && mayAct(role)
        ? html`<section>
            <form method="post" action="/exceptions/${e.id}/retry" class="inline">
              <input type="hidden" name="_csrf" value="${session.csrf}" />
              <button type="submit">Retry</button>
            </form>
            <details>
              <summary>Discard…</summary>
              <form method="post" action="/exceptions/${e.id}/discard">
                <input type="hidden" name="_csrf" value="${session.csrf}" />
                <label
                  >Why is this order discarded?
                  <textarea name="reason" required minlength="3" maxlength="2000"></textarea>
                </label>
                <button type="submit" class="secondary">Discard</button>
              </form>
            </details>
          </section>`
        : null
    }
    <div class="side-by-side">
      <article>
        <header>Salesforce submitted</header>
        <pre>${json(view(e.submission))}</pre>
      </article>
      <article>
        <header>Odoo answered</header>
        <pre>${json(view(odoo))}</pre>
      </article>
    </div>
    <h2>History</h2>
    <table>
      <thead>
        <tr>
          <th>When</th>
          <th>Action</th>
          <th>By</th>
          <th>Note</th>
        </tr>
      </thead>
      <tbody>
        ${(e.actions ?? []).map(
          (a) =>
            html`<tr>
              <td>${a.at}</td>
              <td>${a.action}</td>
              <td>${a.actor}</td>
              <td>${a.note}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
