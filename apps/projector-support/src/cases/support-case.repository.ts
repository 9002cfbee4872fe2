import { HubDatabase } from '@hub/runtime';

/** A ticket projector-support follows (migration support-cases-and-returns). */
export interface FollowedCase {
  platform: string;
  ticketId: string;
  orderReference: string | null;
  status: string;
  /** The order's facts as the last note told them; null before any note told them. */
  toldFacts: string[] | null;
}

/** One return a ticket asked for, per delivery. */
export interface ReturnRow {
  deliveryId: number;
  deliveryName: string | null;
  orderReference: string;
  outcome: 'requested' | 'created' | 'refused';
  returnId: number | null;
  returnName: string | null;
  returnState: string | null;
  detail: string | null;
  requestedAt: Date;
}

/** Ticket statuses after which the hub stops noting order changes on a ticket. */
const DONE_STATUSES = ['solved', 'closed'];

/**
 * The tickets projector-support follows (the order each names, its status, what the last note told) and the returns
 * they asked for, in the hub database.
 */
export class SupportCaseRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Records a ticket's latest order reference and status; what it was told stays. */
  async follow(platform: string, ticketId: string, orderReference: string | null, status: string): Promise<void> {
    await this.db.query(
      `INSERT INTO support_case (platform, ticket_id, order_reference, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (platform, ticket_id) DO UPDATE SET order_reference = $3, status = $4, updated_at = now()`,
      [platform, ticketId, orderReference, status],
    );
  }

  /** Remembers the order facts a note just told the ticket. */
  async told(platform: string, ticketId: string, facts: string[]): Promise<void> {
    await this.db.query(
      `UPDATE support_case SET told_facts = $3, updated_at = now() WHERE platform = $1 AND ticket_id = $2`,
      [platform, ticketId, facts],
    );
  }

  /** The open tickets of this platform that name one of these orders. */
  async openCasesOf(platform: string, orderReferences: string[]): Promise<FollowedCase[]> {
    if (orderReferences.length === 0) return [];
    const { rows } = await this.db.query<{
      ticket_id: string;
      order_reference: string;
      status: string;
      told_facts: string[] | null;
    }>(
      `SELECT ticket_id, order_reference, status, told_facts FROM support_case
       WHERE platform = $1 AND order_reference = ANY($2) AND status <> ALL($3) ORDER BY ticket_id`,
      [platform, orderReferences, DONE_STATUSES],
    );
    return rows.map((r) => ({
      platform,
      ticketId: r.ticket_id,
      orderReference: r.order_reference,
      status: r.status,
      toldFacts: r.told_facts,
    }));
  }

  async returnsOf(platform: string, ticketId: string): Promise<Map<number, ReturnRow>> {
    const { rows } = await this.db.query<{
      delivery_id: number;
      delivery_name: string | null;
      order_reference: string;
      outcome: ReturnRow['outcome'];
      return_id: number | null;
      return_name: string | null;
      return_state: string | null;
      detail: string | null;
      requested_at: Date;
    }>(`SELECT * FROM support_return WHERE platform = $1 AND ticket_id = $2`, [platform, ticketId]);
    return new Map(
      rows.map((r) => [
        r.delivery_id,
        {
          deliveryId: r.delivery_id,
          deliveryName: r.delivery_name,
          orderReference: r.order_reference,
          outcome: r.outcome,
          returnId: r.return_id,
          returnName: r.return_name,
          returnState: r.return_state,
          detail: r.detail,
          requestedAt: r.requested_at,
        },
      ]),
    );
  }

  /** Writes a return's row: `requested` before Odoo is called, then its outcome. */
  async saveReturn(platform: string, ticketId: string, row: Omit<ReturnRow, 'requestedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO support_return (platform, ticket_id, delivery_id, delivery_name, order_reference, outcome, return_id,
                                   return_name, return_state, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (platform, ticket_id, delivery_id) DO UPDATE SET outcome = $6, return_id = $7, return_name = $8,
         return_state = $9, detail = $10`,
      [
        platform,
        ticketId,
        row.deliveryId,
        row.deliveryName,
        row.orderReference,
        row.outcome,
        row.returnId,
        row.returnName,
        row.returnState,
        row.detail,
      ],
    );
  }
}
