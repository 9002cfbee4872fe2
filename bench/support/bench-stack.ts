import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createIsolatedOdoo, type IsolatedOdoo } from '../../scripts/lib/isolated-odoo';

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

/** Where each component of the stack listens, from its status entry. */
function endpointOf(stack: BenchStack, component: keyof BenchStack): { host: string; port: number } | undefined {
  const url = (text: string, defaultPort: number) => {
    const u = new URL(text);
    return { host: u.hostname, port: Number(u.port || defaultPort) };
  };
  switch (component) {
    case 'postgres':
      return url(stack.postgres.hub, 5432);
    case 'kafka': {
      const [host, port] = stack.kafka.brokers.split(',')[0].split(':');
      return { host, port: Number(port) };
    }
    default: {
      const entry = stack[component] as { url?: string } | undefined;
      return entry?.url ? url(entry.url, 80) : undefined;
    }
  }
}

/** Whether something accepts connections at `host:port` within a second. */
function answers({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Reads the stack's status and fails naming every component that cannot be reached: a bench that cannot reach the
 * stack says which part is missing instead of timing out somewhere inside. `scripts/stack status` counts as up only
 * the processes its own checkout started; a component it reports down is used all the same when its endpoint
 * answers (the stack of another checkout of the hub, such as the main one beside a git worktree).
 */
export async function readStack(
  needs: (keyof BenchStack)[] = ['postgres', 'kafka', 'registry', 'connect'],
): Promise<BenchStack> {
  let out: string;
  try {
    out = execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // `status` exits non-zero while any part is down, yet prints every part: the check below names the ones missing.
    out = (error as { stdout?: string }).stdout ?? '';
    if (!out.trim().startsWith('{')) {
      throw new Error(
        `the stack's status could not be read (scripts/stack status --json): ${(error as Error).message}`,
      );
    }
  }
  const stack = JSON.parse(out) as BenchStack;
  const reachable = await Promise.all(
    needs.map(async (component) => {
      if (stack[component]?.up) return true;
      const endpoint = endpointOf(stack, component);
      return endpoint !== undefined && (await answers(endpoint));
    }),
  );
  const down = needs.filter((_, i) => !reachable[i]);
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

/**
 * What every hub app a bench starts is given: the stack's Kafka and registry, the run's topic prefix and hub database,
 * the audit trail's key and the operator API's tokens (bench-only values), and warnings only in its log.
 */
export function benchAppEnv(
  stack: { kafka: { brokers: string }; registry: { url: string } },
  prefix: string,
  hubDatabaseUrl: string,
): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.kafka.brokers,
    SCHEMA_REGISTRY_URL: stack.registry.url,
    HUB_TOPIC_PREFIX: prefix,
    // The audit trail's key (bench-only value): every projector records its writes.
    AUDIT_HASH_KEY: 'bench-audit-hash-key-0123456789abcdefgh',
    HUB_DATABASE_URL: hubDatabaseUrl,
    HUB_OPERATOR_TOKENS: BENCH_OPERATOR_TOKENS,
    LOG_LEVEL: 'warn',
  };
}

/**
 * The most memory process `pid` has held so far (the kernel's high-water mark of its resident set, VmHWM), in MiB;
 * undefined once it is gone. Read at the end it is the run's peak, whatever happened between two samples.
 */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux unless built otherwise). */
let clockTicks: number | undefined;

/**
 * CPU time process `pid` has used so far (user and system, from /proc/<pid>/stat), in seconds; undefined once it is
 * gone. Two readings apart give what it spent between them, whether answering requests, collecting garbage or idle
 * timers: a check on the time a process reports of itself.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: fields are counted from after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** An Odoo database and a Debezium connector of the bench's own beside the stack's (scripts/lib/isolated-odoo.ts). */
export function createBenchOdoo(stack: BenchStack, name: string, changesTopic: string): Promise<IsolatedOdoo> {
  return createIsolatedOdoo(
    { hubUrl: stack.postgres.hub, odooUrl: stack.postgres.odoo, connectUrl: stack.connect.url },
    name,
    changesTopic,
  );
}

/** A Kafka admin client of the bench's on the stack's brokers, connected (the caller disconnects it). */
export async function connectBenchAdmin(stack: BenchStack, clientId: string): Promise<Admin> {
  const kafka = new Kafka({ clientId, brokers: stack.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}
