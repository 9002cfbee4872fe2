import { chaosTable, ChaosResult } from '../../scripts/lib/chaos-plan';
import { runChaos } from '../../scripts/lib/chaos-run';
import { stack } from './support/stack';

/**
 * The chaos run, shortened (scripts/chaos runs it for ten minutes with every fault): two minutes of Odoo workload
 * while odoo-cdc and projector-salesforce are each killed (SIGKILL) and restarted and the run's Salesforce sandbox
 * answers 503, REQUEST_LIMIT_EXCEEDED, and commits writes whose answers come too late. The shared stack's components
 * are not restarted here: other test files use them at the same time.
 */
describe('chaos run (shortened)', () => {
  let result: ChaosResult;

  beforeAll(async () => {
    const s = stack();
    result = await runChaos(
      {
        postgres: s.postgres,
        kafka: s.kafka,
        registry: s.registry,
        connect: s.connect,
        jaeger: s.jaeger,
      },
      {
        runMs: 2 * 60_000,
        rate: 2,
        faults: ['kill', 'sf-503', 'sf-429', 'sf-slow'],
        drainTimeoutMs: 90_000,
        log: (line) => process.stdout.write(`${line}\n`),
      },
    );
    process.stdout.write(`\n${chaosTable(result)}\n`);
  }, 6 * 60_000);

  it('injects every fault asked for, and each recovers', () => {
    expect(result.faults.map((f) => f.label)).toEqual([
      'kill odoo-cdc',
      'kill projector-salesforce',
      'sf-503',
      'sf-429',
      'sf-slow',
    ]);
    for (const fault of result.faults) {
      expect({ fault: fault.label, error: fault.error }).toEqual({ fault: fault.label, error: undefined });
      expect({ fault: fault.label, recovered: fault.recoveryMs !== null }).toEqual({
        fault: fault.label,
        recovered: true,
      });
    }
  });

  it('lands every record written, of every kind, in Salesforce', () => {
    expect(Object.keys(result.records.written).sort()).toEqual(
      [
        'delivery validations',
        'deliveries',
        'invoices',
        'order confirmations',
        'orders (2 lines)',
        'partners',
        'payments',
      ].sort(),
    );
    expect(result.records.total).toBeGreaterThan(100);
    expect(result.records.landed).toBe(result.records.total);
    expect(result.drainS).not.toBeNull();
  });

  it('leaves zero drift for the reconciler and zero duplicate creates in the sandbox', () => {
    // Every entity the run writes: its workload goes from partner to payment.
    expect(result.drift).toEqual({
      Account: 0,
      Contact: 0,
      Product2: 0,
      Order: 0,
      Odoo_Invoice__c: 0,
      Odoo_Payment__c: 0,
      Odoo_Shipment__c: 0,
    });
    expect(result.duplicates).toEqual({ count: 0, examples: [] });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
