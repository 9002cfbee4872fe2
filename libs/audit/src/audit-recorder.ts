import { context, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuditedSystem, OperatorActionAudit, WriteAudit } from './audit-entry';
import type { FieldHasher } from './field-hasher';
import type { AuditRow, PgAuditTrail } from './audit-trail.repository';

/** The trace id of the active span, if any: what an entry carries when its caller did not say. */
export function activeTraceId(): string | null {
  const span = trace.getSpanContext(context.active());
  return span && trace.isSpanContextValid(span) ? span.traceId : null;
}

/** How long {@link AuditRecorder}'s `…OrLog` methods wait before each new attempt. */
const RETRY_DELAYS_MS = [200, 1_000, 5_000];

/**
 * What apps record the trail through: hashes every value (nothing in clear reaches the table) and appends a call's
 * entries in one INSERT.
 *
 * Two ways to append, by whether the write can be made again:
 * - `writes`/`action` throw when the database refuses. Used where the entry is stored in the same durability step
 *   as the write's applied position (the projection engine): the step fails, the write is sent again (idempotent by
 *   key) and recorded then; and for an operator's action before it runs (refused if it cannot be recorded).
 * - `writesOrLog`/`actionOrLog` for a write that will not be made again (a desk note, an order Odoo confirmed, a
 *   partner whose fields hold their values by the next delivery): retried a few times, then logged at error level
 *   with names, ids and outcome (never values) and answered `false` for the caller to count. Never dropped unseen.
 */
export class AuditRecorder {
  constructor(
    private readonly trail: Pick<PgAuditTrail, 'append'>,
    private readonly hasher: FieldHasher,
    /** The app that records: `projector-salesforce`. */
    readonly app: string,
  ) {}

  /** Entries of writes into one system, in one INSERT. */
  async writes(system: AuditedSystem, writes: readonly WriteAudit[]): Promise<void> {
    if (writes.length === 0) return;
    await this.trail.append(this.rowsOfWrites(system, writes));
  }

  /** One operator action (who, why, on what). */
  async action(a: OperatorActionAudit): Promise<void> {
    await this.trail.append([this.rowOfAction(a)]);
  }

  async writesOrLog(
    system: AuditedSystem,
    writes: readonly WriteAudit[],
    log: Pick<Logger, 'error'>,
    retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ): Promise<boolean> {
    if (writes.length === 0) return true;
    return this.appendOrLog(this.rowsOfWrites(system, writes), log, retryDelaysMs);
  }

  async actionOrLog(
    a: OperatorActionAudit | readonly OperatorActionAudit[],
    log: Pick<Logger, 'error'>,
    retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ): Promise<boolean> {
    const list = Array.isArray(a) ? a : [a as OperatorActionAudit];
    if (list.length === 0) return true;
    return this.appendOrLog(
      list.map((x) => this.rowOfAction(x)),
      log,
      retryDelaysMs,
    );
  }

  private async appendOrLog(
    rows: AuditRow[],
    log: Pick<Logger, 'error'>,
    retryDelaysMs: readonly number[],
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.trail.append(rows);
        return true;
      } catch (error) {
        if (attempt >= retryDelaysMs.length) {
          log.error(
            {
              entries: rows.map((r) => ({ ...r, fields: r.fields.map((f) => f.name) })),
              error: (error as Error).message,
            },
            'audit entries not stored',
          );
          return false;
        }
        await new Promise((r) => setTimeout(r, retryDelaysMs[attempt]));
      }
    }
  }

  private rowsOfWrites(system: AuditedSystem, writes: readonly WriteAudit[]): AuditRow[] {
    const fallbackTrace = activeTraceId();
    return writes.map((w) => ({
      occurredAt: w.at ?? new Date(),
      kind: 'write',
      app: this.app,
      system,
      object: w.object,
      externalId: w.externalId,
      targetId: w.targetId ?? null,
      recordIds: ids([w.externalId, targetName(w.object, w.targetId), ...(w.aliases ?? [])]),
      parentIds: ids(w.parentIds ?? []),
      fields: this.hasher.fields(w.fields),
      canonicalId: w.canonicalId ?? null,
      eventId: w.eventId ?? null,
      sourceSystem: w.sourceSystem ?? null,
      sourcePosition: w.sourcePosition === null || w.sourcePosition === undefined ? null : String(w.sourcePosition),
      traceId: w.traceId ?? fallbackTrace,
      outcome: w.outcome,
      reason: w.reason ?? null,
      action: null,
      actor: null,
    }));
  }

  private rowOfAction(a: OperatorActionAudit): AuditRow {
    return {
      occurredAt: a.at ?? new Date(),
      kind: 'operator-action',
      app: this.app,
      system: a.system ?? null,
      object: a.object ?? null,
      externalId: a.externalId ?? null,
      targetId: null,
      recordIds: ids([a.externalId, a.canonicalId, ...(a.aliases ?? [])]),
      parentIds: [],
      fields: this.hasher.fields(a.detail ?? {}),
      canonicalId: a.canonicalId ?? null,
      eventId: a.eventId ?? null,
      sourceSystem: null,
      sourcePosition: null,
      traceId: a.traceId ?? activeTraceId(),
      outcome: a.outcome,
      reason: a.reason ?? null,
      action: a.action,
      actor: a.actor,
    };
  }
}

/**
 * A target id as a record id: a bare number (an Odoo id) names nothing alone, so it is qualified by its object
 * (`sale.order/42`); a Salesforce Id or a desk's id is unique as it is.
 */
export const targetName = (object: string, targetId: string | null | undefined): string | null =>
  targetId ? (/^\d+$/.test(targetId) ? `${object}/${targetId}` : targetId) : null;

const ids = (list: readonly (string | null | undefined)[]): string[] => [
  ...new Set(list.filter((x): x is string => typeof x === 'string' && x.length > 0)),
];
