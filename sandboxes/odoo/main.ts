import { startOdooSandbox } from './odoo-sandbox';
import { loadSandboxConfig } from './sandbox.config';

async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const sandbox = await startOdooSandbox({ ...config, log: (line) => console.log(line) });
  console.log(
    `odoo sandbox listening on ${sandbox.url} (database ${sandbox.defaultDb}, hub user ${sandbox.hubLogin} uid ${sandbox.users[sandbox.hubLogin]}; API keys: POST ${sandbox.url}/__admin/api-keys)`,
  );
  const stop = () =>
    void sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
