import {
  chaosTable,
  ChaosResult,
  ChaosUsageError,
  FAULT_KINDS,
  FAULT_TIMING,
  faultFigures,
  judge,
  MIN_HOLD_MS,
  parseChaosArgs,
  parseFaultList,
  planFaults,
} from './chaos-plan';

describe('parseChaosArgs', () => {
  it('defaults to ten minutes at 2/s with every fault', () => {
    expect(parseChaosArgs([])).toEqual({
      minutes: 10,
      rate: 2,
      faults: [...FAULT_KINDS],
      json: undefined,
      help: false,
    });
  });

  it('reads each option', () => {
    expect(
      parseChaosArgs(['--minutes', '2.5', '--rate=4', '--faults', 'kill, sf-503,sf-slow', '--json', 'out.json']),
    ).toEqual({ minutes: 2.5, rate: 4, faults: ['kill', 'sf-503', 'sf-slow'], json: 'out.json', help: false });
    expect(parseChaosArgs(['--faults', 'none']).faults).toEqual([]);
  });

  it.each([
    [['--minutes', '0'], '--minutes must be a number greater than 0, got "0"'],
    [['--minutes', 'ten'], '--minutes must be a number greater than 0, got "ten"'],
    [['--minutes', '500'], '--minutes must be at most 240, got 500'],
    [['--rate=-1'], '--rate must be a number greater than 0, got "-1"'],
    [['--rate', ''], '--rate must be a number greater than 0, got ""'],
    [['--faults', 'kill,chaos-monkey'], '--faults: unknown fault "chaos-monkey"'],
    [['--faults', 'kill,kill'], '--faults: kill is listed twice'],
    [['--json', ' '], '--json must name a file'],
    [['--speed', '3'], "Unknown option '--speed'"],
    [['now'], "Unexpected argument 'now'"],
  ])('refuses %j, naming the option', (argv, message) => {
    expect(() => parseChaosArgs(argv)).toThrow(ChaosUsageError);
    expect(() => parseChaosArgs(argv)).toThrow(message);
  });

  it('lists the faults it knows when one is unknown', () => {
    expect(() => parseFaultList('kafka,zookeeper')).toThrow(
      `expected all, none or a list of ${FAULT_KINDS.join(', ')}`,
    );
  });
});

describe('planFaults', () => {
  const services = ['odoo-cdc', 'projector-salesforce'];

  it('gives every fault its full hold and settle time when the run is long enough, one after another', () => {
    const plan = planFaults([...FAULT_KINDS], services, 10 * 60_000);
    expect(plan.map((f) => f.label)).toEqual([
      'kill odoo-cdc',
      'kill projector-salesforce',
      'kafka restart',
      'postgres restart',
      'connect restart',
      'registry restart',
      'sf-503',
      'sf-429',
      'sf-slow',
    ]);
    expect(plan[0]!.atMs).toBe(30_000);
    expect(plan.map((f) => f.holdMs)).toEqual([0, 0, 10_000, 5_000, 10_000, 45_000, 60_000, 60_000, 60_000]);
    for (let i = 1; i < plan.length; i++) {
      const previous = plan[i - 1]!;
      expect(plan[i]!.atMs).toBe(previous.atMs + previous.holdMs + FAULT_TIMING[previous.kind].settleMs);
    }
    const last = plan[plan.length - 1]!;
    expect(last.atMs + last.holdMs + FAULT_TIMING[last.kind].settleMs).toBeLessThanOrEqual(10 * 60_000);
  });

  it('scales holds and gaps down together in a short run, keeping holds of at least MIN_HOLD_MS', () => {
    const runMs = 2 * 60_000;
    const plan = planFaults(['kill', 'sf-503', 'sf-429', 'sf-slow'], services, runMs);
    expect(plan[0]!.atMs).toBe(12_000);
    expect(plan.map((f) => f.target ?? f.kind)).toEqual([
      'odoo-cdc',
      'projector-salesforce',
      'sf-503',
      'sf-429',
      'sf-slow',
    ]);
    for (const f of plan.filter((p) => p.kind !== 'kill')) {
      expect(f.holdMs).toBeGreaterThanOrEqual(MIN_HOLD_MS);
      expect(f.holdMs).toBeLessThan(60_000);
    }
    const last = plan[plan.length - 1]!;
    expect(last.atMs + last.holdMs).toBeLessThanOrEqual(runMs);
    expect(plan.map((f) => f.atMs)).toEqual([...plan.map((f) => f.atMs)].sort((a, b) => a - b));
  });

  it('plans nothing without faults, and only the infrastructure faults asked for', () => {
    expect(planFaults([], services, 60_000)).toEqual([]);
    expect(planFaults(['registry'], services, 10 * 60_000)).toEqual([
      { kind: 'registry', target: 'registry', label: 'registry restart', atMs: 30_000, holdMs: 45_000 },
    ]);
  });
});

describe('faultFigures', () => {
  const window = { startedAt: 10_000, endedAt: 20_000 };

  it('measures recovery from the fault’s end to the last landing of a write committed before it', () => {
    const figures = faultFigures(
      [
        { committedAt: 1_000, landedAt: 1_500 }, // before the fault: not in flight during it
        { committedAt: 9_000, landedAt: 24_000 }, // held up by the fault
        { committedAt: 15_000, landedAt: 26_000 },
        { committedAt: 21_000, landedAt: 21_800 }, // after: flows again, but after the recovery point it counts not
        { committedAt: 40_000, landedAt: 40_500 },
      ],
      [
        { at: 5_000, lag: 900 },
        { at: 12_000, lag: 30 },
        { at: 25_000, lag: 60 },
        { at: 30_000, lag: 2 },
      ],
      window,
    );
    expect(figures).toEqual({ recoveryMs: 6_000, maxFreshnessMs: 15_000, maxLag: 60 });
  });

  it('is zero recovery when nothing waited, and null while a write committed before the end is missing', () => {
    expect(faultFigures([{ committedAt: 12_000, landedAt: 13_000 }], [], window)).toEqual({
      recoveryMs: 0,
      maxFreshnessMs: 1_000,
      maxLag: null,
    });
    expect(faultFigures([{ committedAt: 12_000 }, { committedAt: 11_000, landedAt: 50_000 }], [], window)).toEqual({
      recoveryMs: null,
      maxFreshnessMs: 39_000,
      maxLag: null,
    });
  });
});

describe('judge and chaosTable', () => {
  const base: Omit<ChaosResult, 'ok' | 'problems'> = {
    run: 'chaos_x',
    startedAt: '2026-01-01T00:00:00.000Z',
    minutes: 10,
    workloadS: 612,
    rate: 2,
    records: { written: { partners: 200, payments: 170 }, total: 370, landed: 370, failedWrites: 1 },
    faults: [
      {
        label: 'kill odoo-cdc',
        kind: 'kill',
        atS: 30,
        outageS: 4.2,
        maxLag: 12,
        maxFreshnessMs: 6_300,
        recoveryMs: 2_100,
      },
    ],
    slowest: [],
    drainS: 3.5,
    drift: { Account: 0, Order: 0 },
    duplicates: { count: 0, examples: [] },
  };

  it('passes a clean run and prints each fault and the totals', () => {
    const verdict = judge(base);
    expect(verdict).toEqual({ ok: true, problems: [] });
    const table = chaosTable({ ...base, ...verdict });
    expect(table).toContain('| kill odoo-cdc | 30 s | 4.2 s | 12 | 6.3 s | 2.1 s |');
    expect(table).toContain('| workload | 10.2 min (10 asked for), 2 Odoo transactions/s |');
    expect(table).toContain('| records written | 370 (200 partners, 170 payments); 1 failed writes |');
    expect(table).toContain('| faults injected | 1 of 1 |');
    expect(table).toContain('| drift found | 0 (Account 0, Order 0) |');
    expect(table).toContain('| duplicate creates | 0 |');
    expect(table).toContain('| result | pass |');
  });

  it('fails on drift, duplicates, a missing write, a fault that failed or never recovered, or no workload', () => {
    const verdict = judge({
      ...base,
      records: { ...base.records, landed: 368 },
      faults: [
        { ...base.faults[0]!, recoveryMs: null },
        { ...base.faults[0]!, label: 'kafka restart', kind: 'kafka', error: 'stack: up failed' },
      ],
      drift: { Account: 1, Order: 2 },
      duplicates: { count: 1, examples: [{ object: 'Account', value: 'odoo-partner-1', ids: ['a', 'b'] }] },
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      '2 of 370 writes not in Salesforce after the drain',
      'kill odoo-cdc: did not recover',
      'kafka restart: stack: up failed',
      'the reconciler found 3 drift',
      '1 duplicate creates in Salesforce',
    ]);
    expect(judge({ ...base, records: { written: {}, total: 0, landed: 0, failedWrites: 0 } }).problems).toEqual([
      'the workload wrote nothing',
    ]);
    expect(chaosTable({ ...base, ...verdict })).toContain('| result | FAIL: 2 of 370 writes');
  });
});
