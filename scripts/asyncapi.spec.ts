import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import {
  avroSchemas,
  CANONICAL_TOPICS,
  CanonicalTopicKey,
  loadFieldOwnership,
  physicalTopicName,
  valueSubject,
} from '@hub/canonical';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const root = join(__dirname, '..');
const text = readFileSync(join(root, 'docs/asyncapi.yaml'), 'utf8');
const AVRO_FORMAT = 'application/vnd.apache.avro+json;version=1.9.0';

interface Problem {
  severity: DiagnosticSeverity;
  code: string | number;
  message: string;
  path: string;
}

const avro = AvroSchemaParser();
const parser = new Parser();
parser.registerSchemaParser(avro);

/**
 * Every problem of a document: the AsyncAPI parser's diagnostics (spec schema, bindings, references, its rules),
 * plus the Avro schema parser's own validation of each Avro payload and Kafka key. parser-js 3.x converts Avro
 * payloads of 3.0 documents but does not report invalid ones, so this second pass is what catches a broken schema.
 */
async function problemsOf(document: string): Promise<Problem[]> {
  const { diagnostics } = await parser.parse(document);
  const problems: Problem[] = diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: d.path.join('.'),
  }));
  const raw = parseYaml(document) as { channels?: Record<string, { messages?: Record<string, Message> }> };
  for (const [channelId, channel] of Object.entries(raw.channels ?? {})) {
    for (const [messageId, message] of Object.entries(channel.messages ?? {})) {
      if (message.payload?.schemaFormat !== AVRO_FORMAT) continue;
      const base = ['channels', channelId, 'messages', messageId];
      const checks = [
        { data: message.payload.schema, path: [...base, 'payload', 'schema'] },
        { data: message.bindings?.kafka?.key, path: [...base, 'bindings', 'kafka', 'key'] },
      ];
      for (const { data, path } of checks.filter((c) => c.data !== undefined)) {
        const input = { data, path, meta: {}, schemaFormat: AVRO_FORMAT, defaultSchemaFormat: AVRO_FORMAT };
        // avsc validates the schema alone; the document context the interface carries is not read.
        const results = await avro.validate({ ...input, asyncapi: {} as never });
        for (const r of results ?? []) {
          problems.push({
            severity: DiagnosticSeverity.Error,
            code: 'avro-schema',
            message: r.message,
            path: path.join('.'),
          });
        }
      }
    }
  }
  return problems;
}

interface Message {
  payload?: { schemaFormat?: string; schema?: unknown };
  bindings?: { kafka?: { key?: unknown } };
  'x-hub-event-types'?: string[];
  'x-hub-registry'?: { subject: string; compatibility: string };
  'x-hub-field-ownership'?: { entity: string; fields: Record<string, string> };
}

const errors = (problems: Problem[]) => problems.filter((p) => p.severity === DiagnosticSeverity.Error);

describe('docs/asyncapi.yaml', () => {
  jest.setTimeout(60_000);

  it('is what scripts/asyncapi.mjs generates from the topic table, the schemas and the ownership table', () => {
    expect(() => execFileSync('node', ['scripts/asyncapi.mjs', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('is a valid AsyncAPI 3.0 document for the real parser, Avro payloads included', async () => {
    const problems = await problemsOf(text);
    expect(problems.filter((p) => p.severity <= DiagnosticSeverity.Warning)).toEqual([]);
    const { document } = await parser.parse(text);
    expect(document?.version()).toBe('3.0.0');
    // The Avro schema parser ran: payloads reach the model converted to JSON Schema objects.
    const events = document!.allMessages().filterBy((m) => m.schemaFormat() === AVRO_FORMAT);
    expect(events.length).toBe(Object.keys(CANONICAL_TOPICS).length);
    for (const message of events) expect(message.payload()?.type()).toBe('object');
  });

  it('has exactly one channel per topic of the topic table, with its topic, key, schema, config, owners and producers', async () => {
    const { document } = await parser.parse(text);
    const raw = parseYaml(text) as {
      channels: Record<string, { messages: Record<string, Message>; 'x-hub-producers': string[] }>;
    };
    const ownership = loadFieldOwnership();
    const keys = Object.keys(CANONICAL_TOPICS) as CanonicalTopicKey[];
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.id())
        .sort(),
    ).toEqual([...keys].sort());

    for (const key of keys) {
      const spec = CANONICAL_TOPICS[key];
      const topic = physicalTopicName(key, 'hub.');
      const channel = document!.channels().get(key)!;
      expect(channel.address()).toBe(`{prefix}${key}.v1`);
      expect(channel.parameters().get('prefix')?.schema()?.default()).toBe('hub.');
      const kafka = channel.bindings().get('kafka')!.value();
      expect(kafka).toMatchObject({ topic, partitions: spec.partitions });
      expect(kafka.topicConfiguration['cleanup.policy']).toEqual([spec.compacted ? 'compact' : 'delete']);

      const event = Object.values(raw.channels[key].messages).find((m) => m.payload?.schemaFormat === AVRO_FORMAT)!;
      expect(event.payload!.schema).toEqual(avroSchemas[spec.schema]);
      expect(event.bindings!.kafka!.key).toMatchObject({ type: 'string' });
      expect(event['x-hub-event-types']).toEqual(spec.eventTypes);
      expect(event['x-hub-registry']).toMatchObject({ subject: valueSubject(topic), compatibility: 'BACKWARD' });
      const owned = event['x-hub-field-ownership']!;
      expect(owned.fields).toEqual(Object.fromEntries(ownership.ownersOf(owned.entity)));
      expect(raw.channels[key]['x-hub-producers']).toEqual(spec.producers);
    }
  });

  // A parsed copy of the document, mutated freely below: typing every path would only restate the YAML.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Doc = Record<string, any>;
  const mutations: [string, (doc: Doc) => void, RegExp][] = [
    ['a channel with 0 partitions', (d) => (d.channels.customer.bindings.kafka.partitions = 0), /partitions/],
    ['an unknown Kafka binding field', (d) => (d.channels.customer.bindings.kafka.retention = 1), /retention/],
    ['an operation on a missing channel', (d) => (d.operations['customer.publish'].channel.$ref = '#/x'), /#\/x/],
    ['an address parameter not declared', (d) => (d.channels.contact.address = '{tenant}contact.v1'), /tenant/],
    ['no info object', (d) => delete d.info, /info/],
    [
      'an Avro payload with an unknown type',
      (d) => (d.channels.customer.messages.customerEvent.payload.schema.fields[1].type = 'Customr'),
      /Customr/,
    ],
  ];

  it.each(mutations)('reports an error for %s', async (_label, mutate, mentions) => {
    const copy = parseYaml(text) as Doc;
    mutate(copy);
    const found = errors(await problemsOf(JSON.stringify(copy)));
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((p) => `${p.message} @${p.path}`).join('\n')).toMatch(mentions);
  });
});
