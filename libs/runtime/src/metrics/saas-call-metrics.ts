import { Counter, Histogram } from 'prom-client';
import { onOutboundHttpCall, OutboundHttpCall } from '../tracing/http-client-spans';
import type { HubMetrics } from './metrics';

/** The SaaS systems the hub calls, as the `system` label of the call metrics. */
export type SaasSystem = 'salesforce' | 'odoo' | 'zendesk' | 'freshdesk';

/** The vendors' own domains: a Salesforce instance URL or a desk's subdomain is known without configuration. */
const VENDOR_DOMAINS: [string, SaasSystem][] = [
  ['salesforce.com', 'salesforce'],
  ['force.com', 'salesforce'],
  ['odoo.com', 'odoo'],
  ['zendesk.com', 'zendesk'],
  ['freshdesk.com', 'freshdesk'],
];

/**
 * Which SaaS system an outbound call went to: by the origins the app is configured with (an Odoo on its own domain, a
 * sandbox on localhost), else by the vendor's domain. Other calls (the schema registry, Kafka Connect) are no SaaS
 * call and are not counted.
 */
export class SaasSystems {
  private readonly hosts = new Map<string, SaasSystem>();

  constructor(configured: { system: SaasSystem; url: string | undefined }[]) {
    for (const { system, url } of configured) {
      if (!url) continue;
      this.hosts.set(new URL(url).host.toLowerCase(), system);
    }
  }

  of(url: URL | undefined): SaasSystem | undefined {
    if (!url) return undefined;
    const configured = this.hosts.get(url.host.toLowerCase());
    if (configured) return configured;
    const hostname = url.hostname.toLowerCase();
    return VENDOR_DOMAINS.find(([domain]) => hostname === domain || hostname.endsWith(`.${domain}`))?.[1];
  }
}

/** Seconds from 5 ms to 2 minutes: a Salesforce composite call or an Odoo `load` of many rows takes seconds. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * `hub_saas_request_duration_seconds{system,method}` and `hub_saas_requests_total{system,method,status_code}` of every
 * call the app makes to a SaaS system, seen where the HTTP client spans are made. `status_code` is the HTTP status,
 * or `error` for a call that got no answer (refused, reset, timed out). Returns the unsubscribe.
 */
export function registerSaasCallMetrics(metrics: HubMetrics, systems: SaasSystems): () => void {
  const duration = new Histogram({
    name: 'hub_saas_request_duration_seconds',
    help: 'Outbound calls to SaaS systems, from the request to the response headers, by system and method.',
    labelNames: ['system', 'method'],
    buckets: CALL_BUCKETS,
    registers: [],
  });
  const requests = new Counter({
    name: 'hub_saas_requests_total',
    help: 'Outbound calls to SaaS systems by system, method and HTTP status (error: no answer).',
    labelNames: ['system', 'method', 'status_code'],
    registers: [],
  });
  metrics.register(duration, requests);
  return onOutboundHttpCall((call: OutboundHttpCall) => {
    const system = systems.of(call.url);
    if (!system) return;
    const method = call.method.toUpperCase();
    duration.observe({ system, method }, call.durationSeconds);
    requests.inc({ system, method, status_code: call.status === undefined ? 'error' : String(call.status) });
  });
}
