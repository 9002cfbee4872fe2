import { fetchJson } from './upstream.errors';

export type ExceptionStatus = 'open' | 'resolved' | 'discarded';

/** An order exception as projector-odoo's work queue answers it (`GET /work-queue/exceptions/:id`). */
export interface OrderException {
  id: string;
  orderId: string;
  salesforceOrderId: string;
  kind: string;
  reason: string;
  status: ExceptionStatus;
  /** The order as Salesforce submitted it. */
  submission: Record<string, unknown>;
  /** What Odoo answered: customer, lines, credit or stock figures, Odoo's error. */
  context: Record<string, unknown>;
  ownerId: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  actions?: { action: string; actor: string; note: string | null; at: string }[];
}

export interface RetryOutcome {
  outcome:
    { status: 'confirmed'; name: string } | { status: 'exception'; exception: OrderException } | { status: string };
}

/**
 * projector-odoo's work-queue API, called server-side with the console's own token. Actions name the signed-in user
 * in `X-Hub-Actor`, so projector-odoo records them as `console:<user>`; the console keeps no copy of the queue.
 */
export class WorkQueueClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  async list(filter: { status?: ExceptionStatus; kind?: string; limit?: number }): Promise<OrderException[]> {
    const query = new URLSearchParams();
    if (filter.status) query.set('status', filter.status);
    if (filter.kind) query.set('kind', filter.kind);
    query.set('limit', String(filter.limit ?? 500));
    const body = await this.call<{ exceptions: OrderException[] }>('GET', `?${query}`);
    return body.exceptions;
  }

  show(id: string): Promise<OrderException> {
    return this.call('GET', `/${encodeURIComponent(id)}`);
  }

  retry(id: string, actor: string): Promise<RetryOutcome> {
    return this.call('POST', `/${encodeURIComponent(id)}/retry`, actor);
  }

  discard(id: string, actor: string, reason: string): Promise<OrderException> {
    return this.call('POST', `/${encodeURIComponent(id)}/discard`, actor, { reason });
  }

  private call<T>(method: 'GET' | 'POST', path: string, actor?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (actor) headers['x-hub-actor'] = actor;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetchJson<T>(
      'projector-odoo',
      `${this.baseUrl}/work-queue/exceptions${path}`,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      this.timeoutMs,
    );
  }
}
