import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { freePort } from '../../scripts/lib/app-process';
import { waitFor } from './bench-stack';

const ROOT = join(__dirname, '../..');

/** A Salesforce sandbox of a bench's own, in a process of its own. */
export interface SandboxProcess {
  url: string;
  client: SandboxClient;
  process: ChildProcess;
  /** SIGTERM, and wait until it is gone (the org is in memory only: nothing is kept). */
  stop(): Promise<void>;
}

/**
 * Starts `sandboxes/salesforce/main.ts` as `scripts/stack` does, on free ports, with an org in memory only and an API
 * allowance no bench exhausts. In a process of its own, its memory (the org grows with every record) and its time
 * are its own, not shared with the bench's: the figures of the org alone. Its output goes to `.stack/logs/tests`.
 */
export async function startSandboxProcess(readyTimeoutMs = 60_000): Promise<SandboxProcess> {
  const port = await freePort();
  const logDir = join(ROOT, '.stack/logs/tests');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `salesforce-sandbox-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  const child = spawn('node', ['-r', 'ts-node/register/transpile-only', join(ROOT, 'sandboxes/salesforce/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      SF_SANDBOX_PORT: String(port),
      SF_SANDBOX_PUBSUB_PORT: '0',
      SF_SANDBOX_API_LIMIT: '1000000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  // However the bench ends, the sandbox does not outlive it.
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killNow);
      resolve();
    }),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${port}`;
  const sandbox: SandboxProcess = {
    url,
    client: new SandboxClient(url),
    process: child,
    async stop() {
      if (gone()) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitFor(
      async () => {
        if (gone()) throw new Error(`the Salesforce sandbox exited before it was ready; see ${logFile}`);
        return sandbox.client.stats().then(
          () => true,
          () => false,
        );
      },
      `the Salesforce sandbox to answer (log: ${logFile})`,
      readyTimeoutMs,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return sandbox;
}
