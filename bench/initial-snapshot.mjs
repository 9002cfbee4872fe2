#!/usr/bin/env node
// Measures odoo-cdc's initial snapshot: N partners already in an Odoo database go through Debezium and odoo-cdc onto
// the customer topic. Runs the integration test that checks correctness (every partner exactly once) and records its
// figures. Usage: node bench/initial-snapshot.mjs [partners=100000]; the stack must be up (scripts/stack up).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const partners = Number(process.argv[2] ?? 100_000);
const result = spawnSync(
  'npx',
  ['jest', '--selectProjects', 'integration', '--runInBand', 'test/integration/initial-snapshot.int-spec.ts'],
  { cwd: root, env: { ...process.env, HUB_SNAPSHOT_PARTNERS: String(partners) }, encoding: 'utf8' },
);
const line = /initial snapshot: (\d+) partners in ([\d.]+) s \((\d+)\/s\), odoo-cdc peak RSS (\d+) MiB/.exec(
  result.stdout + result.stderr,
);
if (result.status !== 0 || !line) {
  console.error(result.stdout.slice(-4000), result.stderr.slice(-4000));
  console.error('bench: the snapshot test failed; no figures');
  process.exit(1);
}
const figures = {
  bench: 'initial-snapshot',
  at: new Date().toISOString(),
  partners: Number(line[1]),
  seconds: Number(line[2]),
  recordsPerSecond: Number(line[3]),
  odooCdcPeakRssMiB: Number(line[4]),
  cores: 2,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/initial-snapshot.json'), JSON.stringify(figures, null, 2) + '\n');
console.log(figures);
