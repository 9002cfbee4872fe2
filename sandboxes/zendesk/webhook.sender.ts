import { createHmac, randomUUID } from 'node:crypto';

import type { Organization, SupportStore, Ticket, User } from './support.store';

/** Where and how the sandbox sends the webhooks a Zendesk webhook subscribed to ticket events would. */
export interface WebhookOptions {
  endpoints: string[];
  /** The webhook's signing secret, used as its literal string as the HMAC key (verifying page [V]). */
  signingSecret: string;
  /**
   * `events`: event subscriptions, Zendesk's fixed envelope (`zen:event-type:ticket.*`, saas-apis B3);
   * `trigger`: the hub's trigger template (docs/webhooks.md), which carries the order and invoice references.
   */
  format: 'events' | 'trigger';
  /** Attempts per delivery (the first included); a non-2xx answer or a network error is retried. */
  maxAttempts: number;
  retryDelayMs: number;
}

export interface Delivery {
  endpoint: string;
  eventType: string;
  invocationId: string;
  body: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
}

/** base64(HMAC-SHA256(key = secret, message = TIMESTAMP + BODY)): the current "verifying webhooks" page [V]. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp).update(body).digest('base64');
}

const STATUS_NAMES: Record<string, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  hold: 'On-hold',
  solved: 'Solved',
  closed: 'Closed',
};
const capitalised = (v: string | null) => (v ? v[0]!.toUpperCase() + v.slice(1) : '');
const idText = (v: number | null) => (v === null ? null : String(v));

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private options: WebhookOptions,
    private readonly store: SupportStore,
    private readonly references: { orderFieldId: number; invoiceFieldId: number },
    private readonly accountId = 22_129_848,
  ) {}

  configure(change: Partial<WebhookOptions>): void {
    this.options = { ...this.options, ...change };
  }

  get settings(): Readonly<WebhookOptions> {
    return this.options;
  }

  /** Resolves once every delivery started so far has ended (delivered or out of attempts). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  clear(): void {
    this.deliveries.length = 0;
  }

  /**
   * A ticket was created or updated: one event per changed field the event catalogue names (`ticket.created`,
   * `status_changed`, `priority_changed`, `subject_changed`, `comment_added`), or one trigger body per write.
   */
  ticketChanged(
    ticket: Ticket,
    change: { created: boolean; changed: string[]; previous: Partial<Ticket>; commentAdded: boolean },
  ): void {
    if (!this.options.endpoints.length) return;
    if (this.options.format === 'trigger') {
      this.send('trigger', this.triggerBody(ticket));
      return;
    }
    const events: Array<[string, unknown]> = [];
    if (change.created) events.push(['ticket.created', { meta: { sequence: null } }]);
    else {
      for (const field of ['status', 'priority', 'subject'] as const) {
        if (change.changed.includes(field)) {
          const upper = (v: unknown) => (field === 'subject' ? v : typeof v === 'string' ? v.toUpperCase() : v);
          events.push([
            `ticket.${field}_changed`,
            { current: upper(ticket[field]), previous: upper(change.previous[field] ?? null) },
          ]);
        }
      }
      if (change.commentAdded)
        events.push(['ticket.comment_added', { comment: { id: 'see the ticket', is_public: false } }]);
    }
    for (const [type, event] of events) this.send(`zen:event-type:${type}`, this.eventBody(ticket, type, event));
  }

  private eventBody(ticket: Ticket, type: string, event: unknown): Record<string, unknown> {
    return {
      account_id: this.accountId,
      detail: {
        actor_id: String(this.store.apiUser.id),
        assignee_id: idText(ticket.assignee_id),
        brand_id: '360000000001',
        created_at: ticket.created_at,
        custom_status: null,
        description: ticket.description,
        external_id: ticket.external_id,
        form_id: '360000000002',
        group_id: idText(ticket.group_id),
        id: String(ticket.id),
        is_public: ticket.is_public,
        organization_id: idText(ticket.organization_id),
        // Event payloads send status, priority and type in upper case (saas-apis B3 [V]); `hold` is HOLD.
        priority: ticket.priority ? ticket.priority.toUpperCase() : null,
        requester_id: String(ticket.requester_id),
        status: ticket.status.toUpperCase(),
        subject: ticket.subject,
        submitter_id: String(ticket.submitter_id),
        tags: ticket.tags,
        type: ticket.type ? ticket.type.toUpperCase() : null,
        updated_at: ticket.updated_at,
        via: { channel: ticket.via.channel },
      },
      event,
      id: randomUUID(),
      subject: `zen:ticket:${ticket.id}`,
      time: new Date().toISOString(),
      type: `zen:event-type:${type}`,
      zendesk_event_version: '2022-11-06',
    };
  }

  /** The hub's template rendered: placeholders give display names, empty strings for what is unset. */
  private triggerBody(ticket: Ticket): Record<string, unknown> {
    const requester: User | undefined = this.store.users.get(ticket.requester_id);
    const org: Organization | undefined =
      ticket.organization_id === null ? undefined : this.store.organizations.get(ticket.organization_id);
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    return {
      ticket: {
        id: String(ticket.id),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        subject: text(ticket.subject),
        status: STATUS_NAMES[ticket.status],
        priority: capitalised(ticket.priority),
        // {{ticket.via}} renders the channel's display name; an API-created ticket's is "Web Service" [H].
        via: ticket.via.channel === 'api' ? 'Web Service' : capitalised(ticket.via.channel),
        requester: { id: text(requester?.id), name: text(requester?.name), email: text(requester?.email) },
        organization: { id: text(org?.id), name: text(org?.name) },
        order_reference: text(this.store.customFieldValue(ticket, this.references.orderFieldId)),
        invoice_reference: text(this.store.customFieldValue(ticket, this.references.invoiceFieldId)),
        // {{ticket.tags}} renders the tags separated by spaces.
        tags: ticket.tags.join(' '),
      },
    };
  }

  private send(eventType: string, payload: Record<string, unknown>): void {
    const body = JSON.stringify(payload);
    const invocationId = String(Math.floor(Math.random() * 9e9) + 1e9);
    for (const endpoint of this.options.endpoints) {
      const delivery: Delivery = {
        endpoint,
        eventType,
        invocationId,
        body,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        delivered: false,
      };
      this.deliveries.push(delivery);
      const run = this.deliver(delivery).finally(() => this.pending.delete(run));
      this.pending.add(run);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { maxAttempts, retryDelayMs, signingSecret } = this.options;
    while (delivery.attempts < maxAttempts) {
      delivery.attempts++;
      // Signed per attempt: a retry carries a fresh timestamp, so a replay window does not refuse it.
      const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      try {
        const response = await fetch(delivery.endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'Zendesk Webhook',
            'X-Zendesk-Webhook-Id': '01HZSANDBOXWEBHOOK',
            'X-Zendesk-Webhook-Invocation-Id': delivery.invocationId,
            'X-Zendesk-Webhook-Signature': signWebhook(signingSecret, timestamp, delivery.body),
            'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
          },
          body: delivery.body,
          signal: AbortSignal.timeout(12_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        delivery.lastStatus = response.status;
        delivery.lastError = null;
        if (response.ok) {
          delivery.delivered = true;
          return;
        }
      } catch (error) {
        delivery.lastError = error instanceof Error ? error.message : String(error);
      }
      if (delivery.attempts < maxAttempts) await new Promise((r) => setTimeout(r, retryDelayMs));
    }
  }
}
