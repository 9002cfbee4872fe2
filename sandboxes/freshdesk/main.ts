import { startFreshdeskSandbox } from './freshdesk-sandbox';
import { loadSandboxConfig } from './sandbox.config';

async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const sandbox = await startFreshdeskSandbox(config);
  const hook = config.webhook?.url ? `webhooks to ${config.webhook.url} (${config.webhook.auth?.kind})` : 'no webhooks';
  console.log(
    `freshdesk sandbox listening on ${sandbox.url} (API ${sandbox.url}/api/v2, admin ${sandbox.url}/__admin, ${hook})`,
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
