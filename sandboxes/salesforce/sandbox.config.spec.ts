import { loadSandboxConfig } from './sandbox.config';

describe('sandbox configuration', () => {
  it('uses the documented defaults', () => {
    expect(loadSandboxConfig({})).toMatchObject({
      port: 4510,
      host: '127.0.0.1',
      clientId: 'hub-client',
      clientSecret: 'hub-secret',
      apiRequestLimit: 15000,
      tokenTtlMs: 7_200_000,
      pubSubPort: 4511,
      pubSubRetentionMs: 72 * 3600 * 1000,
      pubSubMaxEvents: 100_000,
      pubSubKeepaliveMs: 30_000,
    });
    expect(loadSandboxConfig({}).pubSubCertificateFile).toBeUndefined();
    expect(loadSandboxConfig({})).toMatchObject({ dataDir: undefined, dataFsync: false, maxQueryCursors: 10 });
  });

  it('reads overrides', () => {
    expect(
      loadSandboxConfig({
        SF_SANDBOX_PORT: '0',
        SF_SANDBOX_HOST: '0.0.0.0',
        SF_SANDBOX_CLIENT_ID: 'id',
        SF_SANDBOX_CLIENT_SECRET: 'secret',
        SF_SANDBOX_API_LIMIT: '10',
        SF_SANDBOX_TOKEN_TTL_SECONDS: '60',
        SF_SANDBOX_PUBLIC_URL: 'http://salesforce-sandbox:4510',
        SF_SANDBOX_PUBSUB_PORT: '0',
        SF_SANDBOX_PUBSUB_RETENTION_SECONDS: '5',
        SF_SANDBOX_PUBSUB_MAX_EVENTS: '10',
        SF_SANDBOX_PUBSUB_KEEPALIVE_SECONDS: '1',
        SF_SANDBOX_PUBSUB_CERT_FILE: '.stack/pubsub.pem',
        SF_SANDBOX_DATA_DIR: '.stack/salesforce-sandbox',
        SF_SANDBOX_DATA_FSYNC: 'TRUE',
        SF_SANDBOX_MAX_QUERY_CURSORS: '50',
      }),
    ).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      clientId: 'id',
      clientSecret: 'secret',
      apiRequestLimit: 10,
      tokenTtlMs: 60_000,
      publicUrl: 'http://salesforce-sandbox:4510',
      pubSubPort: 0,
      pubSubRetentionMs: 5000,
      pubSubMaxEvents: 10,
      pubSubKeepaliveMs: 1000,
      pubSubCertificateFile: '.stack/pubsub.pem',
      dataDir: '.stack/salesforce-sandbox',
      dataFsync: true,
      maxQueryCursors: 50,
    });
  });

  it('names every bad key at once', () => {
    expect(() =>
      loadSandboxConfig({
        SF_SANDBOX_PORT: 'http',
        SF_SANDBOX_API_LIMIT: '0',
        SF_SANDBOX_PUBLIC_URL: 'nope',
        SF_SANDBOX_PUBSUB_PORT: '70000',
        SF_SANDBOX_PUBSUB_KEEPALIVE_SECONDS: '300',
        SF_SANDBOX_DATA_FSYNC: 'yes',
        SF_SANDBOX_MAX_QUERY_CURSORS: '0',
      }),
    ).toThrow(
      /SF_SANDBOX_PUBLIC_URL.*SF_SANDBOX_DATA_FSYNC.*SF_SANDBOX_PORT.*SF_SANDBOX_API_LIMIT.*SF_SANDBOX_PUBSUB_PORT.*KEEPALIVE.*SF_SANDBOX_MAX_QUERY_CURSORS/,
    );
  });
});
