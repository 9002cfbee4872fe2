import type { AuditRecorder } from '@hub/audit';
import type { ServiceCase } from '@hub/canonical';
import { hubExternalIds } from '@hub/odoo';
import { PermanentError } from '@hub/resilience';
import type { Logger } from 'pino';
import type { OrderContext } from '../context/erp-context.repository';
import { ErpContextRepository } from '../context/erp-context.repository';
import type { SupportDesk } from '../desk/support-desk.port';
import { ReturnRow, SupportCaseRepository } from '../cases/support-case.repository';
import { OdooReturns } from './odoo-returns';

export interface ReturnRequestOptions {
  /** The ticket tag that asks for a return (SUPPORT_RETURN_TAG). */
  returnTag: string;
}

/** Why the hub noted a ticket: one note per ticket for its return, whatever the redeliveries. */
const RETURN_NOTE = 'return';

/**
 * How long before a `requested` row's time an earlier attempt's Odoo return may have been created: the row is written
 * before Odoo is called, so only clock skew between the hub and Odoo separates them.
 */
const CLOCK_SKEW_MS = 60_000;

const shipmentOdooId = (canonicalId: string) => {
  const m = /^odoo-shipment-(\d+)$/.exec(canonicalId);
  return m ? Number(m[1]) : undefined;
};

/**
 * A ticket tagged as a return request (SUPPORT_RETURN_TAG) for a delivered order becomes a return in Odoo: one
 * receipt per done delivery of the order, linked to it, made once per ticket however often its events arrive (the
 * hub's external id on each return, and a row per delivery written before Odoo is called). The ticket then gets one
 * private note with each return's Odoo reference and state, or with the plain reason none was made (no order named,
 * an order the ERP does not have, nothing delivered yet, everything returned already: Odoo's own message).
 */
export class ReturnRequestsService {
  readonly metrics = { created: 0, refused: 0, alreadyDone: 0, auditFailures: 0 };

  constructor(
    private readonly desk: SupportDesk,
    /** Undefined when the installation connects no Odoo (ODOO_URL unset). */
    private readonly returns: OdooReturns | undefined,
    private readonly context: ErpContextRepository,
    private readonly cases: SupportCaseRepository,
    private readonly options: ReturnRequestOptions,
    private readonly log: Logger,
    /** The audit trail, for the returns made in Odoo (see AuditRecorder.writesOrLog: a return is never made twice). */
    private readonly audit?: Pick<AuditRecorder, 'writesOrLog'>,
  ) {}

  /** Whether the ticket asks for a return. */
  requested(serviceCase: ServiceCase): boolean {
    return (serviceCase.tags ?? []).includes(this.options.returnTag.toLowerCase());
  }

  async caseChanged(serviceCase: ServiceCase): Promise<void> {
    const platform = this.desk.platform;
    if (serviceCase.desk.toLowerCase() !== platform || !this.requested(serviceCase)) return;
    const ticketId = serviceCase.deskTicketId;
    if (await this.context.noted(platform, ticketId, RETURN_NOTE)) return void this.metrics.alreadyDone++;

    const reference = serviceCase.orderReference;
    const order = reference ? await this.context.orderByName(reference) : undefined;
    const lines = !this.returns
      ? ['No return was created: this hub does not create returns in the ERP. Create it there by hand.']
      : !reference
        ? ['No return was created: the ticket names no order. Set its order reference and tag it again.']
        : !order
          ? [`No return was created: the ERP has no order named ${reference}. Check the reference with the customer.`]
          : await this.returnOrder(this.returns, platform, ticketId, order);

    const body = ['Return request, from the integration hub:', ...lines].join('\n');
    const { noteId } = await this.desk.addPrivateNote(ticketId, body);
    await this.context.recordNote(platform, ticketId, RETURN_NOTE, noteId);
    this.log.info({ ticketId, order: reference, noteId }, 'return request answered');
  }

  private async returnOrder(
    returns: OdooReturns,
    platform: string,
    ticketId: string,
    order: OrderContext,
  ): Promise<string[]> {
    const delivered = order.shipments.filter((s) => s.state === 'done' && shipmentOdooId(s.id) !== undefined);
    if (delivered.length === 0) {
      this.metrics.refused++;
      return [`No return was created: order ${order.name} has no completed delivery yet, so nothing can come back.`];
    }
    const done = await this.cases.returnsOf(platform, ticketId);
    const lines: string[] = [];
    for (const delivery of delivered) {
      const deliveryId = shipmentOdooId(delivery.id)!;
      const row = await this.returnDelivery(returns, platform, ticketId, order.name, deliveryId, delivery.name, done);
      const of = `delivery ${delivery.name ?? deliveryId} of order ${order.name}`;
      lines.push(
        row.outcome === 'created'
          ? `Odoo return ${row.returnName} (${stateName(row.returnState)}) created for ${of}.`
          : `No return was created for ${of}: ${row.detail}`,
      );
    }
    return lines;
  }

  private async returnDelivery(
    returns: OdooReturns,
    platform: string,
    ticketId: string,
    orderReference: string,
    deliveryId: number,
    deliveryName: string | null,
    done: Map<number, ReturnRow>,
  ): Promise<Omit<ReturnRow, 'requestedAt'>> {
    const earlier = done.get(deliveryId);
    if (earlier && earlier.outcome !== 'requested') return earlier;
    const externalId = hubExternalIds.supportReturn(platform, ticketId, deliveryId);
    const base = { deliveryId, deliveryName, orderReference };
    const existing =
      (await returns.recorded(externalId)) ??
      (earlier ? await this.adoptUnrecorded(returns, deliveryId, externalId, earlier.requestedAt) : undefined);
    if (existing) return this.saved(platform, ticketId, { ...base, ...created(existing) });

    await this.cases.saveReturn(platform, ticketId, { ...base, ...pending() });
    const audited = (outcome: 'applied' | 'failed', targetId: number | null, reason: string | null) =>
      this.auditReturn(platform, ticketId, externalId, deliveryId, outcome, targetId, reason);
    try {
      const made = await returns.create(deliveryId, externalId);
      await audited('applied', made.id, null);
      this.metrics.created++;
      this.log.info({ ticketId, deliveryId, returnPicking: made.name }, 'Odoo return created for a ticket');
      return this.saved(platform, ticketId, { ...base, ...created(made) });
    } catch (error) {
      // Odoo refusing (nothing left to return, a delivery not done after all) is the answer, told to the agent;
      // anything else (Odoo down, a timeout) is retried with the event, and finds the row `requested`.
      if (!(error instanceof PermanentError)) throw error;
      await audited('failed', null, error.message);
      this.metrics.refused++;
      return this.saved(platform, ticketId, { ...base, ...pending(), outcome: 'refused', detail: error.message });
    }
  }

  private async auditReturn(
    platform: string,
    ticketId: string,
    externalId: string,
    deliveryId: number,
    outcome: 'applied' | 'failed',
    targetId: number | null,
    reason: string | null,
  ): Promise<void> {
    if (!this.audit) return;
    const stored = await this.audit.writesOrLog(
      'odoo',
      [
        {
          object: 'stock.picking',
          externalId,
          targetId: targetId === null ? null : String(targetId),
          parentIds: [`odoo-shipment-${deliveryId}`, `${platform}-ticket-${ticketId}`],
          fields: { picking_id: deliveryId },
          outcome,
          reason,
        },
      ],
      this.log,
    );
    if (!stored) this.metrics.auditFailures++;
  }

  /** An Odoo return an earlier attempt created but could not record: recorded now, never created twice. */
  private async adoptUnrecorded(returns: OdooReturns, deliveryId: number, externalId: string, requestedAt: Date) {
    const found = await returns.unrecordedSince(deliveryId, new Date(requestedAt.getTime() - CLOCK_SKEW_MS));
    if (found) await returns.record(found.id, externalId);
    return found;
  }

  private async saved(platform: string, ticketId: string, row: Omit<ReturnRow, 'requestedAt'>) {
    await this.cases.saveReturn(platform, ticketId, row);
    return row;
  }
}

const pending = () => ({
  outcome: 'requested' as const,
  returnId: null,
  returnName: null,
  returnState: null,
  detail: null,
});

const created = (r: { id: number; name: string; state: string }) => ({
  outcome: 'created' as const,
  returnId: r.id,
  returnName: r.name,
  returnState: r.state,
  detail: null,
});

/** Odoo's picking states by the names its UI shows. */
const STATE_NAMES: Record<string, string> = {
  draft: 'Draft',
  waiting: 'Waiting Another Operation',
  confirmed: 'Waiting',
  assigned: 'Ready',
  done: 'Done',
  cancel: 'Cancelled',
};
const stateName = (state: string | null) => (state ? (STATE_NAMES[state] ?? state) : 'state unknown');
