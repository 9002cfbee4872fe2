/**
 * The counting rule of a customer's service load (the customer-service-load topic), pure: what makes a ticket open
 * and urgent on the hub's one status scale (ServiceCase.status, ServiceCase.priority).
 */

/** Statuses of a ticket somebody still has to work on: new, open, pending (on the customer) or on hold. */
export const OPEN_STATUSES = ['new', 'open', 'pending', 'on_hold'] as const;
/** Priorities that make an open ticket urgent. */
export const URGENT_PRIORITIES = ['high', 'urgent'] as const;

/** One ticket as the count reads it. */
export interface CountedTicket {
  status: string;
  priority: string | null;
  /** Epoch ms: when the desk created it (else when the hub first saw it). */
  openedAt: number;
}

export interface ServiceLoadCount {
  openTickets: number;
  urgentOpenTickets: number;
  /** Epoch ms of the oldest open ticket; null without open tickets. */
  oldestOpenSince: number | null;
}

const isOpen = (t: CountedTicket) => (OPEN_STATUSES as readonly string[]).includes(t.status);
const isUrgent = (t: CountedTicket) =>
  t.priority !== null && (URGENT_PRIORITIES as readonly string[]).includes(t.priority);

/**
 * Counts a customer's tickets: open ones (solved, closed and `other`, a status the hub does not know, are not), those
 * of them of high or urgent priority, and when the oldest open one was opened.
 */
export function countServiceLoad(tickets: readonly CountedTicket[]): ServiceLoadCount {
  const open = tickets.filter(isOpen);
  return {
    openTickets: open.length,
    urgentOpenTickets: open.filter(isUrgent).length,
    oldestOpenSince: open.length ? Math.min(...open.map((t) => t.openedAt)) : null,
  };
}

/** Whether two counts say the same (what a target shows), whenever they were made. */
export function sameServiceLoad(a: ServiceLoadCount, b: ServiceLoadCount): boolean {
  return (
    a.openTickets === b.openTickets &&
    a.urgentOpenTickets === b.urgentOpenTickets &&
    a.oldestOpenSince === b.oldestOpenSince
  );
}
