import type { IntakeOutcome, OrderIntakeService } from '../orders/order-intake.service';
import type { ExceptionStatus, OrderExceptionRecord, OrderExceptionRepository } from './order-exception.repository';

/** The work queue's operations, behind the controller: the repository for reading, intake for a retry. */
export class WorkQueueService {
  constructor(
    private readonly exceptions: OrderExceptionRepository,
    private readonly intake: OrderIntakeService,
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
  async retry(id: string, actor: string): Promise<'not-found' | 'closed' | { outcome: IntakeOutcome }> {
    const exception = await this.exceptions.get(id);
    if (!exception) return 'not-found';
    if (exception.status !== 'open') return 'closed';
    await this.exceptions.recordAction(id, 'retried', actor, null);
    return { outcome: await this.intake.retry(exception.submission, actor) };
  }

  async discard(id: string, actor: string, reason: string): Promise<'not-found' | 'closed' | OrderExceptionRecord> {
    const exception = await this.exceptions.get(id);
    if (!exception) return 'not-found';
    const closed = await this.exceptions.close(exception.orderId, 'discarded', actor, reason);
    return closed && closed.id === id ? closed : 'closed';
  }
}
