/**
 * The projection engine with projector-support's mapping and desk target, against an in-memory desk that keeps what
 * it is sent by external id: customers and contacts become organizations and people, a person after its organization,
 * and only the allow-listed fields leave the hub.
 */
import type { CanonicalEventOf, Contact, Customer } from '@hub/canonical';
import { fieldOwnership } from '@hub/canonical';
import { ParentTracker, ProjectionEngine, TargetWriter } from '@hub/projection';
import { odooEnvelope } from '@hub/projection/testing/events';
import { InMemoryPositions, silentLog } from '@hub/projection/testing/in-memory';
import {
  DEFAULT_BREAKER_OPTIONS,
  DeferredError,
  PermanentError,
  PermanentErrorCode,
  TargetBreaker,
} from '@hub/resilience';
import { SupportDeskTarget } from '../desk/support-desk.target';
import {
  DeskContextFields,
  DeskNoteResult,
  DeskOrganization,
  DeskPerson,
  DeskResult,
  DeskTicket,
  SupportDesk,
} from '../desk/support-desk.port';
import { domainsOf, SupportTargetMapping } from './support-target.mapping';

/** A desk that keeps records by external id and refuses a person whose organization it does not have. */
class MemoryDesk extends SupportDesk {
  readonly platform = 'zendesk' as const;
  readonly limits = { maxBatchSize: 100, maxNoteLength: 1_000 };
  readonly organizations = new Map<string, DeskOrganization>();
  readonly people = new Map<string, DeskPerson>();
  calls = 0;

  upsertOrganizations(records: DeskOrganization[]): Promise<DeskResult[]> {
    this.calls++;
    return Promise.resolve(
      records.map((r): DeskResult => {
        const created = !this.organizations.has(r.externalId);
        if (created && r.name === undefined) {
          const error = new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `no ${r.externalId}`, {
            vendorCode: 'NOT_FOUND',
          });
          return { ok: false, error };
        }
        this.organizations.set(r.externalId, { ...this.organizations.get(r.externalId), ...r });
        return { ok: true, deskId: r.externalId, created };
      }),
    );
  }

  upsertPeople(records: DeskPerson[]): Promise<DeskResult[]> {
    this.calls++;
    return Promise.resolve(
      records.map((r): DeskResult => {
        if (r.organizationExternalId && !this.organizations.has(r.organizationExternalId)) {
          return {
            ok: false,
            error: new PermanentError(
              PermanentErrorCode.REJECTED_BY_TARGET,
              `no organization ${r.organizationExternalId}`,
            ),
          };
        }
        const created = !this.people.has(r.externalId);
        this.people.set(r.externalId, r);
        return { ok: true, deskId: r.externalId, created };
      }),
    );
  }

  addPrivateNote(): Promise<DeskNoteResult> {
    throw new Error('not used');
  }

  getTicket(): Promise<DeskTicket | undefined> {
    throw new Error('not used');
  }
}

function event(entity: 'customer', record: Customer): CanonicalEventOf<'customer.upserted'>;
function event(entity: 'contact', record: Contact): CanonicalEventOf<'contact.upserted'>;
function event(entity: 'customer' | 'contact', record: Customer | Contact): CanonicalEventOf {
  const envelope = odooEnvelope(`${entity}.upserted`, record.id);
  return entity === 'customer'
    ? { eventType: 'customer.upserted', eventId: envelope.eventId, value: { envelope, customer: record as Customer } }
    : { eventType: 'contact.upserted', eventId: envelope.eventId, value: { envelope, contact: record as Contact } };
}

const customer = (i: number) =>
  event('customer', {
    id: `odoo-partner-${i}`,
    odooId: i,
    salesforceId: null,
    name: `Brasserie ${i}`,
    reference: `C${i}`,
    vat: 'BE0477472701',
    email: `orders@brasserie${i}.example`,
    phone: '+32 9 555 01 01',
    website: 'https://www.brasserie.example',
    address: { street: 'Korenmarkt 1', street2: null, zip: '9000', city: 'Gent', countryCode: 'BE' },
    industry: null,
    active: true,
  });
const contact = (i: number, customerId: string) =>
  event('contact', {
    id: `odoo-partner-${1_000 + i}`,
    odooId: 1_000 + i,
    salesforceId: null,
    customerId,
    name: `Buyer ${i}`,
    jobTitle: 'Buyer',
    email: `buyer${i}@brasserie.example`,
    phone: null,
    mobile: '+32 470 00 00 00',
    active: true,
  });

const CONTEXT: DeskContextFields = {
  openOrders: 1,
  overdueInvoices: 0,
  overdueAmount: null,
  lastDelivery: null,
  lastDeliveryCarrier: null,
  lastDeliveryTracking: null,
  entitlement: 'no delivery yet: no warranty running',
};

const invoiceEvent = (customerId: string): CanonicalEventOf<'invoice.upserted'> => {
  const envelope = odooEnvelope('invoice.upserted', 'odoo-invoice-5', 'account_move');
  return {
    eventType: 'invoice.upserted',
    eventId: envelope.eventId,
    value: {
      envelope,
      invoice: {
        id: 'odoo-invoice-5',
        odooId: 5,
        number: 'INV/2026/00005',
        moveType: 'out_invoice',
        state: 'posted',
        paymentState: 'not_paid',
        customerId,
        invoiceDate: null,
        dueDate: null,
        currencyCode: 'EUR',
        amountUntaxed: '100.0000',
        amountTax: '21.0000',
        amountTotal: '121.0000',
        amountResidual: '121.0000',
        originOrder: null,
        paymentReference: 'RF18 5390 0754 7034',
        orderIds: [],
        orderId: null,
      },
    },
  };
};

function engineOn(desk: MemoryDesk) {
  const limits = { maxBatchSize: desk.limits.maxBatchSize, lingerMs: () => 20, parentWaitMs: 5_000 };
  const target = new SupportDeskTarget(desk, limits);
  const positions = new InMemoryPositions();
  const mapping = new SupportTargetMapping(() => Promise.resolve(CONTEXT));
  const breaker = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'desk' });
  const parents = new ParentTracker(positions, (o, f) => mapping.writesKeyedBy(o, f), limits.parentWaitMs);
  const writer = new TargetWriter(target, positions, parents, breaker, undefined, silentLog);
  return new ProjectionEngine(target, mapping, writer, positions, fieldOwnership());
}

describe('projector-support: customers and contacts onto a desk through the projection engine', () => {
  it('writes an organization and its person, the person after the organization, in batches', async () => {
    const desk = new MemoryDesk();
    const engine = engineOn(desk);
    // The contacts arrive first (another partition): they are deferred until their organizations are written, and
    // applied again as the consumer does with a parked record.
    const deferred: Array<(typeof contacts)[number]> = [];
    const contacts = Array.from({ length: 50 }, (_, i) => contact(i, `odoo-partner-${i}`));
    const parkedAt = Date.now();
    await Promise.all([
      ...contacts.map((c) =>
        engine.apply(c).catch((e: Error) => void (e instanceof DeferredError && deferred.push(c))),
      ),
      ...Array.from({ length: 50 }, (_, i) => engine.apply(customer(i))),
    ]);
    await Promise.all(deferred.map((c) => engine.apply(c, { parkedAt })));
    expect(desk.organizations.size).toBe(50);
    expect(desk.people.size).toBe(50);
    expect(desk.people.get('odoo-partner-1007')).toEqual({
      externalId: 'odoo-partner-1007',
      name: 'Buyer 7',
      email: 'buyer7@brasserie.example',
      phone: '+32 470 00 00 00',
      organizationExternalId: 'odoo-partner-7',
    });
    expect(desk.calls).toBeLessThanOrEqual(10);
  });

  it('sends an organization nothing but its name and email domains: no VAT, reference or address', async () => {
    const desk = new MemoryDesk();
    await engineOn(desk).apply(customer(3));
    expect(desk.organizations.get('odoo-partner-3')).toEqual({
      externalId: 'odoo-partner-3',
      name: 'Brasserie 3',
      domains: ['brasserie.example', 'brasserie3.example'],
    });
  });

  it('sends nothing a producer adds beyond the allow-list: prices, costs and bank details stay in the ERP', async () => {
    const desk = new MemoryDesk();
    const withExtras = customer(4);
    // A later schema version (or a careless producer) carrying a price list, a cost and a bank account.
    Object.assign(withExtras.value.customer!, {
      bankAccount: 'BE71 0961 2345 6769',
      standardCost: '12.34',
      pricelist: 'Wholesale 2026: 49.90',
    });
    await engineOn(desk).apply(withExtras);
    const sent = JSON.stringify([...desk.organizations.values()]);
    expect(sent).toContain('odoo-partner-4');
    expect(sent).not.toMatch(/BE71|0961|12\.34|49\.90|Wholesale/);
  });

  it('merges an invoice’s recomputed context onto its customer’s organization, once the organization is there', async () => {
    const desk = new MemoryDesk();
    const engine = engineOn(desk);
    // Before the customer: the desk has no organization, the context waits (the consumer parks it and comes back).
    await expect(engine.apply(invoiceEvent('odoo-partner-9'))).rejects.toThrow();
    expect(desk.organizations.size).toBe(0);
    await engine.apply(customer(9));
    await engine.apply(invoiceEvent('odoo-partner-9'), { parkedAt: Date.now() });
    expect(desk.organizations.get('odoo-partner-9')).toEqual({
      externalId: 'odoo-partner-9',
      name: 'Brasserie 9',
      domains: ['brasserie.example', 'brasserie9.example'],
      context: CONTEXT,
    });
    // Nothing of the invoice itself (amounts, payment reference) reached the desk: only the computed context.
    expect(JSON.stringify([...desk.organizations.values()])).not.toMatch(/121|RF18/);
  });

  it('turns a website or an email into domains, and ignores what is neither', () => {
    expect(domainsOf('www.Example.com/contact', 'Sales <sales@shop.example>')).toEqual(['example.com', 'shop.example']);
    expect(domainsOf('not a url at all', null)).toEqual([]);
    expect(domainsOf(undefined, undefined)).toBeUndefined();
  });
});
