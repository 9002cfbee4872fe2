/** Everything the EDI example reads from its environment and command line, validated once at start. */
export interface EdiConsumerConfig {
  brokers: string[];
  registryUrl: string;
  topics: string[];
  groupId: string;
  /** Where a group with no committed offset starts: true reads the compacted history (the current state). */
  fromBeginning: boolean;
  /** `--json`: one JSON object per event on stdout instead of a summary line. */
  json: boolean;
}

export const DEFAULTS = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7',
  TOPICS: 'hub.sales-order.v1,hub.shipment.v1',
  GROUP_ID: 'edi-example',
  FROM_BEGINNING: 'true',
};

/** The environment or arguments are wrong; `problems` names every bad variable, so one restart fixes them all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const BROKER = /^[^\s:,]+:(\d{1,5})$/;

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): EdiConsumerConfig {
  const problems: string[] = [];
  const read = (key: keyof typeof DEFAULTS) => {
    const value = env[key]?.trim();
    return value ? value : DEFAULTS[key];
  };

  const brokers = read('KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim());
  for (const broker of brokers) {
    const m = BROKER.exec(broker);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) {
      problems.push(`KAFKA_BROKERS=${JSON.stringify(env.KAFKA_BROKERS)}: "${broker}" is not host:port`);
    }
  }

  const registryUrl = read('SCHEMA_REGISTRY_URL');
  try {
    const url = new URL(registryUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    problems.push(
      `SCHEMA_REGISTRY_URL=${JSON.stringify(registryUrl)}: expected an http(s) URL of a Confluent-compatible ` +
        `registry API, e.g. ${DEFAULTS.SCHEMA_REGISTRY_URL}`,
    );
  }

  const topics = [
    ...new Set(
      read('TOPICS')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const badTopics = topics.filter((t) => !TOPIC.test(t) || t === '.' || t === '..');
  if (topics.length === 0 || badTopics.length) {
    problems.push(
      `TOPICS=${JSON.stringify(env.TOPICS)}: expected comma-separated Kafka topic names ([A-Za-z0-9._-])` +
        (badTopics.length ? `, not ${badTopics.map((t) => JSON.stringify(t)).join(', ')}` : ''),
    );
  }

  const groupId = read('GROUP_ID');
  if (/\s/.test(groupId) || groupId.length > 255) {
    problems.push(`GROUP_ID=${JSON.stringify(groupId)}: expected a consumer group id without spaces`);
  }

  const fromBeginning = read('FROM_BEGINNING');
  if (!['true', 'false'].includes(fromBeginning)) {
    problems.push(`FROM_BEGINNING=${JSON.stringify(fromBeginning)}: expected true or false`);
  }

  const flags = new Set(['--json']);
  for (const arg of argv) if (!flags.has(arg)) problems.push(`argument ${JSON.stringify(arg)}: only --json is known`);

  if (problems.length) throw new ConfigError(problems);
  return {
    brokers,
    registryUrl,
    topics,
    groupId,
    fromBeginning: fromBeginning === 'true',
    json: argv.includes('--json'),
  };
}
