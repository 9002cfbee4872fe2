import type { AuditRecorder, WriteAudit } from '@hub/audit';
import type { Contact, Customer, Envelope } from '@hub/canonical';
import { fieldOwnership } from '@hub/canonical';
import { AppliedPositions, KeyedLock } from '@hub/projection';
import { DeferredError } from '@hub/resilience';
import type { Logger } from 'pino';
import { HUB_MODULE, hubExternalIds, odooIdOf, OdooPort, OdooRecord, OdooValues } from '@hub/odoo';
import { matchDomain, MatchKeys, normaliseVat, PartnerMatchRule } from './partner-match';

export interface PartnerSyncOptions {
  matchRules: readonly PartnerMatchRule[];
  contactParentWaitMs: number;
}

export interface PartnerSyncMetrics {
  created: number;
  matched: number;
  updated: number;
  unchanged: number;
  stale: number;
}

/**
 * Salesforce accounts and contacts into Odoo partners. Each is found before anything is created (the hub's external
 * id, then the configured match rules), linked by the hub's external id, and given only the fields Salesforce owns
 * for it (config/ownership.yaml); a field already holding the value is not written, so a redelivered event changes
 * nothing in Odoo and sends nothing back through CDC.
 */
export class PartnerSyncService {
  readonly metrics: PartnerSyncMetrics = { created: 0, matched: 0, updated: 0, unchanged: 0, stale: 0 };
  /** Entries the hub database refused after retries (logged at error level). */
  auditFailures = 0;
  private readonly countries = new Map<string, number | null>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly odoo: OdooPort,
    private readonly positions: AppliedPositions,
    private readonly options: PartnerSyncOptions,
    private readonly log: Logger,
    /**
     * The audit trail: each partner write's entry is appended before its applied position. Applying the event again
     * would write nothing (the fields hold their values by then), so a failed append is retried and then logged, not
     * left to a redelivery ({@link AuditRecorder.writesOrLog}).
     */
    private readonly audit?: Pick<AuditRecorder, 'writesOrLog'>,
  ) {}

  /** The Odoo partner of a canonical customer id, or null when the hub has not created or linked it yet. */
  async partnerOf(canonicalId: string): Promise<number | null> {
    const direct = odooIdOf(canonicalId, 'partner');
    if (direct !== null) return direct;
    const m = /^salesforce-(account|contact)-(\w+)$/.exec(canonicalId);
    if (!m) return null;
    const name = m[1] === 'account' ? hubExternalIds.account(m[2]) : hubExternalIds.contact(m[2]);
    return this.linked(name);
  }

  async applyCustomer(envelope: Envelope, customer: Customer): Promise<void> {
    await this.lock.run(customer.id, () =>
      this.apply(envelope, 'Customer', customer.id, customer.salesforceId, async () => ({
        values: {
          is_company: true,
          ...this.ownedValues('Customer', customer.id, {
            name: customer.name,
            email: customer.email,
            phone: customer.phone,
            website: customer.website,
            address: customer.address,
          }),
        },
        keys: {
          vat: customer.vat,
          email: customer.email,
          name: customer.name,
          zip: customer.address?.zip ?? null,
        },
        company: true,
        createOnly: { customer_rank: 1, vat: normaliseVat(customer.vat) },
      })),
    );
  }

  async applyContact(envelope: Envelope, contact: Contact, parkedAt: number | undefined): Promise<void> {
    await this.lock.run(contact.id, () =>
      this.apply(envelope, 'Contact', contact.id, contact.salesforceId, async () => {
        const parent = contact.customerId ? await this.partnerOf(contact.customerId) : null;
        if (contact.customerId && parent === null) {
          // The company's own event is on another partition: wait for it (bounded), then create the person alone.
          const waited = parkedAt === undefined ? 0 : Date.now() - parkedAt;
          if (waited < this.options.contactParentWaitMs) {
            throw new DeferredError('PARENT_NOT_IN_ODOO_YET', `${contact.id} waits for ${contact.customerId} in Odoo`);
          }
          this.log.warn({ contact: contact.id, customer: contact.customerId }, 'contact created without its company');
        }
        return {
          values: {
            ...this.ownedValues('Contact', contact.id, {
              name: contact.name,
              email: contact.email,
              phone: contact.phone,
              mobile: contact.mobile,
              jobTitle: contact.jobTitle,
            }),
            ...(parent !== null ? { parent_id: parent } : {}),
          },
          keys: { vat: null, email: contact.email, name: contact.name, zip: null },
          company: false,
          createOnly: { type: 'contact' },
        };
      }),
    );
  }

  private async apply(
    envelope: Envelope,
    entity: 'Customer' | 'Contact',
    canonicalId: string,
    salesforceId: string | null,
    plan: () => Promise<{ values: OdooValues; keys: MatchKeys; company: boolean; createOnly: OdooValues }>,
  ): Promise<void> {
    const scope = `${entity}:res.partner`;
    const key = { scope, key: canonicalId, source: envelope.sourceSystem };
    const applied = (await this.positions.lastAppliedMany([key])).values().next().value;
    const xmlid = salesforceId
      ? entity === 'Customer'
        ? hubExternalIds.account(salesforceId)
        : hubExternalIds.contact(salesforceId)
      : null;
    const entry = (
      partnerId: number | null,
      fields: OdooValues,
      outcome: WriteAudit['outcome'],
      reason: string | null,
    ) => ({
      object: 'res.partner',
      externalId: xmlid ? `${HUB_MODULE}.${xmlid}` : canonicalId,
      targetId: partnerId === null ? null : String(partnerId),
      aliases: [canonicalId, ...(salesforceId ? [salesforceId] : [])],
      fields,
      canonicalId,
      eventId: envelope.eventId,
      sourceSystem: envelope.sourceSystem,
      sourcePosition: envelope.sourcePosition,
      outcome,
      reason,
    });
    if (applied !== undefined && envelope.sourcePosition <= applied) {
      this.metrics.stale++;
      await this.recordAudit(entry(null, {}, 'stale', 'a newer event of the same source was applied already'));
      return;
    }
    const planned = await plan();
    const { keys, company, createOnly } = planned;
    const values = await this.resolveCountry(planned.values);
    let written: OdooValues;
    let partnerId = odooIdOf(canonicalId, 'partner') ?? (xmlid ? await this.linked(xmlid) : null);
    if (partnerId === null) partnerId = await this.match(keys, company);
    if (partnerId === null) {
      const create = { ...values, ...dropNull(createOnly) };
      // With its external id, through load: the partner and its link commit together, so odoo-cdc never publishes
      // the partner without the Salesforce record it belongs to (which would create a second Account).
      partnerId = xmlid
        ? (await this.odoo.load('res.partner', ...loadRow(`${HUB_MODULE}.${xmlid}`, create)))[0]
        : await this.odoo.create('res.partner', create);
      written = create;
      this.metrics.created++;
      this.log.info({ canonicalId, partnerId }, 'partner created in Odoo');
    } else {
      // Link first, then write: each is its own Odoo transaction, and odoo-cdc publishes the partner after each. Written
      // first, the Salesforce values would go out without the link, and projector-salesforce would put them on the
      // Account the hub made from this partner (keyed by its Odoo id), renaming it after the rep's. Linked first, the
      // in-between partner is Odoo's own values on the rep's Account, which the write then brings up to date.
      if (xmlid) await this.link(xmlid, partnerId);
      written = await this.updateChanged(partnerId, values);
    }
    await this.recordAudit(
      entry(
        partnerId,
        written,
        'applied',
        Object.keys(written).length ? null : 'unchanged: every field held its value',
      ),
    );
    await this.positions.recordMany([
      { ...key, position: envelope.sourcePosition, eventId: envelope.eventId, aggregateId: canonicalId },
    ]);
  }

  /** The partner of the first match rule that finds exactly one; several candidates is no match (never a guess). */
  private async match(keys: MatchKeys, company: boolean): Promise<number | null> {
    for (const rule of this.options.matchRules) {
      const domain = matchDomain(rule, keys, company);
      if (!domain) continue;
      const found = await this.odoo.searchRead('res.partner', domain, ['id'], { limit: 2 });
      if (found.length === 1) {
        this.metrics.matched++;
        this.log.info({ rule, partnerId: found[0].id }, 'partner matched in Odoo');
        return found[0].id;
      }
      if (found.length > 1) this.log.warn({ rule, candidates: found.map((f) => f.id) }, 'several partners match');
    }
    return null;
  }

  private async recordAudit(write: WriteAudit): Promise<void> {
    if (this.audit && !(await this.audit.writesOrLog('odoo', [write], this.log))) this.auditFailures++;
  }

  /** Writes the fields whose value differs; returns them. */
  private async updateChanged(partnerId: number, values: OdooValues): Promise<OdooValues> {
    const [current] = await this.odoo.searchRead('res.partner', [['id', '=', partnerId]], Object.keys(values), {
      withArchived: true,
    });
    const changed = current ? diff(current, values) : values;
    if (Object.keys(changed).length === 0) {
      this.metrics.unchanged++;
      return changed;
    }
    await this.odoo.write('res.partner', [partnerId], changed);
    this.metrics.updated++;
    return changed;
  }

  private async resolveCountry(values: OdooValues): Promise<OdooValues> {
    const code = values.country_id;
    if (typeof code !== 'string') return values;
    if (!this.countries.has(code)) {
      const [country] = await this.odoo.searchRead('res.country', [['code', '=', code]], ['id'], { limit: 1 });
      this.countries.set(code, country ? country.id : null);
    }
    // A country Odoo does not know is left unset rather than failing the whole partner.
    return { ...values, country_id: this.countries.get(code) ?? false };
  }

  private async linked(name: string): Promise<number | null> {
    return (await this.linkOf(name))?.resId ?? null;
  }

  private async linkOf(name: string): Promise<{ id: number; resId: number } | null> {
    const [link] = await this.odoo.searchRead(
      'ir.model.data',
      [
        ['module', '=', HUB_MODULE],
        ['name', '=', name],
      ],
      ['res_id'],
      { limit: 1 },
    );
    return link ? { id: link.id, resId: Number(link.res_id) } : null;
  }

  private async link(name: string, partnerId: number): Promise<void> {
    const link = await this.linkOf(name);
    if (link?.resId === partnerId) return;
    if (link) await this.odoo.write('ir.model.data', [link.id], { res_id: partnerId });
    else await this.odoo.create('ir.model.data', { module: HUB_MODULE, name, model: 'res.partner', res_id: partnerId });
  }

  /**
   * The res.partner values of the canonical fields Salesforce owns for this record (its origin decides for some):
   * a field it does not own is left as Odoo has it, even when the event carries null there.
   */
  private ownedValues(entity: 'Customer' | 'Contact', id: string, fields: Record<string, unknown>): OdooValues {
    const owned = new Set(fieldOwnership().fieldsOwnedBy(entity, 'salesforce', id));
    const values: OdooValues = {};
    const put = (field: string, odooField: string, value: unknown) => {
      if (owned.has(field)) values[odooField] = value ?? false;
    };
    put('name', 'name', fields.name);
    put('email', 'email', fields.email);
    put('phone', 'phone', fields.phone);
    put('mobile', 'mobile', fields.mobile);
    put('website', 'website', fields.website);
    put('jobTitle', 'function', fields.jobTitle);
    if (owned.has('address')) {
      const a = (fields.address ?? null) as Customer['address'];
      values.street = a?.street ?? false;
      values.zip = a?.zip ?? false;
      values.city = a?.city ?? false;
      // An ISO code here; resolved to res.country's id before the write (resolveCountry).
      values.country_id = a?.countryCode ?? false;
    }
    return values;
  }
}

/** One `load` row of values: many2one fields by database id (`field/.id`), booleans as 1/0, empty as ''. */
export function loadRow(externalId: string, values: OdooValues): [string[], string[][]] {
  const header = ['id'];
  const row = [externalId];
  for (const [field, value] of Object.entries(values)) {
    const many2one = field.endsWith('_id');
    header.push(many2one ? `${field}/.id` : field);
    row.push(value === false || value === null || value === undefined ? '' : value === true ? '1' : String(value));
  }
  return [header, [row]];
}

const dropNull = (values: OdooValues): OdooValues =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined));

/** The values that differ from the record as Odoo reads it (a many2one reads as `[id, name]`, empty as false). */
function diff(current: OdooRecord, values: OdooValues): OdooValues {
  const out: OdooValues = {};
  for (const [field, value] of Object.entries(values)) {
    const now = current[field];
    const nowValue = Array.isArray(now) ? now[0] : now;
    if (nowValue !== value) out[field] = value;
  }
  return out;
}
