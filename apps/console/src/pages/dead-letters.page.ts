import { mayAct } from '../auth/roles';
import type { Session } from '../auth/session.store';
import type { DeadLetterPage } from '../upstream/hub-services.client';
import { Html, html } from './html';
import { age, json } from './layout';
import { redactPersonalData } from './redact';

/** Every service of HUB_SERVICES with how many dead letters its topic holds (or why that is unknown). */
export function deadLetterServicesPage(counts: { service: string; count?: number; problem?: string }[]): Html {
  return html`<table>
    <thead>
      <tr>
        <th>Service</th>
        <th>Dead letters</th>
      </tr>
    </thead>
    <tbody>
      ${counts.map(
        (c) =>
          html`<tr>
            <td><a href="/dead-letters/${c.service}">${c.service}</a></td>
            <td>${c.count ?? html`<span class="status-error">${c.problem}</span>`}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * One page of a service's dead letters, oldest first (the app's order, by partition and offset): reason, message,
 * where it came from, a link to the next page; replay one, or all (of the reason filtered by), for operators.
 */
export function deadLettersPage(
  service: string,
  page: DeadLetterPage,
  session: Session,
  reason: string | undefined,
  now = Date.now(),
): Html {
  const { topic, held, entries: shown, next } = page;
  const act = mayAct(session.user!.role);
  const csrf = html`<input type="hidden" name="_csrf" value="${session.csrf}" />`;
  const reasons = [...new Set([...shown.map((e) => e.reason), ...(reason ? [reason] : [])])].sort();
  const nextUrl = next
    ? `/dead-letters/${service}?${new URLSearchParams({ ...(reason ? { reason } : {}), after: next })}`
    : null;
  return html`<p>
      Topic <code>${topic}</code>: ${shown.length} shown${reason ? html` of reason ${reason}` : null}, ${held} held
      ${nextUrl ? html` · <a href="${nextUrl}">next page</a>` : null}
    </p>
    <form method="get" action="/dead-letters/${service}" class="filters">
      <label
        >Reason
        <select name="reason">
          <option value="">any</option>
          ${reasons.map((r) => html`<option value="${r}" ${r === reason ? html`selected` : null}>${r}</option>`)}
        </select></label
      >
      <button type="submit">Filter</button>
    </form>
    ${
      act && shown.length
        ? html`<form method="post" action="/dead-letters/${service}/replay" class="inline">
            ${csrf}${
              reason
                ? html`<input type="hidden" name="reason" value="${reason}" />
                    <button type="submit" class="secondary">Replay all of ${reason}</button>`
                : html`<input type="hidden" name="all" value="true" />
                    <button type="submit" class="secondary">Replay all ${held}</button>`
            }
          </form>`
        : null
    }
    <table>
      <thead>
        <tr>
          <th>Offset</th>
          <th>Key</th>
          <th>Reason</th>
          <th>Message</th>
          <th>From</th>
          <th>Failed</th>
          ${act ? html`<th></th>` : null}
        </tr>
      </thead>
      <tbody>
        ${shown.map(
          (e) =>
            html`<tr>
              <td>
                ${e.partition}:${e.offset}${e.replayOf ? html`<br /><small>replay of ${e.replayOf}</small>` : null}
              </td>
              <td>${e.key}</td>
              <td>${e.reason}${e.vendorCode ? html`<br /><small>${e.vendorCode}</small>` : null}</td>
              <td>
                ${act ? e.message : (redactPersonalData(e.message) as string)}
                ${
                  e.detail !== undefined
                    ? html`<details>
                        <summary>detail</summary>
                        <pre>${json(act ? e.detail : redactPersonalData(e.detail))}</pre>
                      </details>`
                    : null
                }
              </td>
              <td>
                <small
                  >${e.sourceTopic}/${e.sourcePartition}/${e.sourceOffset}<br />${e.consumer}, ${e.attempts}
                  attempt(s)</small
                >
              </td>
              <td title="${e.failedAt}">${e.failedAt ? age(e.failedAt, now) : ''}</td>
              ${
                act
                  ? html`<td>
                      <form method="post" action="/dead-letters/${service}/replay" class="inline">
                        ${csrf}<input type="hidden" name="offset" value="${e.partition}:${e.offset}" />
                        <button type="submit">Replay</button>
                      </form>
                    </td>`
                  : null
              }
            </tr>`,
        )}
      </tbody>
    </table>`;
}
