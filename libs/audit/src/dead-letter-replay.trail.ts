import type { Logger } from 'pino';
import type { AuditRecorder } from './audit-recorder';

/** A replay as libs/resilience's dead-letter API reports it (`DeadLetterReplayRecord`, the same shape). */
export interface ReplayReport {
  topic: string;
  actor: string;
  why: string | null;
  selection: { offsets?: string[]; reason?: string; all?: boolean };
  outcome: 'requested' | 'done' | 'failed';
  replayed?: {
    offset: string;
    partition: number;
    key: string | null;
    reason: string;
    sourceTopic: string;
    sourceOffset: string;
  }[];
  error?: string;
}

/**
 * Dead-letter replays into the audit trail: this class is the app's `DeadLetterReplayAudit` (structurally, so the
 * trail does not import the runner's lib). `requested` throws when the entry cannot be stored (the replay is then
 * refused); the outcome, once the replay happened, is appended with retries and logged if still refused. A replayed
 * record's entry carries its key (the canonical id), so it shows in that record's history.
 */
export class DeadLetterReplayTrail {
  constructor(
    private readonly recorder: Pick<AuditRecorder, 'action' | 'actionOrLog'>,
    private readonly log: Logger,
  ) {}

  async replayed(report: ReplayReport): Promise<void> {
    const base = {
      action: 'replay',
      actor: report.actor,
      reason: report.why,
      object: 'dead-letter',
    };
    if (report.outcome === 'requested') {
      await this.recorder.action({
        ...base,
        outcome: 'requested',
        externalId: report.topic,
        detail: { selection: report.selection },
      });
      return;
    }
    if (report.outcome === 'failed' || !report.replayed?.length) {
      await this.recorder.actionOrLog(
        {
          ...base,
          outcome: report.outcome,
          externalId: report.topic,
          detail: { selection: report.selection, replayed: 0, ...(report.error ? { error: report.error } : {}) },
        },
        this.log,
      );
      return;
    }
    await this.recorder.actionOrLog(
      report.replayed.map((r) => ({
        ...base,
        outcome: 'done' as const,
        externalId: `${report.topic}/${r.partition}/${r.offset}`,
        canonicalId: r.key,
        detail: { deadLetterReason: r.reason, sourceTopic: r.sourceTopic, sourceOffset: r.sourceOffset },
      })),
      this.log,
    );
  }
}
