/**
 * scripts/chaos [--minutes 10] [--rate 2] [--faults all|kill,kafka,postgres,connect,registry,sf-503,sf-429,sf-slow]
 *               [--json path]
 *
 * Runs odoo-cdc and projector-salesforce of this checkout (`npm run build` first) against the running local stack
 * (`scripts/stack up`) with a workload and faults (scripts/lib/chaos-run.ts), prints the table and writes the result as
 * JSON (default bench/results/chaos-<time>.json). Exits 0 when every write landed, every fault recovered, the
 * reconciler found no drift and the sandbox counted no duplicate create; 1 otherwise; 2 on bad options.
 * The kafka, postgres, connect and registry faults restart parts of the shared stack: everyone using it feels them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { killStartedAppsNow } from './lib/app-process';
import { CHAOS_USAGE, chaosTable, ChaosUsageError, FAULT_KINDS, parseChaosArgs } from './lib/chaos-plan';
import { ChaosStack, runChaos } from './lib/chaos-run';

const ROOT = join(__dirname, '..');

function stackStatus(): ChaosStack {
  let out: string;
  try {
    out = execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' });
  } catch (error) {
    // `status` exits non-zero while a part is down, yet prints every endpoint; a part the run needs fails it later.
    out = (error as { stdout?: string }).stdout ?? '';
    if (!out.trim().startsWith('{')) throw new Error('the local stack is not running: scripts/stack up');
  }
  return JSON.parse(out) as ChaosStack;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ChaosUsageError)) throw error;
    console.error(`chaos: ${error.message}\n${CHAOS_USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(`${CHAOS_USAGE}\nfaults: ${FAULT_KINDS.join(', ')} (default all)`);
    return 0;
  }
  process.on('exit', killStartedAppsNow);
  // Ctrl-C: the apps the run started are killed on the way out (its databases and connector stay: their names are
  // printed at the start, chaos_<id>).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  const result = await runChaos(stackStatus(), {
    runMs: options.minutes * 60_000,
    rate: options.rate,
    faults: options.faults,
    log: (line) => console.log(line),
  });
  const file = resolve(
    options.json ?? join(ROOT, 'bench/results', `chaos-${result.startedAt.replace(/[:.]/g, '-')}.json`),
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${chaosTable(result)}\n\nchaos: wrote ${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file}`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`chaos: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
