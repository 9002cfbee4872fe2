/**
 * Freshdesk's automation rules with a "Trigger webhook" action, as the hub's setup guide configures them: one rule on
 * ticket creation, one on ticket updates, each POSTing the hub's JSON template, rendered, to one URL. Freshdesk signs
 * nothing: the rule authenticates with a custom header carrying a shared secret, or with "Requires authentication"
 * (basic auth; the secret as password, or as the API key, i.e. the user name with password `X`).
 *
 * A call that fails (no 2xx answer, or no answer) is retried after +5, +30 and +60 minutes, then given up (the
 * account admins get a "webhook failure" email: here, the delivery is marked `failed`). Those delays are
 * configurable and short by default so tests can watch retries; `scheduleMs` scales them.
 *
 * Only the ticket's own changes (create, `PUT /tickets/{id}`) fire the rules; a note does not (a rule on "Note is
 * added" is not emulated), so the hub's private notes never echo back.
 */
import type { Company, Contact, Ticket } from './record.store';

export type WebhookAuth =
  | { kind: 'header'; header: string; secret: string }
  | { kind: 'basic-password'; user: string; secret: string }
  | { kind: 'basic-api-key'; secret: string }
  | { kind: 'none' };

export interface WebhookSettings {
  url: string | undefined;
  auth: WebhookAuth;
  /** Delays before the retries (Freshdesk: 5, 30 and 60 minutes). */
  retryDelaysMs: number[];
  /** How long one call may take before it counts as failed. */
  timeoutMs: number;
}

export interface WebhookDelivery {
  id: number;
  event: 'ticket.created' | 'ticket.updated';
  ticketId: number;
  body: unknown;
  attempts: Array<{ at: string; status: number | null; error?: string }>;
  state: 'pending' | 'delivered' | 'failed';
}

const STATUS_NAMES: Record<number, string> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };
const PRIORITY_NAMES: Record<number, string> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };
const SOURCE_NAMES: Record<number, string> = {
  1: 'Email',
  2: 'Portal',
  3: 'Phone',
  7: 'Chat',
  9: 'Feedback Widget',
  10: 'Outbound Email',
};

/**
 * The hub's template (its webhooks guide, "Freshdesk") rendered as Freshdesk renders placeholders: names for status,
 * priority and source, an empty string for an empty value.
 */
export function renderHubTemplate(
  ticket: Ticket,
  requester: Contact | undefined,
  company: Company | undefined,
): unknown {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return {
    ticket: {
      id: String(ticket.id),
      created_at: ticket.created_at,
      updated_at: ticket.updated_at,
      subject: ticket.subject,
      status: STATUS_NAMES[ticket.status] ?? String(ticket.status),
      priority: PRIORITY_NAMES[ticket.priority] ?? String(ticket.priority),
      source: SOURCE_NAMES[ticket.source] ?? String(ticket.source),
      requester: { name: text(requester?.name), email: text(requester?.email) },
      company: { name: text(company?.name) },
      order_reference: text(ticket.custom_fields['cf_order_reference']),
      invoice_reference: text(ticket.custom_fields['cf_invoice_reference']),
      // {{ticket.tags}} renders the tags separated by commas.
      tags: (ticket.tags ?? []).join(', '),
    },
  };
}

export function authHeaders(auth: WebhookAuth): Record<string, string> {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  switch (auth.kind) {
    case 'header':
      return { [auth.header]: auth.secret };
    case 'basic-password':
      return { Authorization: basic(auth.user, auth.secret) };
    case 'basic-api-key':
      return { Authorization: basic(auth.secret, 'X') };
    case 'none':
      return {};
  }
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<void>>();
  private nextId = 0;

  constructor(public settings: WebhookSettings) {}

  /** Queues the rule's call for a ticket change; the first attempt goes at once, in the background. */
  fire(event: WebhookDelivery['event'], ticketId: number, body: unknown): void {
    if (!this.settings.url) return;
    const delivery: WebhookDelivery = { id: ++this.nextId, event, ticketId, body, attempts: [], state: 'pending' };
    this.deliveries.push(delivery);
    this.track(this.attempt(delivery));
  }

  /** Resolves once nothing is in flight and no retry is scheduled (for tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size || this.timers.size) {
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  clear(): void {
    this.close();
    this.deliveries.length = 0;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const at = new Date().toISOString();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(this.settings.url!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Freshdesk', ...authHeaders(this.settings.auth) },
        body: JSON.stringify(delivery.body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    delivery.attempts.push({ at, status, ...(error ? { error } : {}) });
    if (status !== null && status >= 200 && status < 300) {
      delivery.state = 'delivered';
      return;
    }
    const delay = this.settings.retryDelaysMs[delivery.attempts.length - 1];
    if (delay === undefined) {
      delivery.state = 'failed';
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(delivery));
    }, delay);
    this.timers.add(timer);
  }
}
