import type { Customer, Envelope } from '@hub/canonical';
import { SalesforcePort, SalesforceRecord, UpsertOutcome } from '../salesforce/salesforce.port';
import { AppliedPositions } from './applied-positions.repository';
import { SalesforceProjectionService } from './salesforce-projection.service';

class InMemoryPositions extends AppliedPositions {
  readonly rows = new Map<string, number>();
  async lastApplied(o: string, id: string) {
    return this.rows.get(`${o}/${id}`);
  }
  async record(o: string, id: string, position: number) {
    this.rows.set(`${o}/${id}`, Math.max(position, this.rows.get(`${o}/${id}`) ?? 0));
  }
}

class RecordingSalesforce extends SalesforcePort {
  readonly upserts: SalesforceRecord[] = [];
  async upsert(_o: string, _f: string, records: SalesforceRecord[]): Promise<UpsertOutcome[]> {
    this.upserts.push(...records);
    return records.map(() => ({ ok: true, id: '001000000000001AAA', created: false }));
  }
  async updateByExternalId() {
    return 1;
  }
  apiUsage() {
    return undefined;
  }
}

const customer = (name: string): Customer => ({
  id: 'odoo-partner-7',
  odooId: 7,
  name,
  reference: null,
  vat: null,
  email: null,
  phone: null,
  website: null,
  address: { street: null, street2: null, zip: null, city: null, countryCode: null },
  active: true,
});
const envelope = (position: number): Envelope => ({
  eventId: `00000000-0000-5000-8000-00000000000${position % 10}`,
  eventType: 'customer.upserted',
  aggregateId: 'odoo-partner-7',
  occurredAt: 0,
  sourceSystem: 'ODOO',
  sourceTable: 'res_partner',
  sourcePrimaryKey: '7',
  sourcePosition: position,
  sourceTransactionId: null,
  schemaVersion: 1,
});

describe('SalesforceProjectionService', () => {
  it('skips and counts an event older than the last one applied to the same record', async () => {
    const sf = new RecordingSalesforce();
    const service = new SalesforceProjectionService(sf, { name: 'Odoo_Id__c' }, new InMemoryPositions());
    expect(await service.upsertAccount(customer('New name'), envelope(200))).toBe('applied');
    expect(await service.upsertAccount(customer('Old name'), envelope(100))).toBe('stale');
    expect(sf.upserts.map((r) => r.Name)).toEqual(['New name']);
    expect(service.metrics).toEqual({ applied: 1, staleSkipped: 1 });
  });

  it('applies a replay at the same position again (idempotent upsert)', async () => {
    const sf = new RecordingSalesforce();
    const service = new SalesforceProjectionService(sf, { name: 'Odoo_Id__c' }, new InMemoryPositions());
    await service.upsertAccount(customer('A'), envelope(5));
    expect(await service.upsertAccount(customer('A'), envelope(5))).toBe('applied');
    expect(sf.upserts).toHaveLength(2);
  });
});
