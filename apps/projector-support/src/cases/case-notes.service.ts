import type { ServiceCase } from '@hub/canonical';
import type { KeyedLock } from '@hub/projection';
import type { Logger } from 'pino';
import { ErpContextRepository } from '../context/erp-context.repository';
import { DESK_OBJECTS } from '../projection/support-target.mapping';
import type { SupportDesk } from '../desk/support-desk.port';
import { CaseSubject, composeCaseNote, orderFacts } from './case-note';
import { SupportCaseRepository } from './support-case.repository';

export interface CaseNotesOptions {
  warrantyMonths: number;
  /** Orders listed when a ticket names none. */
  recentOrders: number;
}

/** Why the hub noted a ticket: a ticket gets one note per reason, whatever the redeliveries. */
const OPENED = 'opened';

/**
 * Answers a new ticket with a private note of its ERP context: the order it names, else its customer's recent orders,
 * and the warranty entitlement. A ticket of another desk than this installation's is not this projector's.
 */
export class CaseNotesService {
  readonly metrics = { noted: 0, alreadyNoted: 0, otherDesk: 0 };

  constructor(
    private readonly desk: SupportDesk,
    private readonly context: ErpContextRepository,
    private readonly cases: SupportCaseRepository,
    /** Per ticket, shared with OrderUpdatesService: a first note and an update never cross. */
    private readonly perTicket: KeyedLock,
    private readonly options: CaseNotesOptions,
    private readonly log: Logger,
  ) {}

  async caseChanged(serviceCase: ServiceCase): Promise<void> {
    const platform = this.desk.platform;
    if (serviceCase.desk.toLowerCase() !== platform) return void this.metrics.otherDesk++;
    const ticketId = serviceCase.deskTicketId;
    await this.perTicket.run(ticketId, () => this.answer(serviceCase, ticketId));
  }

  private async answer(serviceCase: ServiceCase, ticketId: string): Promise<void> {
    const platform = this.desk.platform;
    // Followed from its first event on: its order's later changes are told to it while it is open.
    await this.cases.follow(platform, ticketId, serviceCase.orderReference, serviceCase.status);
    if (await this.context.noted(platform, ticketId, OPENED)) return void this.metrics.alreadyNoted++;
    const subject = await this.subjectOf(serviceCase);
    const body = composeCaseNote(subject, { warrantyMonths: this.options.warrantyMonths, now: Date.now() });
    // The note first, then its record: a crash in between notes the ticket again on redelivery (twice is better than
    // never); the desk's answer is durable once it returns.
    const { noteId } = await this.desk.addPrivateNote(ticketId, body);
    await this.cases.told(
      platform,
      ticketId,
      subject.kind === 'order' && subject.order ? orderFacts(subject.order) : [],
    );
    await this.context.recordNote(platform, ticketId, OPENED, noteId);
    this.metrics.noted++;
    this.log.info({ ticketId, noteId, order: serviceCase.orderReference }, 'ticket answered with its ERP context');
  }

  private async subjectOf(serviceCase: ServiceCase): Promise<CaseSubject> {
    if (serviceCase.orderReference) {
      const reference = serviceCase.orderReference;
      return { kind: 'order', reference, order: await this.context.orderByName(reference) };
    }
    const deskOrganization = serviceCase.organization?.deskOrganizationId;
    const customerId = deskOrganization
      ? await this.context.externalIdOf(this.desk.platform, DESK_OBJECTS.organization, deskOrganization)
      : undefined;
    if (!customerId) return { kind: 'unknown-customer' };
    return { kind: 'customer', orders: await this.context.recentOrders(customerId, this.options.recentOrders) };
  }
}
