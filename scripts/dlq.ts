/**
 * Dead letters from the command line: scripts/dlq list|replay --topic T [--reason R] [--offset P:N ...] [--all]
 * [--limit N] [--after P:N] [--json]. list answers one page (--limit, default 100) after --after (the `next` it printed);
 * replay takes exactly one of --offset (partition:offset, repeatable), --reason or --all.
 * Brokers come from --brokers or KAFKA_BROKERS (default 127.0.0.1:9092, the local stack). Replaying sends the chosen
 * records to the consumer group's replay topic (<topic>.replay); the app handles them like the originals.
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import {
  DeadLetterEntry,
  DeadLetterSelectionError,
  DeadLetterStore,
  ReplaySelection,
} from '../libs/resilience/src/dead-letter/dead-letter.store';

const usage =
  'usage: scripts/dlq list|replay --topic <dead-letter topic> [--reason R] [--offset P:N ...] [--all] [--limit N] [--after P:N] [--json] [--brokers host:port]';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        topic: { type: 'string' },
        reason: { type: 'string' },
        offset: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
        limit: { type: 'string', default: '100' },
        after: { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`dlq: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (command !== 'list' && command !== 'replay') {
    console.error(`dlq: unknown command ${JSON.stringify(command ?? '')}\n${usage}`);
    return 2;
  }
  if (!values.topic) {
    console.error(`dlq: --topic is required (e.g. hub.dlq.projector-salesforce)\n${usage}`);
    return 2;
  }
  const selections = [values.offset?.length ? 'offset' : '', values.reason ? 'reason' : '', values.all ? 'all' : ''];
  if (command === 'replay' && selections.filter(Boolean).length !== 1) {
    console.error(`dlq: replay needs exactly one of --offset, --reason or --all\n${usage}`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`dlq: --limit must be a positive integer\n${usage}`);
    return 2;
  }
  const kafka = new Kafka({ clientId: 'hub-dlq-cli', brokers: values.brokers!.split(','), logLevel: logLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const store = new DeadLetterStore(kafka, producer, values.topic);
    const selection: ReplaySelection = values.offset?.length
      ? { offsets: values.offset }
      : values.reason
        ? { reason: values.reason }
        : { all: true };
    let entries: DeadLetterEntry[];
    let next: string | null = null;
    try {
      if (command === 'list') {
        ({ entries, next } = await store.list({ reason: values.reason, limit, after: values.after }));
      } else {
        entries = await store.replay(selection);
      }
    } catch (error) {
      if (!(error instanceof DeadLetterSelectionError)) throw error;
      console.error(`dlq: ${error.message}`);
      return 2;
    }
    if (values.json) {
      console.log(JSON.stringify({ command, topic: values.topic, count: entries.length, entries, next }, null, 2));
    } else {
      for (const e of entries) {
        console.log(
          `${e.partition}/${e.offset}  ${e.reason}${e.vendorCode ? ` (${e.vendorCode})` : ''}  key=${e.key}  from ${e.sourceTopic}/${e.sourcePartition}/${e.sourceOffset}  attempts=${e.attempts}  ${e.message}`,
        );
      }
      console.log(`${command === 'list' ? 'listed' : 'replayed'} ${entries.length} record(s) of ${values.topic}`);
      if (next) console.log(`more after ${next}: add --after ${next}`);
    }
    return 0;
  } finally {
    await producer.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`dlq: ${error.message}`);
    process.exit(1);
  },
);
