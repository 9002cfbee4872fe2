import type { AuditEntry } from '../upstream/audit.client';
import { Html, html } from './html';

export interface HistoryQuery {
  by: 'recordId' | 'canonicalId';
  id?: string;
  after?: string;
}

/** How many hex digits of a field's hash the page shows: enough to compare two writes by eye. */
const HASH_SHOWN = 12;

/** A trace's page in Jaeger's UI, when a trace id is known (`JAEGER_UI_URL/trace/<id>`). */
export const traceLink = (jaegerUiUrl: string, traceId: string | null): Html | null =>
  traceId && /^[0-9a-f]{32}$/.test(traceId)
    ? html`<a href="${`${jaegerUiUrl}/trace/${traceId}`}" class="trace" rel="noopener" target="_blank"
        >${traceId.slice(0, 12)}…</a
      >`
    : null;

const record = (e: AuditEntry): Html =>
  html`${e.system ? html`<strong>${e.system}</strong> ` : null}${e.object ?? ''} <br /><small
      ><code>${e.externalId ?? ''}</code>${e.targetId ? html` · <code>${e.targetId}</code>` : null}</small
    >`;

const what = (e: AuditEntry): Html =>
  e.kind === 'operator-action'
    ? html`<strong>${e.action ?? ''}</strong> by <code>${e.actor ?? ''}</code>`
    : html`${
        e.fields.length
          ? e.fields.map((f) => html`<code title="${f.hash}">${f.name}:${f.hash.slice(0, HASH_SHOWN)}</code> `)
          : html`<small>no fields</small>`
      }`;

const source = (e: AuditEntry): Html | null =>
  e.sourceSystem
    ? html`${e.sourceSystem} @ <code>${e.sourcePosition ?? ''}</code>${
          e.eventId ? html`<br /><small>event <code>${e.eventId}</code></small>` : null
        }`
    : null;

/**
 * A record's history from the audit trail: the search form (any id of the record, or a canonical id), then one row
 * per entry in time order — what was written where (field names and the start of each value's keyed hash, never a
 * value), from which event, with what outcome, and a link to the write's trace in Jaeger.
 */
export function recordHistoryPage(
  query: HistoryQuery,
  result: { entries: AuditEntry[]; next: string | null } | undefined,
  jaegerUiUrl: string,
): Html {
  const form = html`<form method="get" action="/history" class="filters">
    <select name="by" aria-label="Search by">
      <option value="recordId" ${query.by === 'recordId' ? 'selected' : ''}>Record id</option>
      <option value="canonicalId" ${query.by === 'canonicalId' ? 'selected' : ''}>Canonical id</option>
    </select>
    <input
      type="search"
      name="id"
      value="${query.id ?? ''}"
      placeholder="a Salesforce Id, odoo-sale-order-42, hub.salesforce_order_…"
      aria-label="Id"
      required
    />
    <button type="submit">Show history</button>
  </form>`;
  if (!result) {
    return html`${form}
      <p>
        Every write the hub made into Salesforce, Odoo or the support desk, and every operator action, for one record:
        give any of its ids.
      </p>`;
  }
  if (result.entries.length === 0)
    return html`${form}
      <p>No audit entries for <code>${query.id ?? ''}</code>.</p>`;
  return html`${form}
    <table class="history">
      <thead>
        <tr>
          <th>When</th>
          <th>Record</th>
          <th>Written / action</th>
          <th>Outcome</th>
          <th>From</th>
          <th>Trace</th>
        </tr>
      </thead>
      <tbody>
        ${result.entries.map(
          (e) =>
            html`<tr data-entry="${e.id}">
              <td><time datetime="${e.occurredAt}">${e.occurredAt.replace('T', ' ').replace('Z', '')}</time></td>
              <td>${record(e)}</td>
              <td>${what(e)}</td>
              <td>
                <span class="outcome-${e.outcome}">${e.outcome}</span>${
                  e.reason ? html`<br /><small>${e.reason}</small>` : null
                }
              </td>
              <td>${source(e)}</td>
              <td>${traceLink(jaegerUiUrl, e.traceId)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      result.next
        ? html`<p>
            <a
              href="${`/history?${new URLSearchParams({ by: query.by, id: query.id ?? '', after: result.next })}`}"
              role="button"
              class="secondary"
              >Later entries</a
            >
          </p>`
        : null
    }`;
}
