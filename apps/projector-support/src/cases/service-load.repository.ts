import { HubDatabase } from '@hub/runtime';
import type { CountedTicket, ServiceLoadCount } from './service-load';

/** A ticket as its latest service case said it, for the count. */
export interface SeenTicket {
  ticketId: string;
  /** The desk's id of the ticket's organization; null when it has none. */
  organizationId: string | null;
  status: string;
  priority: string | null;
  /** When the desk created it, when the event says (epoch ms). */
  createdAt: number | null;
  /** The event's time (epoch ms): when the hub saw it, for a ticket whose creation the desk did not say. */
  seenAt: number;
  /** The service case's source position: an older event never replaces a newer state. */
  position: number;
}

/**
 * The tickets projector-support counts and the counts it published, in the hub database (migration
 * support-service-load). A customer's tickets are those whose organization is the desk record the hub wrote for it
 * (support_desk_record); a ticket of an organization the hub never wrote counts for nobody.
 */
export class ServiceLoadRepository {
  constructor(private readonly db: HubDatabase) {}

  /**
   * Stores a ticket's state unless a later event was stored already, and says which organizations it concerns: the
   * one it is in, and the one it last moved from (counted again, in case the move's count was never published).
   */
  async saveTicket(platform: string, ticket: SeenTicket): Promise<{ organizations: string[] }> {
    const { rows } = await this.db.query<{ desk_organization_id: string | null; moved_from: string | null }>(
      `WITH saved AS (
         INSERT INTO support_ticket AS t (platform, ticket_id, desk_organization_id, status, priority, opened_at,
                                          source_position)
         VALUES ($1, $2, $3, $4, $5, to_timestamp(coalesce($6::bigint, $7::bigint)::double precision / 1000), $8)
         ON CONFLICT (platform, ticket_id) DO UPDATE SET
           moved_from_organization_id = CASE WHEN t.desk_organization_id IS DISTINCT FROM EXCLUDED.desk_organization_id
             THEN t.desk_organization_id ELSE t.moved_from_organization_id END,
           desk_organization_id = EXCLUDED.desk_organization_id, status = EXCLUDED.status,
           priority = EXCLUDED.priority,
           opened_at = CASE WHEN $6::bigint IS NULL THEN t.opened_at ELSE EXCLUDED.opened_at END,
           source_position = EXCLUDED.source_position, updated_at = now()
         WHERE t.source_position <= EXCLUDED.source_position
         RETURNING desk_organization_id, moved_from_organization_id
       )
       SELECT desk_organization_id, moved_from_organization_id AS moved_from FROM saved
       UNION ALL
       SELECT desk_organization_id, moved_from_organization_id FROM support_ticket
       WHERE platform = $1 AND ticket_id = $2 AND NOT EXISTS (SELECT 1 FROM saved)`,
      [
        platform,
        ticket.ticketId,
        ticket.organizationId,
        ticket.status,
        ticket.priority,
        ticket.createdAt,
        ticket.seenAt,
        ticket.position,
      ],
    );
    const row = rows[0];
    const organizations = [row?.desk_organization_id, row?.moved_from].filter((o): o is string => !!o);
    return { organizations: [...new Set(organizations)] };
  }

  /**
   * The customer's open tickets on this platform and a version for the count made of them, read in one statement: a
   * count read later has a higher version (the source position of its event).
   */
  async openTicketsOf(
    platform: string,
    organizationObject: string,
    customerId: string,
    openStatuses: readonly string[],
  ): Promise<{ version: number; tickets: CountedTicket[] }> {
    const { rows } = await this.db.query<{ version: string; tickets: CountedTicket[] }>(
      `SELECT nextval('support_service_load_version') AS version,
              coalesce((SELECT json_agg(json_build_object(
                          'status', t.status, 'priority', t.priority,
                          'openedAt', (extract(epoch FROM t.opened_at) * 1000)::bigint) ORDER BY t.ticket_id)
                        FROM support_ticket t
                        JOIN support_desk_record r
                          ON r.platform = t.platform AND r.object = $2 AND r.desk_id = t.desk_organization_id
                        WHERE t.platform = $1 AND r.external_id = $3 AND t.status = ANY($4)), '[]'::json) AS tickets`,
      [platform, organizationObject, customerId, openStatuses],
    );
    return {
      version: Number(rows[0].version),
      tickets: rows[0].tickets.map((t) => ({ ...t, openedAt: Number(t.openedAt) })),
    };
  }

  /** The count last published for the customer, or undefined before the first. */
  async lastPublished(platform: string, customerId: string): Promise<ServiceLoadCount | undefined> {
    const { rows } = await this.db.query<{
      open_tickets: number;
      urgent_open_tickets: number;
      oldest_open_since: Date | null;
    }>(
      `SELECT open_tickets, urgent_open_tickets, oldest_open_since FROM support_service_load
       WHERE platform = $1 AND customer_id = $2`,
      [platform, customerId],
    );
    const row = rows[0];
    return row
      ? {
          openTickets: row.open_tickets,
          urgentOpenTickets: row.urgent_open_tickets,
          oldestOpenSince: row.oldest_open_since === null ? null : row.oldest_open_since.getTime(),
        }
      : undefined;
  }

  /** Remembers a count Kafka acknowledged; a count of a lower version never replaces a higher one. */
  async published(platform: string, customerId: string, count: ServiceLoadCount, version: number): Promise<void> {
    await this.db.query(
      `INSERT INTO support_service_load AS l (platform, customer_id, open_tickets, urgent_open_tickets,
                                              oldest_open_since, version)
       VALUES ($1, $2, $3, $4, to_timestamp($5::double precision / 1000), $6)
       ON CONFLICT (platform, customer_id) DO UPDATE SET open_tickets = EXCLUDED.open_tickets,
         urgent_open_tickets = EXCLUDED.urgent_open_tickets, oldest_open_since = EXCLUDED.oldest_open_since,
         version = EXCLUDED.version, published_at = now()
       WHERE l.version < EXCLUDED.version`,
      [platform, customerId, count.openTickets, count.urgentOpenTickets, count.oldestOpenSince, version],
    );
  }
}
