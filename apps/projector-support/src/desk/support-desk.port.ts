import type { PermanentError, TransientError } from '@hub/resilience';

/**
 * The support desk in the hub's terms (STYLE rule 9): one port, one adapter per vendor (Zendesk, Freshdesk), chosen per
 * installation by configuration. The adapter alone knows the wire format, the vendor's batch endpoints, its rate-limit
 * headers and its error bodies; the projector never sees a vendor field name.
 *
 * Guarantees the projector relies on:
 * - upserts are idempotent by `externalId` (re-sending after a lost answer updates the same record, never creates a
 *   second one), and one record's failure does not fail the others of its call;
 * - a failure of the whole call throws {@link TransientError} (429 with `retryAfterMs` from `Retry-After`, 5xx,
 *   timeouts) or {@link PermanentError} (authentication, a malformed request), mapped by the adapter's error mapper;
 *   a vendor validation error of one record is that record's `PermanentError` result carrying the vendor's message.
 */
export abstract class SupportDesk {
  /** Which vendor, also the `target` of the projector's applied positions and the breaker's name. */
  abstract readonly platform: DeskPlatform;
  abstract readonly limits: DeskLimits;

  /** Creates or updates up to `limits.maxBatchSize` organizations by external id; one result per record, in order. */
  abstract upsertOrganizations(records: DeskOrganization[]): Promise<DeskResult[]>;

  /** Creates or updates up to `limits.maxBatchSize` people by external id; one result per record, in order. */
  abstract upsertPeople(records: DeskPerson[]): Promise<DeskResult[]>;

  /**
   * Adds a private (agent-only) note to a ticket. The body is plain text; the adapter cuts one longer than
   * `limits.maxNoteLength` by {@link cutNote}, never rejects it. A ticket that does not exist is a PermanentError
   * (REJECTED_BY_TARGET) with vendor code `NOT_FOUND`.
   */
  abstract addPrivateNote(ticketId: string, body: string): Promise<DeskNoteResult>;

  /** Reads a ticket (the vendor's read API), or undefined when it does not exist. */
  abstract getTicket(ticketId: string): Promise<DeskTicket | undefined>;
}

export type DeskPlatform = 'zendesk' | 'freshdesk';

export interface DeskLimits {
  /** Records per upsert call (Zendesk `create_or_update_many`: 100; a vendor without a batch endpoint: 1). */
  maxBatchSize: number;
  /** The longest private note the vendor takes, in characters; longer ones are cut by {@link cutNote}. */
  maxNoteLength: number;
}

/**
 * The ERP context the hub may show on a desk: an allow-list by construction (only these fields exist here; prices,
 * costs, margins and bank details have no field to go into). Values are plain text or numbers the agent reads.
 */
export interface DeskContextFields {
  openOrders?: number | null;
  overdueInvoices?: number | null;
  /** Overdue amount as text with its currency, e.g. `1,250.00 EUR`. */
  overdueAmount?: string | null;
  lastDelivery?: string | null;
  lastDeliveryCarrier?: string | null;
  lastDeliveryTracking?: string | null;
  entitlement?: string | null;
}

/**
 * The desk field that holds each context value: the same `hub_*` names on every desk (Zendesk organization fields,
 * Freshdesk company fields), which the desk's admin creates once. Only these keys are ever sent.
 */
export const DESK_CONTEXT_FIELD_KEYS: Readonly<{ [K in keyof Required<DeskContextFields>]: string }> = Object.freeze({
  openOrders: 'hub_open_orders',
  overdueInvoices: 'hub_overdue_invoices',
  overdueAmount: 'hub_overdue_amount',
  lastDelivery: 'hub_last_delivery',
  lastDeliveryCarrier: 'hub_last_delivery_carrier',
  lastDeliveryTracking: 'hub_last_delivery_tracking',
  entitlement: 'hub_entitlement',
});

export interface DeskOrganization {
  /** The hub's key, e.g. `odoo-partner-7`: the vendor's external id (Zendesk `external_id`, Freshdesk a custom field). */
  externalId: string;
  /**
   * Absent on an update of its context only: such a record must exist on the desk already; one that does not fails
   * with vendor code `NOT_FOUND` (the write that creates it has not landed).
   */
  name?: string;
  /** Email domains of the organization, when known. */
  domains?: string[];
  context?: DeskContextFields;
}

export interface DeskPerson {
  /** The hub's key, e.g. `odoo-partner-9`. */
  externalId: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  /** The organization this person belongs to, by its external id; it must have been upserted first. */
  organizationExternalId?: string | null;
}

export type DeskResult =
  { ok: true; deskId: string; created: boolean } | { ok: false; error: TransientError | PermanentError };

export interface DeskNoteResult {
  /** The vendor's id of the note or comment. */
  noteId: string;
  /** True when the body was cut to fit. */
  cut: boolean;
}

export interface DeskTicket {
  id: string;
  subject: string;
  status: string;
  priority: string | null;
  /** The requester's external id, when the vendor knows it. */
  requesterExternalId: string | null;
  /** Private notes and comments, oldest first, as plain text. */
  notes: Array<{ id: string; body: string; private: boolean }>;
}

/** Marker appended to a note cut to fit; the documented rule (docs/support-data-minimisation.md). */
export const NOTE_CUT_MARKER = '\n[…cut by the hub: the full text is in the ERP]';

/** Cuts a note longer than `max` characters to fit, keeping its start and appending {@link NOTE_CUT_MARKER}. */
export function cutNote(body: string, max: number): { body: string; cut: boolean } {
  if (body.length <= max) return { body, cut: false };
  return { body: body.slice(0, Math.max(0, max - NOTE_CUT_MARKER.length)) + NOTE_CUT_MARKER, cut: true };
}
