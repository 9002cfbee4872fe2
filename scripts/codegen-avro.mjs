#!/usr/bin/env node
// Generates libs/canonical/src/generated/ from schemas/avro/*.avsc:
//  - avro-schemas.ts: each top-level event schema with every named type it uses inlined, because the
//    registry's Confluent-compatible API does not resolve schema references reliably (Apicurio ccompat gaps);
//  - avro-types.ts: TypeScript types produced by @ovotech/avro-ts, so no canonical type is ever written by hand.
// `--check` regenerates in memory and fails when the checked-in files differ (run by the test command).
// `--print [--at <commit>]` writes nothing: it prints the expanded event schemas as JSON ({ "CustomerEvent": … }),
// from the work tree or from the .avsc files of a commit (read with git show), so a test can register the schemas of
// a released contract exactly as the hub registers them (test/integration/schema-compatibility.int-spec.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { toTypeScript } from '@ovotech/avro-ts';
import prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas/avro');
const outDir = join(root, 'libs/canonical/src/generated');
const args = process.argv.slice(2);
const check = args.includes('--check');
const print = args.includes('--print');
const at = args.includes('--at') ? args[args.indexOf('--at') + 1] : undefined;

const fail = (msg) => {
  console.error(`codegen-avro: ${msg}`);
  process.exit(1);
};
if (args.includes('--at') && (!at || at.startsWith('--'))) fail('--at needs a commit');
if (at && !print) fail('--at reads a commit for --print only: generated files always come from the work tree');

const git = (...gitArgs) => execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', stdio: 'pipe' });

/** The .avsc files of the work tree, or of commit `at`: [{ file, text }] sorted by file name. */
function readSchemaFiles() {
  if (!at) {
    return readdirSync(schemaDir)
      .filter((f) => f.endsWith('.avsc'))
      .sort()
      .map((file) => ({ file, text: readFileSync(join(schemaDir, file), 'utf8') }));
  }
  try {
    git('cat-file', '-e', `${at}^{commit}`);
  } catch {
    let shallow = false;
    try {
      shallow = git('rev-parse', '--is-shallow-repository').trim() === 'true';
    } catch {
      // not a git work tree at all: said below
    }
    fail(
      `commit ${at} is not in this clone's history` +
        (shallow ? ' (it is a shallow clone: run git fetch --unshallow)' : ' (fetch it, or fix the commit id)'),
    );
  }
  return git('ls-tree', '--name-only', `${at}:schemas/avro`)
    .split('\n')
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, text: git('show', `${at}:schemas/avro/${file}`) }));
}

// Index every named type (records, enums, fixed, also nested ones) by full name.
const named = new Map();
const docs = readSchemaFiles().map(({ file, text }) => {
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${file} is not valid JSON: ${e.message}`);
  }
  if (!json.name || !json.namespace) fail(`${file} must declare a name and a namespace`);
  if (`${json.name}.avsc` !== file) fail(`${file} declares ${json.name}: the file name must be <Name>.avsc`);
  return { file, json };
});
const fullName = (name, ns) => (name.includes('.') ? name : `${ns}.${name}`);
const indexNamed = (schema, ns) => {
  if (Array.isArray(schema)) return schema.forEach((s) => indexNamed(s, ns));
  if (!schema || typeof schema !== 'object') return;
  const here = schema.namespace ?? ns;
  if (['record', 'enum', 'fixed', 'error'].includes(schema.type) && schema.name) {
    named.set(fullName(schema.name, here), { schema, ns: here });
  }
  if (schema.fields) schema.fields.forEach((f) => indexNamed(f.type, here));
  if (schema.items) indexNamed(schema.items, here);
  if (schema.values) indexNamed(schema.values, here);
  if (schema.type && typeof schema.type === 'object') indexNamed(schema.type, here);
};
docs.forEach(({ json }) => indexNamed(json, json.namespace));

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
// Replace the first reference to each named type by its definition; later references stay names.
const expand = (schema, ns, defined) => {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return schema;
    const name = fullName(schema, ns);
    if (defined.has(name)) return name;
    const def = named.get(name);
    if (!def) fail(`unknown type ${name}`);
    return expand(def.schema, def.ns, defined);
  }
  if (Array.isArray(schema)) return schema.map((s) => expand(s, ns, defined));
  const here = schema.namespace ?? ns;
  const out = { ...schema };
  if (['record', 'enum', 'fixed', 'error'].includes(schema.type) && schema.name) {
    defined.add(fullName(schema.name, here));
    if (!schema.namespace) out.namespace = here;
  }
  if (schema.fields) out.fields = schema.fields.map((f) => ({ ...f, type: expand(f.type, here, defined) }));
  if (schema.items) out.items = expand(schema.items, here, defined);
  if (schema.values) out.values = expand(schema.values, here, defined);
  if (schema.type && typeof schema.type === 'object') out.type = expand(schema.type, here, defined);
  return out;
};

// Top-level event schemas are the records whose name ends in "Event": one per canonical topic.
const events = docs.filter(({ json }) => json.type === 'record' && json.name.endsWith('Event'));
if (events.length === 0) fail('no *Event.avsc schema found');
const expanded = {};
for (const { json } of events) {
  const schema = expand(json, json.namespace, new Set());
  try {
    avsc.Type.forSchema(schema);
  } catch (e) {
    fail(`${json.name}.avsc does not parse as Avro: ${e.message}`);
  }
  expanded[json.name] = schema;
}
if (print) {
  process.stdout.write(JSON.stringify(expanded, null, 2) + '\n');
  process.exit(0);
}

const header = `// Generated by scripts/codegen-avro.mjs from schemas/avro. Do not edit: run \`npm run codegen\`.\n/* eslint-disable */\n`;
const schemasTs =
  header +
  `export const avroSchemas = ${JSON.stringify(expanded, null, 2)} as const;\n\n` +
  `export type CanonicalSchemaName = keyof typeof avroSchemas;\n`;

// avro-ts emits each named type once per document, so wrap every event in one synthetic record,
// then keep only the types (the schema strings it also emits are not standalone).
const catalog = expand(
  {
    type: 'record',
    name: 'CanonicalCatalog',
    namespace: 'hub.canonical',
    fields: events.map(({ json }) => ({ name: json.name, type: `${json.namespace}.${json.name}` })),
  },
  'hub.canonical',
  new Set(),
);
// avro-ts calls TypeScript factory functions that TypeScript 4.8+ reports as deprecated on stderr: silence that noise.
const warn = console.warn;
console.warn = () => {};
const generatedRaw = toTypeScript(catalog, { withTypescriptEnums: false, logicalTypes: { decimal: 'string' } });
console.warn = warn;
const generated = generatedRaw
  .split('\n')
  .filter((line) => !/^\s*export const \w+(Schema|Name) = .*;$/.test(line))
  .filter((line) => !/^export type CanonicalCatalog = /.test(line))
  .join('\n')
  .replace(/\n\s*export interface CanonicalCatalog \{[^}]*\}/, '');
let typesTs = header + generated + '\n';
typesTs += events.map(({ json }) => `export type ${json.name} = HubCanonical.${json.name};\n`).join('');
for (const name of [...named.keys()].filter((n) => !n.endsWith('Event'))) {
  const short = name.split('.').pop();
  typesTs += `export type ${short} = HubCanonical.${short};\n`;
}
typesTs += `\n/** Value type of each canonical topic, by schema name. */\nexport interface CanonicalEventMap {\n${events
  .map(({ json }) => `  ${json.name}: ${json.name};`)
  .join('\n')}\n}\n`;

const prettierOptions = { ...(await prettier.resolveConfig(join(root, 'package.json'))), parser: 'typescript' };
const outputs = {
  'avro-schemas.ts': await prettier.format(schemasTs, prettierOptions),
  'avro-types.ts': await prettier.format(typesTs, prettierOptions),
};
let stale = [];
for (const [name, content] of Object.entries(outputs)) {
  const path = join(outDir, name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (check) {
    if (current !== content) stale.push(name);
  } else if (current !== content) {
    writeFileSync(path, content);
    console.log(`codegen-avro: wrote libs/canonical/src/generated/${name}`);
  }
}
if (stale.length) fail(`generated files are stale (${stale.join(', ')}): run npm run codegen and commit`);
if (check) console.log(`codegen-avro: ${Object.keys(outputs).length} generated files are up to date`);
