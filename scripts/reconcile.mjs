#!/usr/bin/env node
// Runs a reconciliation pass through projector-salesforce's API and prints its report as a table (or JSON).
//   npm run reconcile -- --entity Order --since 24h [--report-only] [--json]
// RECONCILE_URL (default http://127.0.0.1:3102) and RECONCILE_TOKEN (an operator token of projector-salesforce HUB_OPERATOR_TOKENS) from the environment.
/* global fetch, URL */
import { parseArgs } from 'node:util';

const usage =
  'usage: npm run reconcile -- --entity Account|Order|OrderItem --since <30m|24h|7d|ISO instant> [--report-only] [--json]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      entity: { type: 'string' },
      since: { type: 'string' },
      'report-only': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  process.stderr.write(`reconcile: ${error.message}\n${usage}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
for (const flag of ['entity', 'since']) {
  if (!values[flag]) {
    process.stderr.write(`reconcile: --${flag} is required\n${usage}\n`);
    process.exit(2);
  }
}
const url = process.env.RECONCILE_URL ?? 'http://127.0.0.1:3102';
const token = process.env.RECONCILE_TOKEN;
if (!token) {
  process.stderr.write(
    'reconcile: RECONCILE_TOKEN is not set (an operator token of projector-salesforce HUB_OPERATOR_TOKENS)\n',
  );
  process.exit(2);
}

let res;
try {
  res = await fetch(new URL('/reconcile', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ entity: values.entity, since: values.since, repair: !values['report-only'] }),
  });
} catch (error) {
  process.stderr.write(
    `reconcile: cannot reach projector-salesforce at ${url}: ${error.cause?.message ?? error.message}\n`,
  );
  process.exit(1);
}
const body = await res.json().catch(() => ({}));
if (!res.ok) {
  process.stderr.write(`reconcile: ${res.status} ${body.message ?? JSON.stringify(body)}\n`);
  process.exit(res.status === 400 ? 2 : 1);
}
if (values.json) {
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
} else {
  const lines = [
    `${body.entity} pass ${body.status}${body.error ? ` (${body.error})` : ''}: ${body.passId}`,
    `window since ${body.since}, ${body.durationMs} ms, compared ${body.compared.aggregates} aggregates, ${body.compared.records} records, ${body.apiCalls} API calls`,
  ];
  if (body.counts.length === 0) lines.push('no drift');
  else
    lines.push(
      table(
        ['object', 'kind', 'found', 'repaired'],
        body.counts.map((c) => [c.object, c.kind, c.found, c.repaired]),
      ),
    );
  if (body.findings.length) {
    lines.push(
      table(
        ['object', 'kind', 'key', 'repair', 'differences'],
        body.findings.map((f) => [
          f.object,
          f.kind,
          f.key,
          f.repair,
          (f.differences ?? [])
            .map((d) => `${d.field}: ${JSON.stringify(d.actual)} → ${JSON.stringify(d.expected)}`)
            .join('; '),
        ]),
      ),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.exit(body.status === 'ok' ? 0 : 1);

function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
