import { PlannedFault } from './chaos-plan';
import { FaultTargets, injectFault } from './chaos-run';

/** What each fault does to its target, in order, with the hold between: the stack script and sandbox are recorded. */
describe('injectFault', () => {
  let calls: string[];
  let targets: FaultTargets;
  const fault = (kind: PlannedFault['kind'], target?: string): PlannedFault => ({
    kind,
    target,
    label: kind,
    atMs: 0,
    holdMs: 20,
  });

  beforeEach(() => {
    calls = [];
    targets = {
      sf: {
        setFaults: async (faults) => void calls.push(`sandbox faults ${JSON.stringify(faults)}`),
        clearFaults: async () => void calls.push('sandbox faults cleared'),
      },
      stackCommand: async (args) => void calls.push(`stack ${args.join(' ')}`),
      kill: async (name) => void calls.push(`kill and restart ${name}`),
    };
  });

  it.each(['kafka', 'postgres', 'connect', 'registry'] as const)(
    'stops %s, holds, and starts it again',
    async (kind) => {
      const started = Date.now();
      await injectFault(fault(kind, kind), targets);
      expect(calls).toEqual([`stack stop ${kind}`, `stack up --only ${kind}`]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(18);
    },
  );

  it('starts nothing again when the stop failed, and says why', async () => {
    targets.stackCommand = async (args) => {
      calls.push(`stack ${args.join(' ')}`);
      if (args[0] === 'stop') throw new Error('stack: stop: kafka still alive');
    };
    await expect(injectFault(fault('kafka', 'kafka'), targets)).rejects.toThrow('kafka still alive');
    expect(calls).toEqual(['stack stop kafka']);
  });

  it('kills the service it names', async () => {
    await injectFault(fault('kill', 'odoo-cdc'), targets);
    expect(calls).toEqual(['kill and restart odoo-cdc']);
  });

  it.each([
    ['sf-503', { status503Rate: 1 }],
    ['sf-429', { requestLimitExceeded: true }],
    ['sf-slow', { commitThenTimeoutRate: 0.5, commitThenTimeoutMs: 8_000, seed: 15 }],
  ] as const)('sets the sandbox faults of %s for the hold, then clears them', async (kind, faults) => {
    await injectFault(fault(kind), targets);
    expect(calls).toEqual([`sandbox faults ${JSON.stringify(faults)}`, 'sandbox faults cleared']);
  });
});
