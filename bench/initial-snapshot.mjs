#!/usr/bin/env node
// Measures odoo-cdc's initial snapshot: N partners already in an Odoo database go through Debezium and odoo-cdc onto
// the customer topic. Runs the integration test that checks correctness (every partner exactly once) and records its
// figures, twice side by side: odoo-cdc with the heap flags the Helm chart gives it (apps.odooCdc.env.NODE_OPTIONS),
// as deployed, and with node's default heap limit.
// Usage: node bench/initial-snapshot.mjs [partners=100000]; the stack must be up (scripts/stack up).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const partners = Number(process.argv[2] ?? 100_000);
const chartValues = join(root, 'deploy/helm/integration-hub/values.yaml');
const heapFlags = parse(readFileSync(chartValues, 'utf8'))?.apps?.odooCdc?.env?.NODE_OPTIONS;
if (typeof heapFlags !== 'string' || heapFlags.trim() === '') {
  console.error(`bench: ${chartValues} sets no apps.odooCdc.env.NODE_OPTIONS to measure odoo-cdc with`);
  process.exit(1);
}

/** One run of the snapshot test with these node flags for odoo-cdc; its figures. */
function run(nodeArgs) {
  const result = spawnSync(
    'npx',
    ['jest', '--selectProjects', 'integration', '--runInBand', 'test/integration/initial-snapshot.int-spec.ts'],
    {
      cwd: root,
      env: { ...process.env, HUB_SNAPSHOT_PARTNERS: String(partners), HUB_APP_NODE_ARGS: nodeArgs },
      encoding: 'utf8',
    },
  );
  const line = /initial snapshot: (\d+) partners in ([\d.]+) s \((\d+)\/s\), odoo-cdc peak RSS (\d+) MiB/.exec(
    result.stdout + result.stderr,
  );
  if (result.status !== 0 || !line) {
    console.error(result.stdout.slice(-4000), result.stderr.slice(-4000));
    console.error(`bench: the snapshot test failed (odoo-cdc node flags: "${nodeArgs}"); no figures`);
    process.exit(1);
  }
  return {
    partners: Number(line[1]),
    seconds: Number(line[2]),
    recordsPerSecond: Number(line[3]),
    odooCdcPeakRssMiB: Number(line[4]),
  };
}

const deployed = run(heapFlags);
const defaultHeap = run('');
const figures = {
  bench: 'initial-snapshot',
  at: new Date().toISOString(),
  ...deployed,
  heapFlags,
  defaultHeap,
  cores: 2,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/initial-snapshot.json'), JSON.stringify(figures, null, 2) + '\n');
console.log(figures);
