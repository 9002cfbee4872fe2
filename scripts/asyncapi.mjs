#!/usr/bin/env node
// Generates docs/asyncapi.yaml, the catalog of canonical topics for new consumers, from the topic table
// (libs/canonical/src/topics.ts), the topic configs the hub creates topics with (kafka-topics.ts), the expanded event
// schemas (generated from schemas/avro by codegen-avro.mjs) and the field ownership table (config/ownership.yaml).
// Nothing about a topic is written here by hand: a new entry in the topic table becomes a new channel.
// `--check` regenerates in memory and fails when the checked-in file differs (run by the test command after codegen).
//
// What the topic table does not say yet comes from DEFAULTS below; a field of the same name on a topic-table entry
// (`replicas`, `retentionMs`) wins, so adding one there needs no change here.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(root, 'docs/asyncapi.yaml');
const check = process.argv.includes('--check');

const fail = (msg) => {
  console.error(`asyncapi: ${msg}`);
  process.exit(1);
};

/** Documented defaults for topic facts the topic table does not carry. */
const DEFAULTS = {
  /** The hub's default topic prefix (HUB_TOPIC_PREFIX). */
  prefix: 'hub.',
  /** Production replication factor (KAFKA_REPLICATION_FACTOR; the local single-broker stack uses 1). */
  replicas: 3,
  /** Kafka's broker default (log.retention.hours=168), for topics whose cleanup policy deletes by time. */
  retentionMs: 7 * 24 * 3600 * 1000,
};
const KAFKA_BINDING = '0.5.0';
const AVRO_FORMAT = 'application/vnd.apache.avro+json;version=1.9.0';

// The topic table and its companions are TypeScript: load them through ts-node (transpile only), as the apps see them.
const require = createRequire(import.meta.url);
require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
const lib = (path) => require(join(root, 'libs/canonical/src', path));
const { CANONICAL_TOPICS, physicalTopicName, valueSubject, TOPIC_VERSION } = lib('topics.ts');
const { canonicalTopicConfigs } = lib('kafka-topics.ts');
const { avroSchemas } = lib('generated/avro-schemas.ts');
const { canonicalEntities, loadFieldOwnership, OWNERSHIP_FILE } = lib('ownership.ts');

let ownership;
try {
  ownership = loadFieldOwnership(join(root, OWNERSHIP_FILE));
} catch (e) {
  fail(e.message.replace(root + '/', ''));
}
const entityOf = new Map(canonicalEntities().map((e) => [e.eventSchema, e]));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Topic config entries (strings, as kafkajs takes them) → the Kafka binding's topicConfiguration. */
const topicConfiguration = (entries, spec) => {
  const config = {};
  for (const { name, value } of entries) {
    config[name] = name === 'cleanup.policy' ? value.split(',').map((p) => p.trim()) : numberOrString(value);
  }
  if (!('retention.ms' in config) && config['cleanup.policy'].includes('delete')) {
    config['retention.ms'] = spec.retentionMs ?? DEFAULTS.retentionMs;
  }
  return config;
};
const numberOrString = (v) => (/^-?\d+$/.test(String(v)) ? Number(v) : v);
const DAY = 24 * 3600 * 1000;
const duration = (ms) => (ms % DAY === 0 && ms > DAY ? `${ms / DAY} days` : `${Math.round(ms / (3600 * 1000))} h`);
const camel = (key) => key.replace(/-(\w)/g, (_, c) => c.toUpperCase());
const listOf = (items) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0]);

const channels = {};
const operations = {};
const keys = Object.keys(CANONICAL_TOPICS);
if (keys.length === 0) fail('the topic table is empty');
for (const key of keys) {
  const spec = CANONICAL_TOPICS[key];
  const schema = avroSchemas[spec.schema];
  if (!schema) fail(`topic ${key}: schema ${spec.schema} is not in the generated schemas (run npm run codegen)`);
  const entity = entityOf.get(spec.schema);
  if (!entity) fail(`topic ${key}: ${spec.schema} carries no entity record next to its envelope`);
  const owners = Object.fromEntries(ownership.ownersOf(entity.name));
  const topic = physicalTopicName(key, DEFAULTS.prefix);
  const subject = valueSubject(topic);
  const replicas = spec.replicas ?? DEFAULTS.replicas;
  const [topicConfig] = canonicalTopicConfigs([key], { prefix: DEFAULTS.prefix, replicationFactor: replicas });
  const config = topicConfiguration(topicConfig.configEntries ?? [], spec);
  const compacted = config['cleanup.policy'].includes('compact');
  const eventTypes = [...spec.eventTypes];
  const deleted = eventTypes.filter((t) => t.endsWith('.deleted'));
  const bySystem = new Map();
  for (const [field, owner] of Object.entries(owners)) {
    const system = Array.isArray(owner) ? owner.join(' and ') : owner;
    bySystem.set(system, [...(bySystem.get(system) ?? []), field]);
  }
  const shared = Object.values(owners).some((owner) => Array.isArray(owner));
  const matchKeys = Object.fromEntries(ownership.matchKeysTable(entity.name));

  const retention = compacted
    ? `Compacted (\`cleanup.policy: compact\`): the latest event of every key is kept, so a new consumer group ` +
      `reading from the earliest offset gets the current state of every ${entity.name}. ` +
      (deleted.length
        ? `A deletion is a \`${deleted.join('`/`')}\` event followed by a tombstone (null value) for the same key; ` +
          `tombstones are removed after \`delete.retention.ms\` (${duration(config['delete.retention.ms'])}), so a ` +
          `consumer that is away for longer can miss a deletion and should reconcile by reading from the start.`
        : '')
    : `Deleted by time: events are kept ${duration(config['retention.ms'])} (\`retention.ms\`).`;
  const messageId = camel(spec.schema.charAt(0).toLowerCase() + spec.schema.slice(1));
  const messages = {
    [messageId]: {
      name: spec.schema,
      title: `${entity.name} event`,
      summary: `${eventTypes.join(', ')}: the whole ${entity.name} after each change, in \`${entity.eventField}\`.`,
      description: [
        `Value: \`${spec.schema}\`, Avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema id, ` +
          `Avro binary), registered under \`${subject}\` (TopicNameStrategy, \`{prefix}${key}.${TOPIC_VERSION}-value\`) ` +
          `with BACKWARD compatibility: fetch the writer schema by id and decode with your reader schema.`,
        `\`envelope.eventType\` is one of ${eventTypes.map((t) => `\`${t}\``).join(', ')}; ` +
          `\`${entity.eventField}\` is null exactly on ${deleted.length ? deleted.map((t) => `\`${t}\``).join(', ') : 'deletions'}.`,
        `Key: \`envelope.aggregateId\`, the canonical id as a plain UTF-8 string (not Avro, not framed).`,
        `Field ownership (\`${OWNERSHIP_FILE}\`, system of record per top-level field): ` +
          [...bySystem].map(([system, fields]) => `${system}: ${fields.join(', ')}`).join('; ') +
          '.' +
          (bySystem.has('origin')
            ? ' `origin`: the system the record was created in, read from its canonical id (`odoo-…`, ' +
              '`salesforce-…`); every event carries the canonical id. Read each event with its source in mind: a ' +
              'field its source does not own for this record is null or its default, not a value.'
            : '') +
          (shared
            ? ' A field of several systems (`a and b`) is an identifier each of them states when it knows it, and ' +
              'they name the same record: take it from whichever event carries it.'
            : '') +
          (Object.keys(matchKeys).length
            ? ' Match keys (`matchKeys`, listed under `x-hub-match-keys`): ' +
              Object.entries(matchKeys)
                .map(
                  ([field, systems]) => `${systems.join(' and ')} also state${systems.length > 1 ? '' : 's'} ${field}`,
                )
                .join('; ') +
              ' for the records created there, only so a receiver can recognise the record (e.g. find the Odoo ' +
              'partner with that VAT number); it is not a value: never write it over its owner’s.'
            : ''),
      ].join('\n\n'),
      contentType: 'avro/binary',
      payload: { schemaFormat: AVRO_FORMAT, schema },
      bindings: {
        kafka: {
          key: { type: 'string', description: 'Canonical id (envelope.aggregateId) as UTF-8.' },
          schemaIdLocation: 'payload',
          schemaIdPayloadEncoding: 'confluent',
          schemaLookupStrategy: 'TopicNameStrategy',
          bindingVersion: KAFKA_BINDING,
        },
      },
      'x-hub-event-types': eventTypes,
      'x-hub-registry': {
        subject,
        subjectPattern: `{prefix}${key}.${TOPIC_VERSION}-value`,
        compatibility: 'BACKWARD',
        wireFormat: 'confluent',
      },
      'x-hub-field-ownership': { entity: entity.name, fields: owners },
      ...(Object.keys(matchKeys).length ? { 'x-hub-match-keys': matchKeys } : {}),
    },
  };
  if (compacted) messages.tombstone = { $ref: '#/components/messages/tombstone' };

  const producers = [...spec.producers];
  if (producers.length === 0) fail(`topic ${key}: the topic table names no producer`);
  const producerList = listOf(producers.map((p) => `\`${p}\``));
  channels[key] = {
    address: `{prefix}${key}.${TOPIC_VERSION}`,
    title: topic,
    summary: `Canonical ${entity.name} events, produced by ${listOf(producers)}.`,
    description: [
      `Physical topic \`${topic}\` with the default prefix; \`{prefix}\` is the deployment's \`HUB_TOPIC_PREFIX\`.`,
      `Only ${producerList} ${producers.length > 1 ? 'produce' : 'produces'} to it (the topic table's producers; ` +
        `any other app is refused at start); every other app and consumer only reads, in a consumer group of its own.`,
      `${spec.partitions} partitions, keyed by the canonical id: all events of one ${entity.name} stay in order in ` +
        `one partition, whichever app produced them. Consumers dedupe on \`envelope.eventId\` and drop an event ` +
        `whose \`envelope.sourcePosition\` is lower than one already applied for the same \`aggregateId\` from the ` +
        `same \`envelope.sourceSystem\`: positions of different sources are never compared.`,
      retention,
    ].join('\n\n'),
    parameters: { prefix: { $ref: '#/components/parameters/prefix' } },
    messages,
    bindings: {
      kafka: {
        topic,
        partitions: spec.partitions,
        replicas,
        topicConfiguration: config,
        bindingVersion: KAFKA_BINDING,
      },
    },
    'x-hub-producers': producers,
    'x-hub-event-types': eventTypes,
  };
  operations[`${key}.publish`] = {
    action: 'send',
    channel: { $ref: `#/channels/${key}` },
    title: `${listOf(producers)} ${producers.length > 1 ? 'publish' : 'publishes'} ${entity.name} events`,
    summary:
      `${listOf(producers)} ${producers.length > 1 ? 'send' : 'sends'} every ${entity.name} change to ${topic} ` +
      `(idempotent producer, acks=all).`,
    messages: Object.keys(messages).map((m) => ({ $ref: `#/channels/${key}/messages/${m}` })),
    'x-hub-producers': producers,
  };
}

const document = {
  asyncapi: '3.0.0',
  info: {
    title: 'Integration hub canonical events',
    version: pkg.version,
    description: [
      'The canonical topics of the Odoo ⇄ Salesforce ⇄ support integration hub: what a new consumer (eCommerce, ' +
        'EDI, a data platform) subscribes to. Each channel is one topic of the topic table ' +
        '(`libs/canonical/src/topics.ts`); the hub sends, you receive.',
      '**Joining.** Subscribe with a consumer group of your own, read from the earliest offset to load the current ' +
        'state (topics are compacted), and commit after you processed a record. Keys are the canonical id as a ' +
        'plain UTF-8 string. Values are Avro in the Confluent wire format: byte 0 is the magic byte 0, bytes 1–4 ' +
        'the big-endian schema id in the registry, the rest Avro binary. The registry is Apicurio through its ' +
        'Confluent-compatible API (`/apis/ccompat/v7`), so Confluent serdes and `@kafkajs/confluent-schema-registry` ' +
        'work unchanged. Money and quantities are Avro `decimal` (bytes, scale in the schema): decode them as ' +
        'exact decimals, not floats. `examples/edi-consumer` is a small complete consumer that depends on nothing of the hub.',
      '**Sources.** Several apps produce canonical events (each channel lists its producers), each event ' +
        'for one source system: `envelope.sourceSystem` names it (ODOO, SALESFORCE, SUPPORT) and ' +
        '`envelope.sourcePosition` is its position in that source, ordered only within that source (Odoo: a WAL ' +
        "LSN; Salesforce: the change event's replay id as a number; a support desk: its event time in ms). " +
        "Compare positions of the same source only. `envelope.sourceEventId` carries the source's own event or " +
        'notification id, when it has one, for dedupe and audit.',
      '**Evolution.** Each value subject (`<topic>-value`) enforces BACKWARD compatibility: new optional fields ' +
        'may appear at any time, so ignore fields you do not know. A break the registry would refuse ships as a ' +
        `new topic version (\`.${TOPIC_VERSION}\` → the next), never in place.`,
      `**Ownership.** Every top-level field of every entity has one system of record (\`${OWNERSHIP_FILE}\`, ` +
        'listed per message under `x-hub-field-ownership`): write a field back only to the system that owns it.',
      'Generated by `scripts/asyncapi.mjs`; `npm run asyncapi` after a change to the topic table, the schemas or ' +
        'the ownership table.',
    ].join('\n\n'),
  },
  defaultContentType: 'avro/binary',
  servers: {
    local: {
      host: '127.0.0.1:9092',
      protocol: 'kafka',
      description:
        'The local stack (`scripts/stack up`). Other environments: their `KAFKA_BROKERS` and `SCHEMA_REGISTRY_URL`.',
      bindings: {
        kafka: {
          schemaRegistryUrl: 'http://127.0.0.1:8080/apis/ccompat/v7',
          schemaRegistryVendor: 'confluent',
          bindingVersion: KAFKA_BINDING,
        },
      },
    },
  },
  channels,
  operations,
  components: {
    parameters: {
      prefix: {
        description: 'The deployment topic prefix (`HUB_TOPIC_PREFIX`).',
        default: DEFAULTS.prefix,
        examples: [DEFAULTS.prefix],
      },
    },
    messages: {
      tombstone: {
        name: 'Tombstone',
        title: 'Tombstone',
        summary: 'A null value after a deletion event, so compaction removes the key.',
        description:
          'Follows the `*.deleted` event of the same key. Carries no schema id and no bytes: skip it, or treat it ' +
          'as the end of that key.',
        payload: { type: 'null' },
        bindings: {
          kafka: {
            key: { type: 'string', description: 'Canonical id of the deleted record, UTF-8.' },
            bindingVersion: KAFKA_BINDING,
          },
        },
      },
    },
  },
};

const header =
  '# Generated by scripts/asyncapi.mjs from libs/canonical/src/topics.ts, schemas/avro and config/ownership.yaml.\n' +
  '# Do not edit: run `npm run asyncapi`.\n';
const prettierOptions = { ...(await prettier.resolveConfig(join(root, 'package.json'))), parser: 'yaml' };
const content = await prettier.format(
  header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }),
  prettierOptions,
);
const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
if (check) {
  if (current !== content) fail('docs/asyncapi.yaml is stale: run npm run asyncapi and commit');
  console.log(`asyncapi: docs/asyncapi.yaml is up to date (${keys.length} channels)`);
} else if (current !== content) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, content);
  console.log(`asyncapi: wrote docs/asyncapi.yaml (${keys.length} channels)`);
} else {
  console.log(`asyncapi: docs/asyncapi.yaml unchanged (${keys.length} channels)`);
}
