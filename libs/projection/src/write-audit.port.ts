/** One write's entry for the audit trail, in the engine's terms: what was sent for which record, and what became of it. */
export interface WriteAuditRecord {
  object: string;
  /** The hub's key of the record (`odoo-partner-7`). */
  key: string;
  /** The target's own id when the write named it (a linked record's Salesforce Id). */
  targetId: string | null;
  /** The keys of the records it references (an invoice's order). */
  parentKeys: string[];
  /** The fields sent (create-only ones included when they were); the sink keeps names and keyed hashes only. */
  fields: Record<string, unknown>;
  canonicalId: string;
  eventId: string;
  source: string;
  position: number;
  traceId: string | null;
  outcome: 'applied' | 'removed' | 'absent' | 'stale' | 'failed';
  reason: string | null;
}

/**
 * Where the engine reports every write it made or skipped, per call: the app provides it (the audit trail in the hub
 * database), so the engine knows no table. `recordWrites` is awaited before the call's applied positions are stored;
 * when it throws, the call's writes fail with a transient error and are sent again (idempotent by key), so no write
 * is acknowledged without its entry. A retried write is recorded again: the trail holds every attempt the target
 * answered.
 */
export abstract class WriteAuditSink {
  abstract recordWrites(records: WriteAuditRecord[]): Promise<void>;
}
