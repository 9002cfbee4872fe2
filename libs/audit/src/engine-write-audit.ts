import type { AuditedSystem } from './audit-entry';
import type { AuditRecorder } from './audit-recorder';

/**
 * A write as the projection engine reports it (libs/projection `WriteAuditRecord`; the same shape, so this class is
 * the engine's `WriteAuditSink` without the trail importing the engine or the engine the trail).
 */
export interface EngineWriteRecord {
  object: string;
  key: string;
  targetId: string | null;
  parentKeys: string[];
  fields: Record<string, unknown>;
  canonicalId: string;
  eventId: string;
  source: string;
  position: number;
  traceId: string | null;
  outcome: 'applied' | 'removed' | 'absent' | 'stale' | 'failed';
  reason: string | null;
}

/** The engine's audit sink for one target system: each call's writes in one INSERT. */
export class EngineWriteAudit {
  constructor(
    private readonly recorder: AuditRecorder,
    private readonly system: AuditedSystem,
  ) {}

  recordWrites(records: EngineWriteRecord[]): Promise<void> {
    return this.recorder.writes(
      this.system,
      records.map((r) => ({
        object: r.object,
        externalId: r.key,
        targetId: r.targetId,
        // The canonical record is a name of the target record too: an order's Salesforce Order is found by its id.
        aliases: [r.canonicalId],
        parentIds: r.parentKeys,
        fields: r.fields,
        canonicalId: r.canonicalId,
        eventId: r.eventId,
        // The envelope's spelling (ODOO, SALESFORCE), as the other apps record it; the engine keys positions in lower case.
        sourceSystem: r.source.toUpperCase(),
        sourcePosition: r.position,
        traceId: r.traceId,
        outcome: r.outcome,
        reason: r.reason,
      })),
    );
  }
}
