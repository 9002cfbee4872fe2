import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createHubDatabase as createDatabase } from '../../../scripts/lib/hub-database';

export const ROOT = join(__dirname, '../../..');

export interface StackStatus {
  postgres: { up: boolean; odoo: string; hub: string };
  kafka: { up: boolean; brokers: string };
  registry: { up: boolean; url: string };
  connect: { up: boolean; url: string; connector?: string };
  salesforceSandbox: { up: boolean; url: string };
  /** Jaeger v2: `url` its UI and query API (`/api/traces`), `otlpHttp` where the apps export their spans. */
  jaeger: { up: boolean; url: string; otlpHttp: string };
  odooSandbox?: { up: boolean; url: string };
}

let cached: StackStatus | undefined;

/** The running local stack's endpoints (`scripts/stack status --json`); the global setup has started it. */
export function stack(): StackStatus {
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' });
  } catch (error) {
    // `status` exits non-zero while any part is down (Jaeger still building, or a stack started from another
    // checkout, whose processes this one does not count as its own), yet prints every endpoint: a test that needs a
    // part that is down fails on connecting to it, naming it.
    const stdout = (error as { stdout?: string }).stdout;
    if (!stdout?.trim().startsWith('{')) throw error;
    out = stdout;
  }
  cached = JSON.parse(out) as StackStatus;
  return cached;
}

/** A suffix that keeps one test file's topics, groups and rows apart from every other run. */
export function runId(label: string): string {
  return `${label}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/**
 * A fresh hub database for one test file, migrated like production: odoo-cdc's mirror belongs to its consumer
 * group's position in the stream, so a test that starts a new group from the beginning needs its own.
 */
export function createHubDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabase(stack().postgres.hub, name);
}
