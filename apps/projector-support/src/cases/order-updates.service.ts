import type { KeyedLock } from '@hub/projection';
import type { Logger } from 'pino';
import { ErpContextRepository } from '../context/erp-context.repository';
import type { SupportDesk } from '../desk/support-desk.port';
import { composeOrderUpdate } from './case-note';
import { SupportCaseRepository } from './support-case.repository';

/**
 * Tells the open tickets that name an order what changed on it (a delivery done with its tracking, an invoice posted,
 * a payment received), as a private note with only the facts not told before. Per ticket, one at a time in this
 * instance; the note goes first and what it told is recorded after, so a crash in between repeats a note rather than
 * losing one.
 */
export class OrderUpdatesService {
  readonly metrics = { noted: 0 };

  constructor(
    private readonly desk: SupportDesk,
    private readonly context: ErpContextRepository,
    private readonly cases: SupportCaseRepository,
    /** Per ticket, shared with CaseNotesService: a first note and an update never cross. */
    private readonly perTicket: KeyedLock,
    private readonly warrantyMonths: number,
    private readonly log: Logger,
  ) {}

  /** After the read model took a change of these orders (by name). */
  async ordersChanged(orderReferences: string[]): Promise<void> {
    const platform = this.desk.platform;
    for (const followed of await this.cases.openCasesOf(platform, orderReferences)) {
      // A ticket not answered yet gets the full context with its first note (CaseNotesService), not an update.
      if (followed.toldFacts === null) continue;
      await this.perTicket.run(followed.ticketId, () => this.update(followed.ticketId, followed.orderReference!));
    }
  }

  private async update(ticketId: string, orderReference: string): Promise<void> {
    const platform = this.desk.platform;
    // Read again inside the lock: another change of the same order may have told this ticket meanwhile.
    const [followed] = (await this.cases.openCasesOf(platform, [orderReference])).filter(
      (c) => c.ticketId === ticketId,
    );
    const order = await this.context.orderByName(orderReference);
    if (!followed?.toldFacts || !order) return;
    const update = composeOrderUpdate(order, followed.toldFacts, {
      warrantyMonths: this.warrantyMonths,
      now: Date.now(),
    });
    if (!update) return;
    const { noteId } = await this.desk.addPrivateNote(ticketId, update.body);
    await this.cases.told(platform, ticketId, update.facts);
    this.metrics.noted++;
    this.log.info({ ticketId, order: orderReference, noteId }, 'ticket told of its order change');
  }
}
