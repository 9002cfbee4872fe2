import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerSchema, SchemaRejectedError } from '@hub/canonical';
import { ROOT, runId, stack } from './support/stack';

type AvroRecord = { type: 'record'; name: string; fields: { name: string; type: unknown; default?: unknown }[] };
type EventSchemas = Record<string, AvroRecord>;

/** The file naming the commit of the last released contract. */
const BASELINE_FILE = 'schemas/avro/compat-baseline';

function baselineCommit(): string {
  const ids = readFileSync(join(ROOT, BASELINE_FILE), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (ids.length !== 1 || !/^[0-9a-f]{40}$/.test(ids[0])) {
    throw new Error(`${BASELINE_FILE} must hold exactly one full commit id (git rev-parse <commit>), found ${ids}`);
  }
  return ids[0];
}

/**
 * The event schemas as the hub registers them, expanded by scripts/codegen-avro.mjs itself: from the work tree, or
 * from a commit's schemas/avro read with git show. A commit missing from the clone (a shallow clone) fails here,
 * with codegen's message saying so: this test never skips.
 */
function expandedSchemas(commit?: string): EventSchemas {
  const result = spawnSync(
    'node',
    [join(ROOT, 'scripts/codegen-avro.mjs'), '--print', ...(commit ? ['--at', commit] : [])],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `cannot read the canonical schemas ${commit ? `of the baseline commit ${commit} (${BASELINE_FILE})` : 'of the work tree'}: ` +
        (result.stderr.trim() || `exit status ${result.status}`),
    );
  }
  return JSON.parse(result.stdout) as EventSchemas;
}

/**
 * Registers each baseline schema under a subject of its own, then the candidate schema of the same name under the
 * same subject, with BACKWARD compatibility, as the hub's producers do at start. Returns the registry's verdict on
 * each candidate: accepted, or refused with its message.
 */
async function registerInTurn(
  label: string,
  baseline: EventSchemas,
  candidate: EventSchemas,
): Promise<Record<string, 'accepted' | string>> {
  const registry = new SchemaRegistry({ host: stack().registry.url });
  const prefix = `it-${runId(label)}.`;
  const verdicts: Record<string, 'accepted' | string> = {};
  for (const [name, schema] of Object.entries(candidate)) {
    const subject = `${prefix}${name}-value`;
    if (baseline[name]) await registerSchema(registry, subject, baseline[name]);
    verdicts[name] = await registerSchema(registry, subject, schema).then(
      () => 'accepted' as const,
      (error: unknown) => {
        if (error instanceof SchemaRejectedError) return `refused: ${error.message}`;
        throw error;
      },
    );
  }
  return verdicts;
}

/** A copy of `schemas` with `mutate` applied to the named record wherever it is defined (expanded schemas inline it). */
function withRecord(schemas: EventSchemas, record: string, mutate: (r: AvroRecord) => void): EventSchemas {
  const copy = JSON.parse(JSON.stringify(schemas)) as EventSchemas;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const r = node as AvroRecord & { items?: unknown };
    if (r.type === 'record' && r.name === record) mutate(r);
    r.fields?.forEach((f) => visit(f.type));
    visit(r.items);
    if (typeof r.type === 'object') visit(r.type);
  };
  Object.values(copy).forEach(visit);
  return copy;
}

/**
 * The canonical contract evolves BACKWARD-compatibly: the registry (Apicurio, Confluent-compatible API) accepts the
 * work tree's schemas over those of the last released contract, on fresh subjects every run.
 */
describe('canonical schemas: BACKWARD compatible with the last released contract', () => {
  it('registers every schema of the released contract, then the work tree schemas, and the registry accepts each', async () => {
    const commit = baselineCommit();
    const baseline = expandedSchemas(commit);
    const current = expandedSchemas();
    expect(Object.keys(baseline).length).toBeGreaterThan(0);
    // A topic's schema is never dropped in place: it moves to a new topic version.
    expect(Object.keys(current)).toEqual(expect.arrayContaining(Object.keys(baseline)));
    const verdicts = await registerInTurn('compat', baseline, current);
    expect(verdicts).toEqual(Object.fromEntries(Object.keys(current).map((name) => [name, 'accepted'])));
  });

  it('fails when the work tree breaks the contract: a new Invoice field without a default is refused', async () => {
    const baseline = expandedSchemas(baselineCommit());
    const broken = withRecord(expandedSchemas(), 'Invoice', (r) =>
      r.fields.push({ name: 'dunningLevel', type: 'int' }),
    );
    const verdicts = await registerInTurn('compat-broken', baseline, broken);
    expect(verdicts.InvoiceEvent).toMatch(
      /^refused: registry refused the schema for it-compat-broken-.*InvoiceEvent-value/,
    );
    const others = Object.entries(verdicts).filter(([name]) => name !== 'InvoiceEvent');
    expect(others.every(([, verdict]) => verdict === 'accepted')).toBe(true);
  });

  it('fails when an envelope field is narrowed: every released topic refuses sourcePosition as an int', async () => {
    const baseline = expandedSchemas(baselineCommit());
    const broken = withRecord(expandedSchemas(), 'Envelope', (r) => {
      r.fields.find((f) => f.name === 'sourcePosition')!.type = 'int';
    });
    const verdicts = await registerInTurn('compat-envelope', baseline, broken);
    const released = Object.entries(verdicts).filter(([name]) => name in baseline);
    expect(released).toHaveLength(Object.keys(baseline).length);
    expect(released.every(([, verdict]) => verdict.startsWith('refused: '))).toBe(true);
    // A topic added since the release has no earlier schema to be compatible with: its first one is registered.
    const added = Object.entries(verdicts).filter(([name]) => !(name in baseline));
    expect(added.every(([, verdict]) => verdict === 'accepted')).toBe(true);
  });
});
