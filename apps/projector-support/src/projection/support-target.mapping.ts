import type { ChildScope, TargetMapping, TargetWrite } from '@hub/projection';
import type { DeskContextFields } from '../desk/support-desk.port';

/** The documents whose changes change a customer's context on the desk. */
const CONTEXT_ENTITIES = new Set(['SalesOrder', 'Shipment', 'Invoice']);

/** The desk's kinds of record in the hub's terms; each adapter names them as its vendor does. */
export const DESK_OBJECTS = { organization: 'Organization', person: 'Person' } as const;
/** Desk records are keyed by the canonical id, the vendor's external id. */
export const DESK_KEY_FIELD = 'externalId';

/**
 * Customers and contacts as desk organizations and people, in code: what a support agent needs to recognise who
 * writes (name, email domain, email, phone), nothing else. This is the allow-list of docs/support-data-minimisation.md:
 * a field not written here never reaches a desk (prices, costs, margins, bank details, VAT, credit limits, addresses).
 */
export class SupportTargetMapping implements TargetMapping {
  /**
   * `contextOf`: the organization's ERP context fields from the read model (already holding the event being planned),
   * for an order, delivery or invoice of that customer. Without it, only customers and contacts are mapped.
   */
  constructor(private readonly contextOf?: (customerId: string) => Promise<DeskContextFields>) {}

  handles(entity: string): boolean {
    return (
      entity === 'Customer' || entity === 'Contact' || (this.contextOf !== undefined && CONTEXT_ENTITIES.has(entity))
    );
  }

  writesKeyedBy(object: string, keyField: string): boolean {
    return keyField === DESK_KEY_FIELD && (object === DESK_OBJECTS.organization || object === DESK_OBJECTS.person);
  }

  async plan(entity: string, record: Record<string, unknown>, writable: ReadonlySet<string>): Promise<TargetWrite[][]> {
    if (CONTEXT_ENTITIES.has(entity)) return this.planContext(record);
    const id = String(record.id);
    const pick = (field: string) => (writable.has(field) ? (record[field] ?? null) : undefined);
    if (entity === 'Customer') {
      const fields = defined({ name: pick('name'), domains: domainsOf(pick('website'), pick('email')) });
      return [[write('Customer', DESK_OBJECTS.organization, id, fields, [])]];
    }
    const customerId = pick('customerId');
    const organization = typeof customerId === 'string' ? customerId : null;
    const fields = defined({
      name: pick('name'),
      email: pick('email'),
      phone: pick('phone') ?? pick('mobile'),
      organizationExternalId: customerId === undefined ? undefined : organization,
    });
    const parents = organization
      ? [{ object: DESK_OBJECTS.organization, keyField: DESK_KEY_FIELD, key: organization }]
      : [];
    return [[write('Contact', DESK_OBJECTS.person, id, fields, parents)]];
  }

  /**
   * An order, delivery or invoice changes its customer's context on the desk: the whole context, recomputed, merged
   * onto the organization the customer's own write creates (it waits for it, bounded by the parent wait). Its stale
   * guard is the organization's context, so a later change of any of the customer's documents wins.
   */
  private async planContext(record: Record<string, unknown>): Promise<TargetWrite[][]> {
    const customerId = record.customerId;
    if (typeof customerId !== 'string' || !this.contextOf) return [];
    const context = await this.contextOf(customerId);
    const organization = { object: DESK_OBJECTS.organization, keyField: DESK_KEY_FIELD, key: customerId };
    return [
      [{ ...write('Context', DESK_OBJECTS.organization, customerId, { context }, [organization]), kind: 'merge' }],
    ];
  }

  /**
   * A customer deleted in the ERP stays on the desk: its tickets and their history are the desk's, and an agent may
   * still answer them. Nothing is written.
   */
  planDeletion(): TargetWrite[][] {
    return [];
  }

  childScopes(): ChildScope[] {
    return [];
  }
}

function write(
  entity: string,
  object: string,
  key: string,
  fields: Record<string, unknown>,
  parents: TargetWrite['parents'],
): TargetWrite {
  return {
    scope: `${entity}:${object}`,
    object,
    keyField: DESK_KEY_FIELD,
    key,
    fields,
    createOnly: {},
    kind: 'upsert',
    parents,
  };
}

/** Fields the source owns only: one it does not own is left as the desk has it. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The organization's email domains, from its website or email (Zendesk routes a new requester to the organization of
 * their domain): undefined when the source owns neither, so the desk's are kept.
 */
export function domainsOf(website: unknown, email: unknown): string[] | undefined {
  if (website === undefined && email === undefined) return undefined;
  const hosts = new Set<string>();
  if (typeof website === 'string' && website.trim()) {
    try {
      const url = new URL(/^[a-z]+:\/\//i.test(website) ? website : `https://${website}`);
      hosts.add(url.hostname.replace(/^www\./, '').toLowerCase());
    } catch {
      // A website that is no URL gives no domain; the name still identifies the organization.
    }
  }
  if (typeof email === 'string' && /@([^@\s>]+)/.test(email)) hosts.add(/@([^@\s>]+)/.exec(email)![1].toLowerCase());
  return [...hosts];
}
