import type { ServiceStatus } from '../upstream/hub-services.client';
import type { MetricSample } from '../upstream/prometheus-text';
import { Html, html } from './html';

/** The metrics read first on the pipeline page: lag, the breakers' and the API budget's state, backlogs. */
const HEADLINE = [
  'hub_cdc_replication_slot_lag_bytes',
  'hub_consumer_records',
  'hub_salesforce_api_usage',
  'hub_salesforce_api_pacing',
  'hub_work_queue_open',
  'hub_work_queue_unpublished',
];

const labelsOf = (s: MetricSample) =>
  Object.entries(s.labels)
    .filter(([k]) => k !== 'app')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function samplesTable(samples: MetricSample[]): Html {
  return html`<table>
    <tbody>
      ${samples.map(
        (s) =>
          html`<tr>
            <td><code>${s.name}</code></td>
            <td>${labelsOf(s)}</td>
            <td>${Number.isFinite(s.value) ? s.value.toLocaleString('en') : String(s.value)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Each service: ready or not (and what is down), its consumer's breaker, its headline metrics, the rest folded. */
export function pipelinePage(statuses: ServiceStatus[]): Html {
  return html`${statuses.map((s) => {
    const breaker = s.checks.consumer?.breaker;
    const down = Object.entries(s.checks).filter(([, c]) => c.status === 'down');
    const headline = s.metrics.filter((m) => HEADLINE.includes(m.name));
    const rest = s.metrics.filter((m) => !HEADLINE.includes(m.name));
    return html`<article>
      <header>
        <strong>${s.service}</strong> <span class="status-${s.status}">${s.status}</span>
        ${breaker !== undefined ? html` · breaker <strong>${String(breaker)}</strong>` : null}
        <small> · ${s.url}</small>
      </header>
      ${s.problem ? html`<p class="status-error">${s.problem}</p>` : null}
      ${
        down.length
          ? html`<p class="status-error">
              down: ${down.map(([name, c]) => `${name} (${String(c.message ?? '')})`).join('; ')}
            </p>`
          : null
      }
      ${headline.length ? samplesTable(headline) : null}
      ${
        rest.length
          ? html`<details>
              <summary>${rest.length} more metrics</summary>
              ${samplesTable(rest)}
            </details>`
          : null
      }
    </article>`;
  })}`;
}
