/** The systems the hub writes into: an audit entry's `system`. */
export type AuditedSystem = 'salesforce' | 'odoo' | 'zendesk' | 'freshdesk';

/**
 * What became of one write: applied (the target accepted it), removed (deleted from the target), absent (a deletion
 * flag for a record the target never had: nothing sent), stale (skipped: a newer event of the same source was applied
 * already), failed (the target refused it; `reason` says why).
 */
export type WriteAuditOutcome = 'applied' | 'removed' | 'absent' | 'stale' | 'failed';

/** One write the hub made (or refused to make) into a system, as an app reports it. Values are hashed on the way in. */
export interface WriteAudit {
  /** The target's kind of record: `Account`, `sale.order`, `organization`. */
  object: string;
  /** The hub's key of the record in the target (`odoo-partner-7`), or the target's own id when it has no other. */
  externalId: string;
  /** The target's own id when known (a Salesforce Id, an Odoo id). */
  targetId?: string | null;
  /** Other ids naming the same record (a Salesforce order's Id, the canonical ids it is known by). */
  aliases?: readonly string[];
  /** The keys of the records this one references (an invoice's order): they find it in their history. */
  parentIds?: readonly string[];
  /** Field name → value written: only the names and a keyed hash of each value are stored. */
  fields: Readonly<Record<string, unknown>>;
  canonicalId?: string | null;
  eventId?: string | null;
  sourceSystem?: string | null;
  sourcePosition?: number | bigint | string | null;
  /** The trace the write belongs to; when absent, the active span's (see {@link activeTraceId}). */
  traceId?: string | null;
  outcome: WriteAuditOutcome;
  reason?: string | null;
  at?: Date;
}

/** An operator's action: requested before it runs (refused if it cannot be recorded), then done or failed. */
export type OperatorActionOutcome = 'requested' | 'done' | 'failed';

export interface OperatorActionAudit {
  /** replay, retry, discard. */
  action: string;
  /** Who: an operator token's name, or `console:<user>`. */
  actor: string;
  /** Why, as the operator said it (a discard's reason); absent when the action takes none. */
  reason?: string | null;
  outcome: OperatorActionOutcome;
  /** The system the action concerns, when one (a work-queue order goes to odoo). */
  system?: AuditedSystem | null;
  object?: string | null;
  externalId?: string | null;
  aliases?: readonly string[];
  canonicalId?: string | null;
  eventId?: string | null;
  traceId?: string | null;
  /** What the action touched or answered (counts, ids): names and hashes only, like a write's fields. */
  detail?: Readonly<Record<string, unknown>>;
  at?: Date;
}

/** A field as the trail holds it: its name and the first hex digits of its keyed hash. */
export interface AuditedField {
  name: string;
  hash: string;
}

/** An entry as the query API returns it. */
export interface AuditEntry {
  id: string;
  occurredAt: string;
  kind: 'write' | 'operator-action';
  app: string;
  system: string | null;
  object: string | null;
  externalId: string | null;
  targetId: string | null;
  recordIds: string[];
  parentIds: string[];
  fields: AuditedField[];
  canonicalId: string | null;
  eventId: string | null;
  sourceSystem: string | null;
  sourcePosition: string | null;
  traceId: string | null;
  outcome: string;
  reason: string | null;
  action: string | null;
  actor: string | null;
}
