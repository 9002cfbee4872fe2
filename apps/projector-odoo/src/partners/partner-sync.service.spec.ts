import { canonicalEnvelope, type Customer, salesforceCanonicalIds } from '@hub/canonical';
import { AppliedPositions, type AppliedPosition, type PositionKey, positionKey } from '@hub/projection';
import { OdooPort, type OdooDomain, type OdooRecord, type OdooValues } from '@hub/odoo';
import pino from 'pino';
import { PartnerSyncService } from './partner-sync.service';

const ACCOUNT_ID = '001000000000042AAA';

/** The calls that change Odoo, in order; one partner already there (id 7, VAT BE0477472701). */
class RecordingOdoo extends OdooPort {
  readonly changes: string[] = [];
  private readonly links: OdooRecord[] = [];
  private readonly partner: OdooRecord = { id: 7, name: 'Registered Co', vat: 'BE0477472701', is_company: true };

  async uid(): Promise<number> {
    return 2;
  }
  async searchRead(model: string, domain: OdooDomain): Promise<OdooRecord[]> {
    if (model === 'ir.model.data') {
      const name = (domain as unknown[][]).find((d) => d[0] === 'name')?.[2];
      return this.links.filter((l) => l.name === name);
    }
    if (model === 'res.partner') {
      const vat = (domain as unknown[][]).find((d) => d[0] === 'vat');
      const id = (domain as unknown[][]).find((d) => d[0] === 'id');
      return vat || id ? [this.partner] : [];
    }
    return [];
  }
  async create(model: string, values: OdooValues): Promise<number> {
    this.changes.push(`create ${model}`);
    if (model === 'ir.model.data') this.links.push({ id: 99, ...values });
    return 99;
  }
  async write(model: string, ids: number[], values: OdooValues): Promise<void> {
    this.changes.push(`write ${model} ${Object.keys(values).sort().join(',')}`);
    if (model === 'res.partner') Object.assign(this.partner, values);
  }
  async load(): Promise<number[]> {
    throw new Error('a matched partner is never loaded');
  }
  async callMethod(): Promise<unknown> {
    throw new Error('not used');
  }
}

class MemoryPositions extends AppliedPositions {
  private readonly stored = new Map<string, number>();
  async lastAppliedMany(keys: PositionKey[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const k of keys)
      if (this.stored.has(positionKey(k))) found.set(positionKey(k), this.stored.get(positionKey(k))!);
    return found;
  }
  async recordMany(positions: AppliedPosition[]): Promise<void> {
    for (const p of positions) this.stored.set(positionKey(p), p.position);
  }
  async forget(): Promise<void> {}
  async writtenRecords(): Promise<Set<string>> {
    return new Set();
  }
  async childrenOf(): Promise<Map<string, string[]>> {
    return new Map();
  }
}

describe('PartnerSyncService, a rep’s Account matching a partner Odoo has already', () => {
  it('links the partner to the Account before it writes the Account’s values into it', async () => {
    // Each is its own Odoo transaction, and odoo-cdc publishes the partner after each: values written before the link
    // would reach Salesforce without it, on the Account the hub made from this partner (keyed by its Odoo id).
    const odoo = new RecordingOdoo();
    const sync = new PartnerSyncService(
      odoo,
      new MemoryPositions(),
      { matchRules: ['vat'], contactParentWaitMs: 0 },
      pino({ level: 'silent' }),
    );
    const customer: Customer = {
      id: salesforceCanonicalIds.account(ACCOUNT_ID),
      odooId: null,
      salesforceId: ACCOUNT_ID,
      name: 'Trading Name',
      reference: null,
      vat: 'be 0477.472.701',
      email: null,
      phone: null,
      website: null,
      address: null,
      industry: null,
      active: true,
    };
    const envelope = canonicalEnvelope({
      eventId: 'e-1',
      eventType: 'customer.upserted',
      aggregateId: customer.id,
      occurredAt: 0,
      sourceSystem: 'SALESFORCE',
      sourceTable: 'Account',
      sourcePrimaryKey: ACCOUNT_ID,
      sourcePosition: 1,
      sourceEventId: '1',
    });

    await sync.applyCustomer(envelope, customer);

    expect(odoo.changes[0]).toBe('create ir.model.data');
    expect(odoo.changes[1]).toMatch(/^write res\.partner .*\bname\b/);
    expect(odoo.changes).toHaveLength(2);
  });
});
