import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Integration tests run against the real stack: start it (idempotent, seconds when already up), apply the hub
 * migrations, and build the apps the tests run as real processes. HUB_SKIP_BUILD=1 when the caller just built.
 */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '../../..');
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  run(join(root, 'scripts/stack'), ['up']);
  run('node', ['scripts/migrate-hub.mjs']);
  if (process.env.HUB_SKIP_BUILD !== '1') run('npm', ['run', '--silent', 'build']);
}
