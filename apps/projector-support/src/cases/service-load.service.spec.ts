import type { OutgoingRecord, ServiceCase } from '@hub/canonical';
import { KeyedLock } from '@hub/projection';
import pino from 'pino';
import { CountedTicket, ServiceLoadCount } from './service-load';
import type { SeenTicket, ServiceLoadRepository } from './service-load.repository';
import { ServiceLoadService } from './service-load.service';

type Repository = Pick<ServiceLoadRepository, 'saveTicket' | 'openTicketsOf' | 'lastPublished' | 'published'>;

/** The hub database's tables as the repository reads them, in memory. */
class InMemoryLoads implements Repository {
  readonly tickets = new Map<string, SeenTicket & { movedFrom: string | null; openedAt: number }>();
  readonly loads = new Map<string, ServiceLoadCount & { version: number }>();
  /** Desk organization id → the customer the hub wrote it for (support_desk_record). */
  readonly organizations = new Map<string, string>();
  version = 100;
  /** Runs once, between reading a count and publishing it: another instance's change. */
  meanwhile?: () => void;

  async saveTicket(_platform: string, t: SeenTicket) {
    const old = this.tickets.get(t.ticketId);
    if (!old || old.position <= t.position) {
      const moved = old && old.organizationId !== t.organizationId ? old.organizationId : (old?.movedFrom ?? null);
      this.tickets.set(t.ticketId, {
        ...t,
        movedFrom: moved,
        openedAt: t.createdAt ?? old?.openedAt ?? t.seenAt,
      });
    }
    const row = this.tickets.get(t.ticketId)!;
    return { organizations: [...new Set([row.organizationId, row.movedFrom].filter((o): o is string => !!o))] };
  }

  async openTicketsOf(_platform: string, _object: string, customerId: string, open: readonly string[]) {
    const tickets: CountedTicket[] = [...this.tickets.values()]
      .filter((t) => t.organizationId && this.organizations.get(t.organizationId) === customerId)
      .filter((t) => open.includes(t.status))
      .map((t) => ({ status: t.status, priority: t.priority, openedAt: t.openedAt }));
    const result = { version: ++this.version, tickets };
    const meanwhile = this.meanwhile;
    this.meanwhile = undefined;
    meanwhile?.();
    return result;
  }

  async lastPublished(_platform: string, customerId: string) {
    const load = this.loads.get(customerId);
    return load && { ...load, version: undefined };
  }

  async published(_platform: string, customerId: string, count: ServiceLoadCount, version: number) {
    if ((this.loads.get(customerId)?.version ?? 0) < version) this.loads.set(customerId, { ...count, version });
  }
}

const T0 = Date.UTC(2026, 11, 6, 9, 0);

function serviceCase(ticket: string, over: Partial<ServiceCase> = {}): ServiceCase {
  return {
    id: `zendesk-ticket-${ticket}`,
    desk: 'ZENDESK',
    deskTicketId: ticket,
    requester: { deskUserId: null, name: null, email: null },
    organization: { deskOrganizationId: '9001', name: 'Acme' },
    subject: 'help',
    status: 'open',
    deskStatus: 'open',
    priority: 'normal',
    channel: null,
    orderReference: null,
    invoiceReference: null,
    tags: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function setup() {
  const loads = new InMemoryLoads();
  loads.organizations.set('9001', 'odoo-partner-7');
  loads.organizations.set('9002', 'salesforce-account-001Hb00000AbCdEIAZ');
  const sent: OutgoingRecord[] = [];
  const service = new ServiceLoadService(
    { platform: 'zendesk' },
    loads,
    { externalIdOf: async (_p, _o, deskId) => loads.organizations.get(deskId) },
    { publish: async (records) => void sent.push(...records) },
    new KeyedLock(),
    pino({ level: 'silent' }),
    undefined,
    () => T0 + 60_000,
  );
  const published = () =>
    sent.map((r) => {
      const value = r.value as unknown as { customerServiceLoad: Record<string, unknown> };
      const { customerId, openTickets, urgentOpenTickets } = value.customerServiceLoad;
      return [customerId, openTickets, urgentOpenTickets];
    });
  return { loads, service, sent, published };
}

describe('ServiceLoadService', () => {
  it("publishes the customer's whole load after each ticket, as SUPPORT, keyed per desk and customer, positioned by the count's version", async () => {
    const { service, sent, published } = setup();
    await service.caseChanged(serviceCase('1', { priority: 'urgent' }), 10);
    await service.caseChanged(serviceCase('2', { createdAt: T0 - 3_600_000 }), 11);
    expect(published()).toEqual([
      ['odoo-partner-7', 1, 1],
      ['odoo-partner-7', 2, 1],
    ]);
    const last = sent[1];
    expect(last.topic).toBe('customer-service-load');
    expect(last.key).toBe('zendesk-service-load-odoo-partner-7');
    expect(last.value).toMatchObject({
      envelope: {
        eventType: 'customer-service-load.upserted',
        aggregateId: 'zendesk-service-load-odoo-partner-7',
        sourceSystem: 'SUPPORT',
        sourcePosition: 103,
      },
      customerServiceLoad: {
        id: 'zendesk-service-load-odoo-partner-7',
        desk: 'ZENDESK',
        salesforceAccountId: null,
        oldestOpenSince: T0 - 3_600_000,
        updatedAt: T0 + 60_000,
      },
    });
  });

  it('publishes nothing when the count did not change (a comment, a redelivery)', async () => {
    const { service, published } = setup();
    await service.caseChanged(serviceCase('1'), 10);
    await service.caseChanged(serviceCase('1', { subject: 'more help' }), 11);
    await service.caseChanged(serviceCase('1'), 10);
    expect(published()).toEqual([['odoo-partner-7', 1, 0]]);
    expect(service.metrics).toMatchObject({ published: 1, unchanged: 2 });
  });

  it('counts a solved ticket out, and keeps the newer state when an older event comes again', async () => {
    const { service, published } = setup();
    await service.caseChanged(serviceCase('1', { priority: 'high' }), 10);
    await service.caseChanged(serviceCase('1', { status: 'solved', priority: 'high' }), 12);
    await service.caseChanged(serviceCase('1', { priority: 'high' }), 10);
    expect(published()).toEqual([
      ['odoo-partner-7', 1, 1],
      ['odoo-partner-7', 0, 0],
    ]);
  });

  it('counts a ticket of an organization the hub never wrote for nobody, and one of another desk not at all', async () => {
    const { service, sent } = setup();
    await service.caseChanged(serviceCase('1', { organization: { deskOrganizationId: '777', name: 'Acme' } }), 10);
    await service.caseChanged(serviceCase('2', { organization: null }), 10);
    await service.caseChanged(serviceCase('3', { desk: 'FRESHDESK' }), 10);
    expect(sent).toEqual([]);
    expect(service.metrics).toMatchObject({ noCustomer: 2, otherDesk: 1 });
  });

  it('counts both customers again when a ticket moves from one organization to another', async () => {
    const { service, sent, published } = setup();
    await service.caseChanged(serviceCase('1'), 10);
    await service.caseChanged(serviceCase('1', { organization: { deskOrganizationId: '9002', name: null } }), 11);
    expect(published()).toEqual([
      ['odoo-partner-7', 1, 0],
      ['salesforce-account-001Hb00000AbCdEIAZ', 1, 0],
      ['odoo-partner-7', 0, 0],
    ]);
    // A customer a rep created in Salesforce: its Account is named by its Id.
    expect(sent[1].value).toMatchObject({ customerServiceLoad: { salesforceAccountId: '001Hb00000AbCdEIAZ' } });
  });

  it('publishes again when a ticket changed between its count and the check after publishing (another instance)', async () => {
    const { loads, service, sent, published } = setup();
    await service.caseChanged(serviceCase('1'), 10);
    loads.meanwhile = () =>
      void loads.saveTicket('zendesk', { ...toSeen(serviceCase('2', { priority: 'urgent' })), position: 11 });
    await service.caseChanged(serviceCase('1', { subject: 'still open' }), 12);
    await service.caseChanged(serviceCase('3', { status: 'closed' }), 13);
    expect(published()).toEqual([
      ['odoo-partner-7', 1, 0],
      ['odoo-partner-7', 2, 1],
    ]);
    await service.caseChanged(serviceCase('4', { status: 'closed' }), 14);
    expect(sent).toHaveLength(2);
  });
});

function toSeen(c: ServiceCase): Omit<SeenTicket, 'position'> {
  return {
    ticketId: c.deskTicketId,
    organizationId: c.organization?.deskOrganizationId ?? null,
    status: c.status,
    priority: c.priority,
    createdAt: c.createdAt,
    seenAt: c.updatedAt,
  };
}
