import { loadSandboxConfig } from './sandbox.config';
import { startZendeskSandbox } from './zendesk-sandbox';

async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const sandbox = await startZendeskSandbox(config);
  const hooks = config.webhook?.endpoints?.length ? config.webhook.endpoints.join(', ') : 'none';
  console.log(`zendesk sandbox listening on ${sandbox.url} (admin ${sandbox.url}/__admin, webhooks to ${hooks})`);
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
