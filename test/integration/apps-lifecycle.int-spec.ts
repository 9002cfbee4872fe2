import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RunningApp, startApp } from '../../scripts/lib/app-process';
import { OPERATOR_TEST_TOKEN } from './support/app-env';
import { ROOT, stack } from './support/stack';

/** Every app validates its configuration, reports readiness through terminus, and shuts down cleanly. */
describe('app lifecycle', () => {
  it.each(['ingress', 'projector-support'] as const)(
    '%s starts, is ready with Kafka and the registry, and stops on SIGTERM',
    async (name) => {
      const app: RunningApp = await startApp(name, {
        KAFKA_BROKERS: stack().kafka.brokers,
        SCHEMA_REGISTRY_URL: stack().registry.url,
        // ingress keeps its dedupe ledger and Salesforce mirror there, projector-support its applied positions.
        HUB_DATABASE_URL: stack().postgres.hub,
        // projector-support's audit trail key (ingress ignores it).
        AUDIT_HASH_KEY: 'lifecycle-audit-hash-key-0123456789abcdef',
        // projector-support's desk (ingress ignores these): readiness is Kafka's and the registry's, the desk is
        // reached only when a record is written.
        SUPPORT_PLATFORM: 'zendesk',
        ZENDESK_URL: 'http://127.0.0.1:4520',
        ZENDESK_EMAIL: 'integration@hub.example',
        ZENDESK_API_TOKEN: 'hub-zendesk-token',
        // projector-support's dead-letter API callers (ingress serves no operator API and ignores it).
        HUB_OPERATOR_TOKENS: `ops:operator=${OPERATOR_TEST_TOKEN}`,
      });
      const live = await fetch(`${app.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await app.ready();
      expect(ready.status).toBe('ok');
      expect(ready.details).toMatchObject({ kafka: { status: 'up' }, schemaRegistry: { status: 'up' } });
      expect(await app.stop()).toBe(0);
    },
  );

  it('refuses to start with bad configuration and names every bad variable', () => {
    const result = spawnSync(
      'node',
      [join(ROOT, 'dist/apps/projector-salesforce/apps/projector-salesforce/src/main.js')],
      {
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: 'localhost',
          SCHEMA_REGISTRY_URL: stack().registry.url,
          SF_LOGIN_URL: 'not a url',
        },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('KAFKA_BROKERS="localhost"');
    expect(result.stderr).toContain('SF_LOGIN_URL="not a url"');
    expect(result.stderr).toContain('SF_CLIENT_ID is required');
    expect(result.stderr).not.toContain('SF_CLIENT_SECRET=');
  });

  it('projector-odoo names a weak operator token and a bad match rule, and never prints the secrets', () => {
    const result = spawnSync('node', [join(ROOT, 'dist/apps/projector-odoo/apps/projector-odoo/src/main.js')], {
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: stack().kafka.brokers,
        SCHEMA_REGISTRY_URL: stack().registry.url,
        HUB_DATABASE_URL: stack().postgres.hub,
        ODOO_URL: 'http://127.0.0.1:8069',
        ODOO_DATABASE: 'odoo',
        ODOO_API_KEY: 'a-key-that-must-not-be-printed',
        PARTNER_MATCH: 'vat,phone',
        HUB_OPERATOR_TOKENS: 'desk:operator=short-token',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PARTNER_MATCH');
    expect(result.stderr).toContain('HUB_OPERATOR_TOKENS');
    expect(result.stderr).toContain('at least 24 characters');
    expect(result.stderr).not.toContain('short-token');
    expect(result.stderr).not.toContain('a-key-that-must-not-be-printed');
  });
});
