import { randomUUID } from 'node:crypto';
import type { OrderSubmission } from '@hub/canonical';
import { activeTraceParent, HubDatabase } from '@hub/runtime';
import type { ExceptionKind } from '../orders/order-rules';

export type ExceptionStatus = 'open' | 'resolved' | 'discarded';

export interface OrderExceptionRecord {
  id: string;
  orderId: string;
  salesforceOrderId: string;
  kind: ExceptionKind;
  reason: string;
  status: ExceptionStatus;
  submission: OrderSubmission;
  context: Record<string, unknown>;
  ownerId: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface ExceptionAction {
  action: string;
  actor: string;
  note: string | null;
  at: string;
}

interface Row {
  id: string;
  order_id: string;
  salesforce_order_id: string;
  kind: ExceptionKind;
  reason: string;
  status: ExceptionStatus;
  submission: OrderSubmission;
  context: Record<string, unknown>;
  owner_id: string | null;
  attempts: number;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

const toRecord = (r: Row): OrderExceptionRecord => ({
  id: r.id,
  orderId: r.order_id,
  salesforceOrderId: r.salesforce_order_id,
  kind: r.kind,
  reason: r.reason,
  status: r.status,
  submission: r.submission,
  context: r.context,
  ownerId: r.owner_id,
  attempts: r.attempts,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  closedAt: r.closed_at?.toISOString() ?? null,
});

/**
 * The work queue's storage: one open exception per order at most, and every action on it with its actor. Writes are
 * single statements (or one CTE), so a crash leaves either the old or the new state. Submissions are stored as the
 * decoded record, with Avro decimals as their strings and timestamps as numbers: JSON keeps both exactly.
 */
export class OrderExceptionRepository {
  private readonly listeners: (() => void)[] = [];
  private readonly raisedCounts = new Map<string, number>();

  constructor(private readonly db: HubDatabase) {}

  /** Called after every committed change of an exception (raised, updated, closed): the outbox publishes it. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Opens the order's exception, or updates the open one (a new reason, context, one more attempt). */
  async raise(
    submission: OrderSubmission,
    kind: ExceptionKind,
    reason: string,
    context: Record<string, unknown>,
    actor: string,
  ): Promise<OrderExceptionRecord> {
    const { rows } = await this.db.query<Row & { inserted: boolean }>(
      `WITH upserted AS (
         INSERT INTO odoo_order_exception
           (id, order_id, salesforce_order_id, kind, reason, status, submission, context, owner_id, trace_parent)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $10)
         ON CONFLICT (order_id) WHERE status = 'open' DO UPDATE
           SET kind = EXCLUDED.kind, reason = EXCLUDED.reason, submission = EXCLUDED.submission,
               context = EXCLUDED.context, owner_id = EXCLUDED.owner_id, trace_parent = EXCLUDED.trace_parent,
               attempts = odoo_order_exception.attempts + 1, updated_at = now(),
               version = nextval('odoo_order_exception_version')
         RETURNING *, (xmax = 0) AS inserted
       ), logged AS (
         INSERT INTO odoo_order_exception_action (exception_id, action, actor, note)
         SELECT id, CASE WHEN inserted THEN 'raised' ELSE 'updated' END, $9, $4 || ': ' || $5 FROM upserted
       )
       SELECT * FROM upserted`,
      [
        randomUUID(),
        submission.id,
        submission.salesforceOrderId,
        kind,
        reason,
        JSON.stringify(submission),
        JSON.stringify(context),
        submission.ownerId,
        actor,
        // The change is published later, by the outbox: in the trace of the intake or retry that made it.
        activeTraceParent(),
      ],
    );
    const change = rows[0].inserted ? 'raised' : 'updated';
    this.raisedCounts.set(`${kind} ${change}`, (this.raisedCounts.get(`${kind} ${change}`) ?? 0) + 1);
    this.changed();
    return toRecord(rows[0]);
  }

  /** Exceptions raised (a new open exception) or updated (an open one failed again) since start, by kind. */
  raisedSinceStart(): { kind: string; change: string; count: number }[] {
    return [...this.raisedCounts].map(([k, count]) => {
      const [kind, change] = k.split(' ');
      return { kind, change, count };
    });
  }

  /** Closes the order's open exception, if any, as resolved or discarded; answers it, or null when none was open. */
  async close(
    orderId: string,
    status: 'resolved' | 'discarded',
    actor: string,
    note: string | null,
  ): Promise<OrderExceptionRecord | null> {
    const { rows } = await this.db.query<Row>(
      `WITH closed AS (
         UPDATE odoo_order_exception
            SET status = $2, updated_at = now(), closed_at = now(), version = nextval('odoo_order_exception_version'),
                trace_parent = $5
          WHERE order_id = $1 AND status = 'open'
         RETURNING *
       ), logged AS (
         INSERT INTO odoo_order_exception_action (exception_id, action, actor, note)
         SELECT id, $2, $3, $4 FROM closed
       )
       SELECT * FROM closed`,
      [orderId, status, actor, note, activeTraceParent()],
    );
    if (rows[0]) this.changed();
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async recordAction(exceptionId: string, action: string, actor: string, note: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO odoo_order_exception_action (exception_id, action, actor, note) VALUES ($1, $2, $3, $4)`,
      [exceptionId, action, actor, note],
    );
  }

  async get(id: string): Promise<OrderExceptionRecord | null> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM odoo_order_exception WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async openFor(orderId: string): Promise<OrderExceptionRecord | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM odoo_order_exception WHERE order_id = $1 AND status = 'open'`,
      [orderId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(filter: { status?: ExceptionStatus; kind?: string; limit: number }): Promise<OrderExceptionRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM odoo_order_exception
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2)
        ORDER BY updated_at DESC LIMIT $3`,
      [filter.status ?? null, filter.kind ?? null, filter.limit],
    );
    return rows.map(toRecord);
  }

  async actions(exceptionId: string): Promise<ExceptionAction[]> {
    const { rows } = await this.db.query<{ action: string; actor: string; note: string | null; at: Date }>(
      `SELECT action, actor, note, at FROM odoo_order_exception_action WHERE exception_id = $1 ORDER BY id`,
      [exceptionId],
    );
    return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  }

  /**
   * Changes not published yet (the outbox), oldest version first, each with its closing action's actor and note.
   * Rows changed again while being published are simply read again at their new version.
   */
  async unpublished(limit: number): Promise<
    (OrderExceptionRecord & {
      version: string;
      closedBy: string | null;
      closeNote: string | null;
      traceParent: string | null;
    })[]
  > {
    const { rows } = await this.db.query<
      Row & { version: string; closed_by: string | null; close_note: string | null; trace_parent: string | null }
    >(
      `SELECT e.*, closing.actor AS closed_by, closing.note AS close_note
         FROM odoo_order_exception e
         LEFT JOIN LATERAL (
           SELECT a.actor, a.note FROM odoo_order_exception_action a
            WHERE a.exception_id = e.id AND e.status <> 'open' AND a.action = e.status
            ORDER BY a.id DESC LIMIT 1
         ) closing ON true
        WHERE e.version > e.published_version
        ORDER BY e.version
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      ...toRecord(r),
      version: r.version,
      closedBy: r.closed_by,
      closeNote: r.close_note,
      traceParent: r.trace_parent,
    }));
  }

  /** Marks these versions published; a row changed since keeps its newer version unpublished. */
  async markPublished(published: { id: string; version: string }[]): Promise<void> {
    if (!published.length) return;
    await this.db.query(
      `UPDATE odoo_order_exception e SET published_version = p.version
         FROM unnest($1::uuid[], $2::bigint[]) AS p(id, version)
        WHERE e.id = p.id AND e.published_version < p.version`,
      [published.map((p) => p.id), published.map((p) => p.version)],
    );
  }

  /** How many changes wait to be published: the outbox's backlog. */
  async unpublishedCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM odoo_order_exception WHERE version > published_version`,
    );
    return Number(rows[0].n);
  }

  /** Open exceptions by kind: the business-health gauge. */
  async openCounts(): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ kind: string; n: string }>(
      `SELECT kind, count(*) AS n FROM odoo_order_exception WHERE status = 'open' GROUP BY kind`,
    );
    return new Map(rows.map((r) => [r.kind, Number(r.n)]));
  }
}
