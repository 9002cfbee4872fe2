import { parsePrometheusText, type MetricSample } from './prometheus-text';
import { fetchJson, UpstreamError } from './upstream.errors';

/** A dead letter as an app's `GET /dead-letters` lists it (libs/resilience DeadLetterEntry). */
export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  vendorCode?: string;
  message: string;
  detail?: unknown;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  attempts: number;
  consumer: string;
  failedAt: string;
  replayOf?: string;
}

/** One figure of an app's `GET /business-health` (libs/runtime BusinessFigure). */
export interface BusinessFigure {
  metric: string;
  labels: Record<string, string>;
  title: string;
  count: number;
  oldestAgeSeconds: number | null;
}

/** An app's business health as the console got it: its figures, or why there are none. */
export interface ServiceBusinessHealth {
  service: string;
  /** `ok`, `none` (the app computes no business figures: 404), or `unreachable`. */
  status: 'ok' | 'none' | 'unreachable';
  checkedAt?: string;
  figures: BusinessFigure[];
  notes: string[];
  problem?: string;
}

export interface ServiceStatus {
  service: string;
  url: string;
  /** `ok`, `error` (an app's dependency is down), or `unreachable`. */
  status: 'ok' | 'error' | 'unreachable';
  /** The readiness checks by name (kafka, schemaRegistry, consumer with its breaker state…). */
  checks: Record<string, Record<string, unknown>>;
  /** The app's `hub_*` samples; empty when it serves no metrics. */
  metrics: MetricSample[];
  problem?: string;
}

/** A page of an app's dead letters (`GET /dead-letters`): `held` counts the whole topic, `next` the following page. */
export interface DeadLetterPage {
  topic: string;
  held: number;
  entries: DeadLetter[];
  next: string | null;
}

/**
 * The hub's apps as their HTTP APIs show them: dead letters (list, replay) and readiness and metrics, by the names
 * of HUB_SERVICES. Reads and replays through each app's own endpoints with the console's operator token, naming the
 * signed-in user (`X-Hub-Actor`), so each app logs and records `console:<user>`; the console keeps nothing.
 */
export class HubServicesClient {
  constructor(
    readonly services: ReadonlyMap<string, string>,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  private headers(actor: string): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, accept: 'application/json', 'x-hub-actor': actor };
  }

  private urlOf(service: string): string {
    const url = this.services.get(service);
    if (!url) throw new UpstreamError(service, 404, `no service ${service} in HUB_SERVICES`);
    return url;
  }

  /** One page of a service's dead letters, read for the signed-in user `actor`. */
  async deadLetters(
    service: string,
    actor: string,
    page: { reason?: string; limit?: number; after?: string } = {},
  ): Promise<DeadLetterPage> {
    const query = new URLSearchParams();
    if (page.reason) query.set('reason', page.reason);
    if (page.limit) query.set('limit', String(page.limit));
    if (page.after) query.set('after', page.after);
    const url = `${this.urlOf(service)}/dead-letters${query.size ? `?${query}` : ''}`;
    return fetchJson(service, url, { method: 'GET', headers: this.headers(actor) }, this.timeoutMs);
  }

  /** Replays as `console:<actor>` (the app records who in its audit trail). */
  async replay(
    service: string,
    selection: { offsets: string[] } | { reason: string } | { all: true },
    actor: string,
  ): Promise<{ replayed: number }> {
    return fetchJson(
      service,
      `${this.urlOf(service)}/dead-letters/replay`,
      {
        method: 'POST',
        headers: { ...this.headers(actor), 'content-type': 'application/json' },
        body: JSON.stringify(selection),
      },
      this.timeoutMs,
    );
  }

  /** Every service's readiness and metrics, asked at once; an app that does not answer is shown unreachable. */
  statuses(): Promise<ServiceStatus[]> {
    return Promise.all([...this.services].map(([service, url]) => this.statusOf(service, url)));
  }

  /** Every service's business figures (`GET /business-health`), asked at once. */
  businessHealth(): Promise<ServiceBusinessHealth[]> {
    return Promise.all([...this.services].map(([service, url]) => this.businessHealthOf(service, url)));
  }

  private async businessHealthOf(service: string, url: string): Promise<ServiceBusinessHealth> {
    try {
      const res = await fetch(`${url}/business-health`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status === 404) return { service, status: 'none', figures: [], notes: [] };
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { checkedAt?: string; figures?: BusinessFigure[]; notes?: string[] };
      return {
        service,
        status: 'ok',
        checkedAt: body.checkedAt,
        figures: Array.isArray(body.figures) ? body.figures : [],
        notes: Array.isArray(body.notes) ? body.notes : [],
      };
    } catch (error) {
      return { service, status: 'unreachable', figures: [], notes: [], problem: (error as Error).message };
    }
  }

  private async statusOf(service: string, url: string): Promise<ServiceStatus> {
    const signal = () => AbortSignal.timeout(this.timeoutMs);
    const [ready, metrics] = await Promise.allSettled([
      // 503 is an answer too: terminus lists what is down in the body.
      fetch(`${url}/health/ready`, { signal: signal() }).then(
        async (r) => (await r.json()) as { status: string; details?: Record<string, Record<string, unknown>> },
      ),
      fetch(`${url}/metrics`, { signal: signal() }).then(async (r) => (r.ok ? r.text() : '')),
    ]);
    if (ready.status === 'rejected') {
      return {
        service,
        url,
        status: 'unreachable',
        checks: {},
        metrics: [],
        problem: (ready.reason as Error).message,
      };
    }
    return {
      service,
      url,
      status: ready.value.status === 'ok' ? 'ok' : 'error',
      checks: ready.value.details ?? {},
      metrics: metrics.status === 'fulfilled' ? parsePrometheusText(metrics.value, 'hub_') : [],
    };
  }
}
