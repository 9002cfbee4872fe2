import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
const ROOT = join(__dirname, '../..');

export type AppName =
  'odoo-cdc' | 'projector-salesforce' | 'projector-support' | 'projector-odoo' | 'ingress' | 'console';

export interface RunningApp {
  name: AppName;
  port: number;
  url: string;
  logFile: string;
  process: ChildProcess;
  /** SIGTERM, then wait for a clean exit; resolves with the exit code (null when a signal ended it). */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  ready(): Promise<ReadyBody>;
}

export interface ReadyBody {
  status: string;
  info?: Record<string, Record<string, unknown>>;
  error?: Record<string, Record<string, unknown>>;
  details?: Record<string, Record<string, unknown>>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  port?: number;
  readyTimeoutMs?: number;
  logDir?: string;
  /**
   * Runs the app in its own process group, signalled as a whole. A terminal's Ctrl-C or hang-up then reaches only
   * this process, which stops the app in order ({@link stopStartedApps}); without it the app shares this process's
   * group and dies with a Ctrl-C to it (what a test run wants when it is interrupted).
   */
  processGroup?: boolean;
}

/** Apps started by this process that have not exited yet, with how to signal each (its group, or itself). */
const live = new Map<RunningApp, (signal: NodeJS.Signals) => void>();

/**
 * Starts several apps together; if one fails to become ready, the others are stopped too, so no process is left
 * running without an owner.
 */
export async function startApps(
  specs: ({ name: AppName; env: Record<string, string> } & StartOptions)[],
): Promise<RunningApp[]> {
  const results = await Promise.allSettled(specs.map(({ name, env, ...options }) => startApp(name, env, options)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.kill() : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<RunningApp>).value);
}

/**
 * `count` instances of one app with one environment, so in one consumer group sharing its topics' partitions (the
 * scale-out test, the bench), started together as {@link startApps} starts them.
 */
export function startAppInstances(
  name: AppName,
  count: number,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningApp[]> {
  return startApps(Array.from({ length: count }, () => ({ name, env, ...options })));
}

/** Starts a built app (`npm run build`) as its own process (the same `main.js` a container runs) and waits until it is ready. */
export async function startApp(
  name: AppName,
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningApp> {
  const port = options.port ?? (await freePort());
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const logDir = options.logDir ?? join(ROOT, '.stack/logs/tests');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  // HUB_APP_NODE_ARGS passes flags to every app's node, e.g. "--cpu-prof --cpu-prof-dir=<dir>" to profile a bench run.
  const nodeArgs = (process.env.HUB_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn('node', [...nodeArgs, join(ROOT, `dist/apps/${name}/apps/${name}/src/main.js`)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...env,
      ...appEnvOverrides(process.env.HUB_APP_ENV),
      HTTP_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = (sig: NodeJS.Signals) => {
    if (options.processGroup && child.pid !== undefined) {
      try {
        process.kill(-child.pid, sig);
        return;
      } catch {
        // the group is gone already; signal the process itself below
      }
    }
    child.kill(sig);
  };
  const url = `http://127.0.0.1:${port}`;
  const app: RunningApp = {
    name,
    port,
    url,
    logFile,
    process: child,
    async stop() {
      if (gone()) return child.exitCode;
      signal('SIGTERM');
      return exited;
    },
    async kill() {
      if (gone()) return;
      signal('SIGKILL');
      await exited;
    },
    async ready() {
      const res = await fetch(`${url}/health/ready`);
      return (await res.json()) as ReadyBody;
    },
  };
  live.set(app, signal);
  void exited.then(() => live.delete(app));
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (gone())
      throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode} before it was ready; see ${logFile}`);
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return app;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await app.kill();
  throw new Error(`${name} was not ready within ${readyTimeoutMs} ms; see ${logFile}`);
}

/**
 * Stops every app this process started and that still runs, ready or not: SIGTERM, then SIGKILL for any still alive
 * after `graceMs`. Resolves when all have exited, naming each and whether it had to be killed.
 */
export async function stopStartedApps(graceMs = 15_000): Promise<{ name: AppName; killed: boolean }[]> {
  return Promise.all(
    [...live.keys()].map(async (app) => {
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), graceMs)));
      const outcome = await Promise.race([app.stop(), overdue]);
      clearTimeout(timer);
      if (outcome === 'overdue') await app.kill();
      return { name: app.name, killed: outcome === 'overdue' };
    }),
  );
}

/**
 * Last resort for a process that is exiting now and cannot wait: SIGKILL to every app it started that still runs.
 * Call it from a `process.on('exit')` handler.
 */
export function killStartedAppsNow(): void {
  for (const signal of live.values()) signal('SIGKILL');
}

/** Polls `probe` until it returns a value other than undefined, or fails with the last state after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * HUB_APP_ENV sets variables of every app a test or bench starts, over the run's own, as `NAME=value` pairs separated
 * by spaces (e.g. `SF_PIPELINE_MAX_IN_FLIGHT=2000` to measure a setting): a malformed pair is refused, named.
 */
export function appEnvOverrides(text: string | undefined): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of (text ?? '').split(/\s+/).filter(Boolean)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`HUB_APP_ENV: "${pair}" is not NAME=value`);
    overrides[match[1]] = match[2];
  }
  return overrides;
}
