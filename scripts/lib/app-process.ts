import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
const ROOT = join(__dirname, '../..');

export type AppName = 'odoo-cdc' | 'projector-salesforce' | 'projector-support' | 'ingress';

export interface RunningApp {
  name: AppName;
  port: number;
  url: string;
  logFile: string;
  process: ChildProcess;
  /** SIGTERM, then wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
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

/**
 * Starts several apps together; if one fails to become ready, the others are stopped too, so no process is left
 * running without an owner.
 */
export async function startApps(
  specs: { name: AppName; env: Record<string, string>; port?: number; logDir?: string }[],
): Promise<RunningApp[]> {
  const results = await Promise.allSettled(
    specs.map((s) => startApp(s.name, s.env, { port: s.port, logDir: s.logDir })),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.kill() : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<RunningApp>).value);
}

/** Starts a built app (`npm run build`) as its own process (the same `main.js` a container runs) and waits until it is ready. */
export async function startApp(
  name: AppName,
  env: Record<string, string>,
  options: { port?: number; readyTimeoutMs?: number; logDir?: string } = {},
): Promise<RunningApp> {
  const port = options.port ?? (await freePort());
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const logDir = options.logDir ?? join(ROOT, '.stack/logs/tests');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  const child = spawn('node', [join(ROOT, `dist/apps/${name}/apps/${name}/src/main.js`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const app: RunningApp = {
    name,
    port,
    url,
    logFile,
    process: child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async ready() {
      const res = await fetch(`${url}/health/ready`);
      return (await res.json()) as ReadyBody;
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode} before it was ready; see ${logFile}`);
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
