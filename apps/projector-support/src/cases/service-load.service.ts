import type { OnModuleInit } from '@nestjs/common';
import {
  canonicalEnvelope,
  canonicalEvent,
  CanonicalPublisher,
  CustomerServiceLoad,
  deterministicEventId,
  OutgoingRecord,
  salesforceAccountIdOf,
  ServiceCase,
  supportCanonicalIds,
} from '@hub/canonical';
import type { KeyedLock } from '@hub/projection';
import type { Logger } from 'pino';
import type { ErpContextRepository } from '../context/erp-context.repository';
import type { SupportDesk } from '../desk/support-desk.port';
import { DESK_OBJECTS } from '../projection/support-target.mapping';
import { countServiceLoad, OPEN_STATUSES, sameServiceLoad, ServiceLoadCount } from './service-load';
import type { ServiceLoadRepository } from './service-load.repository';

/**
 * Counts of one customer made in a row before giving up: each pass after a publish reads again, and only another
 * instance counting the same customer at the same time makes it differ; that instance publishes its own count.
 */
const MAX_PASSES = 3;

/**
 * Keeps every customer's service load on the customer-service-load topic: after each service case of this
 * installation's desk, the tickets of the customer its organization is (and of the one it moved from) are counted
 * again and, when the count changed, published as the customer's whole state (source SUPPORT), acknowledged by Kafka
 * before the handler returns, so before the service case's offset is committed.
 *
 * Why it is right with several instances: a count is read with its version in one statement, published, then read
 * again; a count that differs from the last published one is published again with a newer version. So the count of
 * the highest version was read after every ticket change stored before its last check, and the targets' stale guard
 * keeps the highest version. A duplicate is harmless: every event is the whole state.
 */
export class ServiceLoadService implements OnModuleInit {
  readonly metrics = { published: 0, unchanged: 0, otherDesk: 0, noCustomer: 0 };

  constructor(
    private readonly desk: Pick<SupportDesk, 'platform'>,
    private readonly loads: Pick<ServiceLoadRepository, 'saveTicket' | 'openTicketsOf' | 'lastPublished' | 'published'>,
    private readonly context: Pick<ErpContextRepository, 'externalIdOf'>,
    private readonly publisher: Pick<CanonicalPublisher, 'publish'>,
    /** Per customer: two tickets of one customer handled at once count it one after the other. */
    private readonly perCustomer: KeyedLock,
    private readonly log: Logger,
    /** Registers the topic's schema before the first publish (at start, after the topics exist). */
    private readonly prepare: () => Promise<void> = async () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.prepare();
  }

  /** A service case changed: stores the ticket and publishes the changed load of the customers it concerns. */
  async caseChanged(serviceCase: ServiceCase, position: number): Promise<void> {
    const platform = this.desk.platform;
    if (serviceCase.desk.toLowerCase() !== platform) return void this.metrics.otherDesk++;
    const { organizations } = await this.loads.saveTicket(platform, {
      ticketId: serviceCase.deskTicketId,
      organizationId: serviceCase.organization?.deskOrganizationId ?? null,
      status: serviceCase.status,
      priority: serviceCase.priority,
      createdAt: serviceCase.createdAt,
      seenAt: serviceCase.updatedAt,
      position,
    });
    const customers = new Set<string>();
    for (const organization of organizations) {
      // Only an organization the hub wrote is a customer's: never a guess by name or domain.
      const customerId = await this.context.externalIdOf(platform, DESK_OBJECTS.organization, organization);
      if (customerId) customers.add(customerId);
    }
    if (customers.size === 0) return void this.metrics.noCustomer++;
    for (const customerId of customers) await this.perCustomer.run(customerId, () => this.recount(customerId));
  }

  private async recount(customerId: string): Promise<void> {
    const platform = this.desk.platform;
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const { version, tickets } = await this.loads.openTicketsOf(
        platform,
        DESK_OBJECTS.organization,
        customerId,
        OPEN_STATUSES,
      );
      const count = countServiceLoad(tickets);
      const last = await this.loads.lastPublished(platform, customerId);
      if (last && sameServiceLoad(last, count)) {
        if (pass === 1) this.metrics.unchanged++;
        return;
      }
      await this.publisher.publish([this.toOutgoing(customerId, count, version)]);
      await this.loads.published(platform, customerId, count, version);
      this.metrics.published++;
      this.log.info({ customerId, ...count, version }, 'service load published');
    }
    this.log.warn({ customerId }, 'service load still changing after its checks: the latest count publishes it');
  }

  private toOutgoing(
    customerId: string,
    count: ServiceLoadCount,
    version: number,
  ): OutgoingRecord<'customer-service-load'> {
    const platform = this.desk.platform;
    const id = supportCanonicalIds.serviceLoad(platform, customerId);
    const now = this.now();
    const load: CustomerServiceLoad = {
      id,
      customerId,
      salesforceAccountId: salesforceAccountIdOf(customerId) ?? null,
      desk: platform === 'zendesk' ? 'ZENDESK' : 'FRESHDESK',
      ...count,
      updatedAt: now,
    };
    const envelope = canonicalEnvelope({
      eventId: deterministicEventId('customer-service-load', id, version),
      eventType: 'customer-service-load.upserted',
      aggregateId: id,
      occurredAt: now,
      sourceSystem: 'SUPPORT',
      sourceTable: 'support_ticket',
      sourcePrimaryKey: `${platform}:${customerId}`,
      sourcePosition: version,
    });
    return { topic: 'customer-service-load', key: id, value: canonicalEvent('customer-service-load', envelope, load) };
  }
}
