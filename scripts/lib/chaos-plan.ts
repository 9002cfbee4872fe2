/**
 * The chaos run's pure parts: its command line, the fault schedule, the figures each fault is judged by, and the
 * table it prints. No I/O here, so each is unit-tested (chaos-plan.spec.ts); scripts/lib/chaos-run.ts does the run.
 */
import { parseArgs } from 'node:util';

/**
 * Every fault the run can inject. `kill` is one SIGKILL and restart per hub service the run starts; `kafka`,
 * `postgres`, `connect` and `registry` stop that component of the local stack and start it again (`scripts/stack
 * stop|up --only`), which every other user of the stack feels too; the `sf-*` faults are the run's own Salesforce
 * sandbox answering 503, answering REQUEST_LIMIT_EXCEEDED, or committing writes and answering too late.
 */
export const FAULT_KINDS = ['kill', 'kafka', 'postgres', 'connect', 'registry', 'sf-503', 'sf-429', 'sf-slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that stop a part of the shared stack. */
export const INFRA_FAULTS: readonly FaultKind[] = ['kafka', 'postgres', 'connect', 'registry'];

/**
 * How long each fault lasts (`holdMs`: the component down, the sandbox faulty; 0 for a kill, whose restart is the
 * outage) and the quiet time planned after it for the pipeline to recover before the next fault (`settleMs`). A
 * schedule shorter than their sum scales both down (see {@link planFaults}).
 */
export const FAULT_TIMING: Record<FaultKind, { holdMs: number; settleMs: number }> = {
  kill: { holdMs: 0, settleMs: 30_000 },
  kafka: { holdMs: 10_000, settleMs: 40_000 },
  postgres: { holdMs: 5_000, settleMs: 30_000 },
  connect: { holdMs: 10_000, settleMs: 30_000 },
  registry: { holdMs: 45_000, settleMs: 30_000 },
  'sf-503': { holdMs: 60_000, settleMs: 30_000 },
  'sf-429': { holdMs: 60_000, settleMs: 45_000 },
  'sf-slow': { holdMs: 60_000, settleMs: 30_000 },
};

/** The shortest hold a scaled schedule gives a fault that holds at all: shorter says nothing about the fault. */
export const MIN_HOLD_MS = 5_000;

export interface ChaosOptions {
  minutes: number;
  /** Odoo transactions per second of the workload. */
  rate: number;
  faults: FaultKind[];
  /** Where the JSON result is written; undefined: the caller's default. */
  json?: string;
  help: boolean;
}

/** Bad command-line input: the message names the option. */
export class ChaosUsageError extends Error {}

export const CHAOS_USAGE =
  'usage: scripts/chaos [--minutes 10] [--rate 2] [--faults all|kill,kafka,postgres,connect,registry,sf-503,sf-429,sf-slow] [--json path]';

function positiveNumber(option: string, text: string, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ChaosUsageError(`--${option} must be a number greater than 0, got ${JSON.stringify(text)}`);
  }
  if (value > max) throw new ChaosUsageError(`--${option} must be at most ${max}, got ${text}`);
  return value;
}

/** `all`, or a comma-separated list of {@link FAULT_KINDS} (each once); `none` runs the workload alone. */
export function parseFaultList(text: string): FaultKind[] {
  const trimmed = text.trim();
  if (trimmed === 'all') return [...FAULT_KINDS];
  if (trimmed === 'none') return [];
  const names = trimmed.split(',').map((n) => n.trim());
  const out: FaultKind[] = [];
  for (const name of names) {
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      throw new ChaosUsageError(
        `--faults: unknown fault ${JSON.stringify(name)} (expected all, none or a list of ${FAULT_KINDS.join(', ')})`,
      );
    }
    if (out.includes(name as FaultKind)) throw new ChaosUsageError(`--faults: ${name} is listed twice`);
    out.push(name as FaultKind);
  }
  return out;
}

export function parseChaosArgs(argv: string[]): ChaosOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        minutes: { type: 'string', default: '10' },
        rate: { type: 'string', default: '2' },
        faults: { type: 'string', default: 'all' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new ChaosUsageError((error as Error).message);
  }
  if (values.json !== undefined && values.json.trim() === '') throw new ChaosUsageError('--json must name a file');
  return {
    minutes: positiveNumber('minutes', values.minutes!, 240),
    rate: positiveNumber('rate', values.rate!, 50),
    faults: parseFaultList(values.faults!),
    json: values.json,
    help: values.help!,
  };
}

export interface PlannedFault {
  kind: FaultKind;
  /** The hub service a kill hits; the stack component of an infrastructure fault. */
  target?: string;
  /** `kill odoo-cdc`, `kafka restart`, `sf-503`: the table's row name. */
  label: string;
  /** From the start of the workload. */
  atMs: number;
  holdMs: number;
}

/**
 * Spreads the faults over a run of `runMs`: after a warm-up (a tenth of the run, at most 30 s), one after another, each
 * given its hold and its settle time ({@link FAULT_TIMING}); when they do not fit, holds and settle times are scaled
 * down together (holds not below {@link MIN_HOLD_MS}), so the last fault still starts within the run. A kill becomes
 * one fault per service in `services`, in that order.
 */
export function planFaults(kinds: readonly FaultKind[], services: readonly string[], runMs: number): PlannedFault[] {
  const expanded: Omit<PlannedFault, 'atMs'>[] = [];
  for (const kind of FAULT_KINDS.filter((k) => kinds.includes(k))) {
    const { holdMs } = FAULT_TIMING[kind];
    if (kind === 'kill') {
      for (const s of services) expanded.push({ kind, target: s, label: `kill ${s}`, holdMs });
    } else if (INFRA_FAULTS.includes(kind)) {
      expanded.push({ kind, target: kind, label: `${kind} restart`, holdMs });
    } else {
      expanded.push({ kind, label: kind, holdMs });
    }
  }
  const warmupMs = Math.min(30_000, Math.round(runMs / 10));
  const needed = expanded.reduce((sum, f) => sum + f.holdMs + FAULT_TIMING[f.kind].settleMs, 0);
  const scale = needed === 0 ? 1 : Math.min(1, (runMs - warmupMs) / needed);
  let at = warmupMs;
  return expanded.map((f) => {
    const holdMs = f.holdMs === 0 ? 0 : Math.max(MIN_HOLD_MS, Math.round(f.holdMs * scale));
    const planned = { ...f, atMs: Math.round(at), holdMs };
    at += (f.holdMs + FAULT_TIMING[f.kind].settleMs) * scale;
    return planned;
  });
}

/** One Odoo transaction of the workload: when it committed, and when Salesforce held all it should (undefined: not yet). */
export interface WriteTiming {
  committedAt: number;
  landedAt?: number;
}

export interface LagSample {
  at: number;
  /** Records behind, summed over the run's consumer groups. */
  lag: number;
}

export interface FaultFigures {
  /** The most records the run's consumer groups were behind, from the fault's start until it recovered. */
  maxLag: number | null;
  /** The longest commit-to-Salesforce time of a write in flight between the fault's start and its recovery. */
  maxFreshnessMs: number | null;
  /**
   * From the fault's end (the service ready again, the component up, the sandbox answering well) until every write
   * committed before that end was in Salesforce; null while one is not.
   */
  recoveryMs: number | null;
}

/** What one fault cost: judged by the writes and the lag samples around its window [startedAt, endedAt]. */
export function faultFigures(
  writes: readonly WriteTiming[],
  lag: readonly LagSample[],
  window: { startedAt: number; endedAt: number },
): FaultFigures {
  const before = writes.filter((w) => w.committedAt <= window.endedAt);
  const unlanded = before.some((w) => w.landedAt === undefined);
  const lastLanding = Math.max(window.endedAt, ...before.map((w) => w.landedAt ?? 0));
  const recoveryMs = unlanded ? null : lastLanding - window.endedAt;
  const until = recoveryMs === null ? Infinity : lastLanding;
  const inFlight = writes.filter(
    (w) => w.committedAt <= until && (w.landedAt === undefined || w.landedAt >= window.startedAt),
  );
  const freshness = inFlight.filter((w) => w.landedAt !== undefined).map((w) => w.landedAt! - w.committedAt);
  const lagInWindow = lag.filter((s) => s.at >= window.startedAt && s.at <= until).map((s) => s.lag);
  return {
    maxLag: lagInWindow.length ? Math.max(...lagInWindow) : null,
    maxFreshnessMs: freshness.length ? Math.max(...freshness) : null,
    recoveryMs,
  };
}

export interface FaultOutcome extends FaultFigures {
  label: string;
  kind: FaultKind;
  /** Seconds from the workload's start. */
  atS: number;
  /** Seconds from injection to the fault's end (the restart included). */
  outageS: number;
  /** Why the fault could not be injected or lifted, if so. */
  error?: string;
}

export interface ChaosResult {
  run: string;
  startedAt: string;
  minutes: number;
  /** How long the workload ran: the minutes asked for, or until the last fault was over if that was later. */
  workloadS: number;
  rate: number;
  records: {
    /** Odoo transactions committed by the workload, by kind. */
    written: Record<string, number>;
    total: number;
    /** Of those, how many Salesforce held in full when the pipeline drained. */
    landed: number;
    /** Workload transactions that failed (a database restart): not counted as written. */
    failedWrites: number;
  };
  faults: FaultOutcome[];
  /** The five writes that took longest from Odoo commit to Salesforce (or never landed: `landedS` null). */
  slowest: { kind: string; key: string; committedS: number; landedS: number | null }[];
  drainS: number | null;
  /** Findings of the reconciler, by entity. */
  drift: Record<string, number>;
  duplicates: { count: number; examples: { object: string; value: string; ids: string[] }[] };
  /** Up to 20 records Salesforce never held as expected, with what the hub database says of them. */
  unlanded?: UnlandedRecord[];
  ok: boolean;
  problems: string[];
}

export interface UnlandedRecord {
  object: string;
  key: string;
  /** `<scope> <source> <position>` rows of the stale-write guard. */
  appliedPositions: string[];
  /** `<time> <outcome> @<position>: <reason>` audit entries of its writes, oldest first. */
  audit: string[];
}

/** Whether a run passed: every write landed, every fault injected and recovered, no drift, no duplicate create. */
export function judge(result: Omit<ChaosResult, 'ok' | 'problems'>): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const { total, landed } = result.records;
  if (landed < total) problems.push(`${total - landed} of ${total} writes not in Salesforce after the drain`);
  for (const f of result.faults) {
    if (f.error) problems.push(`${f.label}: ${f.error}`);
    else if (f.recoveryMs === null) problems.push(`${f.label}: did not recover`);
  }
  const drift = Object.values(result.drift).reduce((a, b) => a + b, 0);
  if (drift > 0) problems.push(`the reconciler found ${drift} drift`);
  if (result.duplicates.count > 0) problems.push(`${result.duplicates.count} duplicate creates in Salesforce`);
  if (total === 0) problems.push('the workload wrote nothing');
  return { ok: problems.length === 0, problems };
}

const seconds = (ms: number | null) => (ms === null ? 'not recovered' : `${(ms / 1000).toFixed(1)} s`);

/** The run as a Markdown table (faults, one row each) and a summary table, ready for docs/reliability.md. */
export function chaosTable(result: ChaosResult): string {
  const rows = [
    '| fault | at | outage | max lag (records) | max freshness | time to recover |',
    '| --- | --: | --: | --: | --: | --: |',
    ...result.faults.map(
      (f) =>
        `| ${f.label}${f.error ? ` (failed: ${f.error})` : ''} | ${f.atS.toFixed(0)} s | ${f.outageS.toFixed(1)} s | ${f.maxLag ?? 'n/a'} | ${f.maxFreshnessMs === null ? 'n/a' : seconds(f.maxFreshnessMs)} | ${seconds(f.recoveryMs)} |`,
    ),
  ];
  const written = Object.entries(result.records.written)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const drift = Object.entries(result.drift)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  const summary = [
    '| run | value |',
    '| --- | --- |',
    `| workload | ${(result.workloadS / 60).toFixed(1)} min (${result.minutes} asked for), ${result.rate} Odoo transactions/s |`,
    `| records written | ${result.records.total} (${written || 'none'}); ${result.records.failedWrites} failed writes |`,
    `| landed in Salesforce | ${result.records.landed} of ${result.records.total} |`,
    `| faults injected | ${result.faults.filter((f) => !f.error).length} of ${result.faults.length} |`,
    `| drain after the workload | ${result.drainS === null ? 'did not drain' : `${result.drainS.toFixed(1)} s`} |`,
    `| drift found | ${Object.values(result.drift).reduce((a, b) => a + b, 0)} (${drift || 'no pass'}) |`,
    `| duplicate creates | ${result.duplicates.count} |`,
    `| result | ${result.ok ? 'pass' : `FAIL: ${result.problems.join('; ')}`} |`,
  ];
  return `${rows.join('\n')}\n\n${summary.join('\n')}`;
}
