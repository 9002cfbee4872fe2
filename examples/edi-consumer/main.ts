import { ConfigError, loadConfig } from './config';
import { EdiConsumer } from './edi-consumer';

// Exit codes: 0 after SIGTERM/SIGINT, 78 (EX_CONFIG) for a bad environment, 1 for anything else.
const fatal = (error: unknown) => {
  console.error(`edi-consumer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 78 : 1);
};

try {
  const config = loadConfig();
  const consumer = new EdiConsumer(config, { event: (line) => console.log(line), log: (line) => console.error(line) });
  consumer.onCrash(fatal);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.error(`edi-consumer: ${signal}, committing and leaving group ${config.groupId}`);
      consumer.stop().then(() => process.exit(0), fatal);
    });
  }
  consumer.start().then(() => console.error(`edi-consumer: reading ${config.topics.join(', ')}`), fatal);
} catch (error) {
  fatal(error);
}
