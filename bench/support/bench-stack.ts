import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** The running stack's endpoints, as `scripts/stack status --json` gives them. */
export interface BenchStack {
  postgres: { up: boolean; hub: string; odoo: string };
  kafka: { up: boolean; brokers: string };
  registry: { up: boolean; url: string };
  connect: { up: boolean; url: string };
  salesforceSandbox: { up: boolean; url: string; pubSubEndpoint: string };
  odooSandbox: { up: boolean; url: string };
}

/**
 * Reads the stack's status and fails naming every component that is down: a bench that cannot reach the stack says
 * which part is missing instead of timing out somewhere inside.
 */
export function readStack(needs: (keyof BenchStack)[] = ['postgres', 'kafka', 'registry', 'connect']): BenchStack {
  let stack: BenchStack;
  try {
    stack = JSON.parse(
      execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' }),
    ) as BenchStack;
  } catch (error) {
    throw new Error(`the stack's status could not be read (scripts/stack status --json): ${(error as Error).message}`);
  }
  const down = needs.filter((component) => !stack[component]?.up);
  if (down.length) throw new Error(`the stack is not up: ${down.join(', ')} (start it with scripts/stack up)`);
  return stack;
}

/** Polls `done` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(done: () => Promise<boolean>, what: string, timeoutMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes a bench's figures to bench/results/<name>.json (git-ignored), where `npm run bench` reads them. */
export function writeResults(name: string, figures: object): void {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/${name}.json`), JSON.stringify(figures, null, 2) + '\n');
}

/**
 * HUB_OPERATOR_TOKENS of the apps a bench starts (bench-only values): `bench` acts on the operator APIs (reconcile,
 * repair, work queue), with the token {@link BENCH_OPERATOR_TOKEN}.
 */
export const BENCH_OPERATOR_TOKEN = 'bench-operator-token-0123456789abcdef';
export const BENCH_OPERATOR_TOKENS = `bench:operator=${BENCH_OPERATOR_TOKEN}`;
