import { Counter, Registry } from 'prom-client';
import type { IntakeResult } from '../../intake/intake.port';
import type { WebhookOutcome, WebhookSource } from './webhook.errors';

/** The outcome of a request the intake took: something published, only duplicates, or nothing it handles. */
export const outcomeOf = (result: IntakeResult) =>
  result.published > 0 ? 'accepted' : result.duplicates > 0 ? 'duplicate' : 'ignored';

/** Event types are vendor vocabulary; anything else would be a label an authenticated sender could inflate. */
const PLAIN_EVENT_TYPE = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * The webhook front doors' counters, registered on the app's Prometheus registry (the `HubMetrics` one when the
 * parent module provides it). Body-parser refusals (413, unparsable JSON) happen before routing and are not counted
 * here.
 */
export class WebhookMetrics {
  private readonly requests: Counter<'source' | 'outcome'>;
  private readonly ignored: Counter<'source' | 'event_type'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'hub_webhook_requests_total',
      help: 'Webhook requests answered by ingress, by source and outcome.',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    });
    this.ignored = new Counter({
      name: 'hub_webhook_ignored_events_total',
      help: 'Well-formed, authenticated webhook events of a type the hub does not handle (answered 2xx), by type.',
      labelNames: ['source', 'event_type'],
      registers: [registry],
    });
  }

  request(source: WebhookSource, outcome: WebhookOutcome): void {
    this.requests.inc({ source, outcome });
  }

  ignoredEvent(source: WebhookSource, eventType: string): void {
    this.ignored.inc({ source, event_type: PLAIN_EVENT_TYPE.test(eventType) ? eventType : 'other' });
  }
}
