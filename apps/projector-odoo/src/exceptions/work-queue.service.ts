import type { AuditRecorder, OperatorActionAudit } from '@hub/audit';
import type { Logger } from 'pino';
import type { IntakeOutcome, OrderIntakeService } from '../orders/order-intake.service';
import type { ExceptionStatus, OrderExceptionRecord, OrderExceptionRepository } from './order-exception.repository';

/**
 * The work queue's operations, behind the controller: the repository for reading, intake for a retry. Each retry and
 * discard is in the audit trail with who and why: `requested` before it runs (an action the trail cannot record is
 * refused, so none happens unrecorded), then `done` or `failed`.
 */
export class WorkQueueService {
  constructor(
    private readonly exceptions: OrderExceptionRepository,
    private readonly intake: OrderIntakeService,
    private readonly audit?: Pick<AuditRecorder, 'action' | 'actionOrLog'>,
    private readonly log?: Logger,
  ) {}

  list(filter: { status?: ExceptionStatus; kind?: string; limit: number }): Promise<OrderExceptionRecord[]> {
    return this.exceptions.list(filter);
  }

  async show(id: string) {
    const exception = await this.exceptions.get(id);
    return exception ? { ...exception, actions: await this.exceptions.actions(id) } : null;
  }

  /**
   * Runs the stored submission through intake again, as the operator: confirmed closes the exception as resolved;
   * another business failure keeps it open with the new reason.
   */
  async retry(id: string, actor: string, why?: string): Promise<'not-found' | 'closed' | { outcome: IntakeOutcome }> {
    const exception = await this.exceptions.get(id);
    if (!exception) return 'not-found';
    if (exception.status !== 'open') return 'closed';
    const action = this.actionOf(exception, 'retry', actor, why ?? `retry of ${exception.kind}: ${exception.reason}`);
    await this.audit?.action({ ...action, outcome: 'requested' });
    await this.exceptions.recordAction(id, 'retried', actor, null);
    let outcome: IntakeOutcome;
    try {
      outcome = await this.intake.retry(exception.submission, actor);
    } catch (error) {
      await this.done({ ...action, outcome: 'failed', detail: { error: (error as Error).message } });
      throw error;
    }
    await this.done({
      ...action,
      outcome: 'done',
      detail: { result: outcome.status === 'confirmed' ? 'confirmed' : `exception ${outcome.exception.kind}` },
    });
    return { outcome };
  }

  async discard(id: string, actor: string, reason: string): Promise<'not-found' | 'closed' | OrderExceptionRecord> {
    const exception = await this.exceptions.get(id);
    if (!exception) return 'not-found';
    const action = this.actionOf(exception, 'discard', actor, reason);
    if (exception.status === 'open') await this.audit?.action({ ...action, outcome: 'requested' });
    const closed = await this.exceptions.close(exception.orderId, 'discarded', actor, reason);
    const result = closed && closed.id === id ? closed : 'closed';
    if (exception.status === 'open') {
      await this.done({
        ...action,
        outcome: result === 'closed' ? 'failed' : 'done',
        detail: { status: result === 'closed' ? 'not open' : 'discarded' },
      });
    }
    return result;
  }

  private actionOf(exception: OrderExceptionRecord, action: string, actor: string, reason: string) {
    return {
      action,
      actor,
      reason,
      system: 'odoo' as const,
      object: 'work-queue-exception',
      externalId: exception.id,
      aliases: [exception.salesforceOrderId, exception.orderId],
      canonicalId: exception.orderId,
    } satisfies Omit<OperatorActionAudit, 'outcome'>;
  }

  /** The action's end: it happened, so a failed append is retried and logged, never turned into an error. */
  private async done(action: OperatorActionAudit): Promise<void> {
    if (this.audit && this.log) await this.audit.actionOrLog(action, this.log);
  }
}
