import { mayAct } from '../auth/roles';
import type { Session } from '../auth/session.store';
import type { DeadLetter } from '../upstream/hub-services.client';
import { Html, html } from './html';
import { age, json } from './layout';
import { redactPersonalData } from './redact';

/** Every service of HUB_SERVICES with how many dead letters it holds (or why that is unknown). */
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

/** One service's dead letters, newest first: reason, message, where it came from; replay one or all for operators. */
export function deadLettersPage(
  service: string,
  topic: string,
  entries: DeadLetter[],
  session: Session,
  reason: string | undefined,
  now = Date.now(),
): Html {
  const act = mayAct(session.user!.role);
  const csrf = html`<input type="hidden" name="_csrf" value="${session.csrf}" />`;
  const reasons = [...new Set(entries.map((e) => e.reason))].sort();
  const shown = [...entries].filter((e) => !reason || e.reason === reason).reverse();
  return html`<p>Topic <code>${topic}</code>: ${shown.length} of ${entries.length} dead letters</p>
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
      act && entries.length
        ? html`<form method="post" action="/dead-letters/${service}/replay" class="inline">
            ${csrf}<input type="hidden" name="all" value="true" />
            <button type="submit" class="secondary">Replay all ${entries.length}</button>
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
              <td>${e.offset}${e.replayOf ? html`<br /><small>replay of ${e.replayOf}</small>` : null}</td>
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
                        ${csrf}<input type="hidden" name="offset" value="${e.offset}" />
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
