import { fieldOwnership } from '@hub/canonical';
import {
  AppliedPosition,
  AppliedPositions,
  CallBudget,
  PositionKey,
  positionKey,
  TargetMapping,
  TargetWrite,
} from '@hub/projection';
import { TransientError } from '@hub/resilience';
import pino from 'pino';
import type { SalesforcePort } from '../salesforce/salesforce.port';
import { ReconcilerService } from './reconciler.service';
import type { SourceAggregate, SourceOfRecord } from './source-of-record.port';

type Row = Record<string, unknown>;

/** Accounts keyed by Odoo_Id__c; answers the reconciler's two kinds of query (by keys, by window). */
class FakeSalesforce {
  constructor(public accounts: Row[]) {}
  readonly queries: string[] = [];
  query(soql: string) {
    this.queries.push(soql);
    const keys = /Odoo_Id__c IN \(([^)]*)\)/.exec(soql)?.[1];
    const records = keys
      ? this.accounts.filter((a) => keys.includes(`'${String(a.Odoo_Id__c)}'`))
      : this.accounts.filter(() => soql.includes('SystemModstamp'));
    return Promise.resolve({ records, calls: 1 });
  }
}

class FakeSource {
  readonly republished: { items: { odooId: number; atLeastPosition?: number }[]; marker: string }[] = [];
  failing = false;
  constructor(readonly aggregates: SourceAggregate[]) {}
  read(_entity: string, query: { ids?: number[]; afterId: number; limit: number }) {
    if (this.failing) return Promise.reject(new TransientError('SOURCE_UNREACHABLE', 'odoo-cdc is down'));
    const found = this.aggregates.filter((a) => (query.ids ? query.ids.includes(a.odooId) : a.odooId > query.afterId));
    return Promise.resolve({ aggregates: found.slice(0, query.limit), nextAfterId: null });
  }
  republish(_entity: string, items: { odooId: number; atLeastPosition?: number }[], marker: string) {
    this.republished.push({ items, marker });
    return Promise.resolve({ published: items.length, notFound: [] });
  }
}

/** One Account per customer, Name from the record: the mapping in miniature. */
class AccountMapping extends TargetMapping {
  handles = () => true;
  writesKeyedBy = () => true;
  childScopes = () => [];
  planDeletion = (): TargetWrite[][] => [];
  plan(_entity: string, record: Row): Promise<TargetWrite[][]> {
    const write: TargetWrite = {
      scope: 'Customer:Account',
      object: 'Account',
      keyField: 'Odoo_Id__c',
      key: String(record.id),
      fields: { Name: record.name },
      createOnly: {},
      kind: 'upsert',
      parents: [],
    };
    return Promise.resolve([[write]]);
  }
}

class MapPositions extends AppliedPositions {
  readonly stored = new Map<string, number>();
  lastAppliedMany(keys: PositionKey[]) {
    return Promise.resolve(
      new Map(
        keys.flatMap((k) =>
          this.stored.has(positionKey(k)) ? [[positionKey(k), this.stored.get(positionKey(k))!]] : [],
        ),
      ),
    );
  }
  recordMany(positions: AppliedPosition[]) {
    for (const p of positions) this.stored.set(positionKey(p), p.position);
    return Promise.resolve();
  }
  forget(records: { scope: string; key: string }[]) {
    for (const r of records) this.stored.delete(positionKey({ ...r, source: 'odoo' }));
    return Promise.resolve();
  }
  writtenRecords = () => Promise.resolve(new Set<string>());
  childrenOf = () => Promise.resolve(new Map<string, string[]>());
}

const customer = (id: number, name: string): SourceAggregate => ({
  odooId: id,
  deleted: false,
  position: 100 + id,
  record: { id: `odoo-partner-${id}`, name },
});

function setup(accounts: Row[]) {
  const salesforce = new FakeSalesforce(accounts);
  const source = new FakeSource([customer(1, 'Azure'), customer(2, 'Deco'), customer(3, 'Gemini')]);
  const positions = new MapPositions();
  for (const id of [1, 2, 3])
    positions.stored.set(
      positionKey({ scope: 'Customer:Account', key: `odoo-partner-${id}`, source: 'odoo' }),
      500 + id,
    );
  const reconciler = new ReconcilerService(
    salesforce as unknown as SalesforcePort,
    source as unknown as SourceOfRecord,
    new AccountMapping(),
    positions,
    fieldOwnership(),
    new CallBudget(() => undefined, { softLimitPercent: 80, reservePercent: 5, horizonMs: 1, probeIntervalMs: 1 }),
    { pageSize: 200, keepReports: 5 },
    pino({ level: 'silent' }),
  );
  return { salesforce, source, positions, reconciler };
}

const request = { entity: 'Account' as const, sinceMs: 0, repair: true, trigger: 'api' as const };
const account = (id: number, name: string) => ({ Id: `001${id}`, Odoo_Id__c: `odoo-partner-${id}`, Name: name });

describe('ReconcilerService', () => {
  it('repairs a missing and a stale record by re-publishing their aggregates, never below the applied position', async () => {
    const { source, positions, reconciler } = setup([account(1, 'Azure'), account(2, 'Deco (edited)')]);
    const report = await reconciler.run(request);
    expect(report.status).toBe('ok');
    expect(report.findings.map((f) => [f.kind, f.key, f.repair])).toEqual([
      ['stale', 'odoo-partner-2', 'republished'],
      ['missing', 'odoo-partner-3', 'republished'],
    ]);
    expect(source.republished).toEqual([
      {
        marker: report.passId,
        items: [
          { odooId: 2, atLeastPosition: 502 },
          { odooId: 3, atLeastPosition: 503 },
        ],
      },
    ]);
    // The missing record is forgotten by the stale guard, so its upsert creates it again; the stale one is not.
    expect(
      positions.stored.has(positionKey({ scope: 'Customer:Account', key: 'odoo-partner-3', source: 'odoo' })),
    ).toBe(false);
    expect(
      positions.stored.has(positionKey({ scope: 'Customer:Account', key: 'odoo-partner-2', source: 'odoo' })),
    ).toBe(true);
    expect(reconciler.totals.get('Account\u0000missing')).toEqual({ found: 1, repaired: 1 });
  });

  it('reports an orphan (a hub key without a source) and repairs nothing for it', async () => {
    const { source, reconciler } = setup([
      account(1, 'Azure'),
      account(2, 'Deco'),
      account(3, 'Gemini'),
      account(9, 'Not from Odoo'),
    ]);
    const report = await reconciler.run(request);
    expect(report.findings.map((f) => [f.kind, f.key, f.repair])).toEqual([['orphan', 'odoo-partner-9', 'reported']]);
    expect(source.republished).toEqual([]);
  });

  it('only reports when asked not to repair', async () => {
    const { source, positions, reconciler } = setup([account(1, 'Azure')]);
    const report = await reconciler.run({ ...request, repair: false });
    expect(report.findings.filter((f) => f.kind === 'missing')).toHaveLength(2);
    expect(source.republished).toEqual([]);
    expect(positions.stored.size).toBe(3);
  });

  it('ends a pass whose source is unreachable as failed, with nothing repaired or counted', async () => {
    const { source, reconciler } = setup([]);
    source.failing = true;
    const report = await reconciler.run(request);
    expect(report).toMatchObject({ status: 'failed', error: 'odoo-cdc is down' });
    expect(source.republished).toEqual([]);
    expect(reconciler.totals.size).toBe(0);
    expect(reconciler.lastPass.get('Account')).toMatchObject({ ok: false });
  });

  it('reads Salesforce only by external ids or inside the window, never the whole org', async () => {
    const { salesforce, reconciler } = setup([account(1, 'Azure'), account(2, 'Deco'), account(3, 'Gemini')]);
    await reconciler.run(request);
    expect(salesforce.queries.every((q) => / WHERE /.test(q))).toBe(true);
    expect(salesforce.queries.some((q) => q.includes('SystemModstamp >= 1970-01-01T00:00:00Z'))).toBe(true);
  });
});
