import type { AuditRecorder, WriteAudit } from '@hub/audit';
import type { Logger } from 'pino';
import {
  DeskLimits,
  DeskNoteResult,
  DeskOrganization,
  DeskPerson,
  DeskPlatform,
  DeskResult,
  DeskTicket,
  SupportDesk,
} from './support-desk.port';

/**
 * The desk with its private notes recorded in the audit trail (upserts are recorded by the projection engine, which
 * makes them). A note is not idempotent: once the desk took it, a failed audit append must not fail the event (it
 * would add the note again), so the entry is retried here a few times and, if the hub database still refuses it,
 * logged at error level with everything but the body (the note's id, the ticket) and counted in
 * `hub_support_audit_failures`: an operator restores it from the log; it is never dropped unseen.
 */
export class AuditedSupportDesk extends SupportDesk {
  readonly metrics = { auditFailures: 0 };

  constructor(
    private readonly desk: SupportDesk,
    private readonly audit: Pick<AuditRecorder, 'writesOrLog'>,
    private readonly log: Logger,
    private readonly retryDelaysMs?: readonly number[],
  ) {
    super();
  }

  get platform(): DeskPlatform {
    return this.desk.platform;
  }

  get limits(): DeskLimits {
    return this.desk.limits;
  }

  upsertOrganizations(records: DeskOrganization[]): Promise<DeskResult[]> {
    return this.desk.upsertOrganizations(records);
  }

  upsertPeople(records: DeskPerson[]): Promise<DeskResult[]> {
    return this.desk.upsertPeople(records);
  }

  getTicket(ticketId: string): Promise<DeskTicket | undefined> {
    return this.desk.getTicket(ticketId);
  }

  async addPrivateNote(ticketId: string, body: string): Promise<DeskNoteResult> {
    const at = new Date();
    const entry: Omit<WriteAudit, 'outcome'> = {
      object: 'ticket-note',
      externalId: `${this.desk.platform}-ticket-${ticketId}`,
      parentIds: [`${this.desk.platform}-ticket-${ticketId}`],
      fields: { body },
      at,
    };
    let result: DeskNoteResult;
    try {
      result = await this.desk.addPrivateNote(ticketId, body);
    } catch (error) {
      await this.record({ ...entry, outcome: 'failed', reason: (error as Error).message }, ticketId);
      throw error;
    }
    await this.record(
      {
        ...entry,
        externalId: `${entry.externalId}-note-${result.noteId}`,
        targetId: result.noteId,
        outcome: 'applied',
      },
      ticketId,
    );
    return result;
  }

  private async record(write: WriteAudit, ticketId: string): Promise<void> {
    const stored = await this.audit.writesOrLog(
      this.desk.platform,
      [write],
      this.log.child({ ticketId }),
      this.retryDelaysMs,
    );
    if (!stored) this.metrics.auditFailures++;
  }
}
