import { writeFileSync } from 'node:fs';

import { loadSandboxConfig } from './sandbox.config';
import { startSalesforceSandbox } from './salesforce-sandbox';

async function main(): Promise<void> {
  const config = loadSandboxConfig(process.env);
  const sandbox = await startSalesforceSandbox(config);
  if (config.pubSubCertificateFile && sandbox.pubSub) {
    writeFileSync(config.pubSubCertificateFile, sandbox.pubSub.certificatePem);
  }
  console.log(
    `salesforce sandbox listening on ${sandbox.url} (client id ${config.clientId}, admin ${sandbox.url}/__admin), ` +
      `Pub/Sub API on ${sandbox.pubSub?.endpoint} (TLS, certificate at ${config.pubSubCertificateFile ?? `${sandbox.url}/__admin/pubsub/certificate`})`,
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
