import type { ServiceBusinessHealth, ServiceStatus } from '../upstream/hub-services.client';
import type { MetricSample } from '../upstream/prometheus-text';
import { Html, html } from './html';

/** A wait in the largest unit that keeps it readable: 45 s, 12 min, 3.5 h, 2.0 d. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3_600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** What the glance row shows of one service, read from its readiness and metrics; absent facts stay absent. */
export interface Glance {
  service: string;
  status: ServiceStatus['status'];
  breaker?: string;
  /** Sum of every `*lag*` sample but the replication slot's (bytes, shown apart). */
  lag?: number;
  slotLagBytes?: number;
  slotPresent?: boolean;
  capture?: string;
  /** Salesforce API calls used of the allowance, from Sforce-Limit-Info. */
  apiBudget?: { used: number; max: number };
  down: string[];
}

const sum = (samples: MetricSample[]) => samples.reduce((n, s) => n + (Number.isFinite(s.value) ? s.value : 0), 0);

export function glanceOf(s: ServiceStatus): Glance {
  const named = (name: string) => s.metrics.filter((m) => m.name === name);
  const lagSamples = s.metrics.filter((m) => /lag/.test(m.name) && !m.name.startsWith('hub_cdc_replication_slot'));
  const slot = named('hub_cdc_replication_slot_lag_bytes')[0];
  const present = named('hub_cdc_replication_slot_present')[0];
  const capture = named('hub_cdc_connector_state').find((m) => m.value === 1);
  const used = named('hub_salesforce_api_usage').find((m) => m.labels.kind === 'used');
  const max = named('hub_salesforce_api_usage').find((m) => m.labels.kind === 'max');
  const breaker = s.checks.consumer?.breaker;
  return {
    service: s.service,
    status: s.status,
    ...(breaker !== undefined && breaker !== 'none' ? { breaker: String(breaker) } : {}),
    ...(lagSamples.length ? { lag: sum(lagSamples) } : {}),
    ...(slot && Number.isFinite(slot.value) ? { slotLagBytes: slot.value } : {}),
    ...(present ? { slotPresent: present.value === 1 } : {}),
    ...(capture ? { capture: capture.labels.state } : {}),
    ...(used && max ? { apiBudget: { used: used.value, max: max.value } } : {}),
    down: Object.entries(s.checks)
      .filter(([, c]) => c.status === 'down')
      .map(([name, c]) => `${name}${c.message ? ` (${String(c.message)})` : ''}`),
  };
}

const labelsOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function businessSection(health: ServiceBusinessHealth[]): Html {
  const withFigures = health.filter((h) => h.status !== 'none');
  if (!withFigures.length) return html`<p>No service reports business figures.</p>`;
  return html`<table>
      <thead>
        <tr>
          <th>Service</th>
          <th>Figure</th>
          <th>Labels</th>
          <th>Count</th>
          <th>Oldest waiting</th>
        </tr>
      </thead>
      <tbody>
        ${withFigures.map((h) =>
          h.status === 'unreachable'
            ? html`<tr>
                <td>${h.service}</td>
                <td colspan="4" class="status-error">unreachable: ${h.problem ?? ''}</td>
              </tr>`
            : h.figures.map(
                (f) =>
                  html`<tr data-metric="${f.metric}">
                    <td>${h.service}</td>
                    <td>${f.title}</td>
                    <td><small>${labelsOf(f.labels)}</small></td>
                    <td class="${f.count > 0 ? 'status-error' : 'status-ok'}"><strong>${f.count}</strong></td>
                    <td>${formatAge(f.oldestAgeSeconds)}</td>
                  </tr>`,
              ),
        )}
      </tbody>
    </table>
    ${withFigures
      .filter((h) => h.notes.length)
      .map(
        (h) =>
          html`<p>
            <small><strong>${h.service}</strong>: ${h.notes.join(' ')}</small>
          </p>`,
      )}`;
}

function glanceSection(statuses: ServiceStatus[]): Html {
  const rows = statuses.map(glanceOf);
  return html`<table>
    <thead>
      <tr>
        <th>Service</th>
        <th>Ready</th>
        <th>Breaker</th>
        <th>Consumer lag</th>
        <th>Capture</th>
        <th>API budget</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (g) =>
          html`<tr>
            <td>${g.service}</td>
            <td>
              <span class="status-${g.status}">${g.status}</span>
              ${g.down.length ? html`<br /><small class="status-error">down: ${g.down.join('; ')}</small>` : null}
            </td>
            <td>${g.breaker ?? '—'}</td>
            <td>${g.lag !== undefined ? g.lag.toLocaleString('en') : '—'}</td>
            <td>
              ${g.capture ?? ''}
              ${g.slotPresent === false ? html`<span class="status-error">slot missing</span>` : null}
              ${g.slotLagBytes !== undefined ? html`<small>slot lag ${g.slotLagBytes.toLocaleString('en')} B</small>` : null}
              ${g.capture === undefined && g.slotPresent === undefined && g.slotLagBytes === undefined ? '—' : null}
            </td>
            <td>
              ${
                g.apiBudget
                  ? `${g.apiBudget.used.toLocaleString('en')} of ${g.apiBudget.max.toLocaleString('en')} used`
                  : '—'
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Business health and the pipeline at a glance: what waits, for how long, and whether the services can move it. */
export function healthPage(health: ServiceBusinessHealth[], statuses: ServiceStatus[]): Html {
  return html`<section>
      <h2>Business health</h2>
      <p><small>Records waiting between systems, counted by each service from its own store.</small></p>
      ${businessSection(health)}
    </section>
    <section>
      <h2>Pipeline at a glance</h2>
      ${glanceSection(statuses)}
      <p><a href="/pipeline">Every service's readiness and metrics</a></p>
    </section>`;
}
