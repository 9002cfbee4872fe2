import { ConfigError } from '@hub/runtime';
import { loadProjectorSalesforceConfig } from './config';

const required = {
  KAFKA_BROKERS: 'localhost:9092',
  SCHEMA_REGISTRY_URL: 'http://localhost:8080/apis/ccompat/v7',
  HUB_DATABASE_URL: 'postgres://hub@localhost/hub',
  AUDIT_HASH_KEY: 'audit-hash-key-0123456789abcdefghijkl',
  SF_LOGIN_URL: 'https://example.my.salesforce.com',
  SF_CLIENT_ID: 'client',
  SF_CLIENT_SECRET: 'secret',
  HUB_OPERATOR_TOKENS: 'ops:operator=operator-token-0123456789abcdef',
};

describe('projector-salesforce configuration', () => {
  it('sends backlogs of 10,000 records of one object through Bulk API jobs by default, with fetches to hold them', () => {
    expect(loadProjectorSalesforceConfig(required)).toMatchObject({
      SF_BULK_THRESHOLD: 10_000,
      SF_BULK_BATCH_SIZE: 25_000,
      SF_BULK_LINGER_MS: 2_000,
      SF_BULK_MIN_JOB: 2_000,
      SF_BULK_POLL_MS: 500,
      SF_BULK_POLL_MAX_MS: 10_000,
      SF_BULK_TIMEOUT_MS: 600_000,
      SF_PIPELINE_MAX_IN_FLIGHT: 4_000,
      SF_FETCH_MAX_BYTES_PER_PARTITION: 2 * 1024 * 1024,
    });
  });

  it('takes SF_BULK_THRESHOLD=0 as never', () => {
    expect(loadProjectorSalesforceConfig({ ...required, SF_BULK_THRESHOLD: '0' }).SF_BULK_THRESHOLD).toBe(0);
  });

  it('names every bad bulk variable', () => {
    const error = (() => {
      try {
        loadProjectorSalesforceConfig({
          ...required,
          SF_BULK_THRESHOLD: '-1',
          SF_BULK_BATCH_SIZE: '200000',
          SF_BULK_POLL_MS: '0',
          SF_BULK_LINGER_MS: 'soon',
          SF_PIPELINE_MAX_IN_FLIGHT: '1.5',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^SF_BULK_THRESHOLD="-1": /),
      'SF_BULK_BATCH_SIZE="200000": at most 150000 records per job (a Bulk API upload holds at most 100 MB of CSV)',
      expect.stringMatching(/^SF_BULK_LINGER_MS="soon": /),
      expect.stringMatching(/^SF_BULK_POLL_MS="0": /),
      expect.stringMatching(/^SF_PIPELINE_MAX_IN_FLIGHT="1.5": /),
    ]);
  });
  it('keeps reconciliation off by default, and names its bad variables', () => {
    expect(loadProjectorSalesforceConfig(required)).toMatchObject({
      RECONCILE_SCHEDULE: new Map(),
      RECONCILE_FIRST_WINDOW: 86_400_000,
    });
    expect(() =>
      loadProjectorSalesforceConfig({ ...required, RECONCILE_SCHEDULE: 'Widget=5m', RECONCILE_FIRST_WINDOW: 'a day' }),
    ).toThrow(/RECONCILE_SCHEDULE[^\n]*unknown entity "Widget"[\s\S]*RECONCILE_FIRST_WINDOW/);
    expect(() => loadProjectorSalesforceConfig({ ...required, ODOO_CDC_URL: 'http://odoo-cdc:3101' })).toThrow(
      /ODOO_CDC_TOKEN: required when ODOO_CDC_URL is set/,
    );
    expect(
      loadProjectorSalesforceConfig({ ...required, RECONCILE_SCHEDULE: 'Account=1h,OrderItem=15m' }).RECONCILE_SCHEDULE,
    ).toEqual(
      new Map([
        ['Account', 3_600_000],
        ['Order', 900_000],
      ]),
    );
  });

  it('applies every entity in real time by default, and reads batch windows per canonical entity', () => {
    expect(loadProjectorSalesforceConfig(required)).toMatchObject({
      SF_BATCH_WINDOWS: new Map(),
      SF_BATCH_TIMEZONE: 'UTC',
    });
    const config = loadProjectorSalesforceConfig({
      ...required,
      SF_BATCH_WINDOWS: 'Product=01:00-05:00,Customer=every 15m',
      SF_BATCH_TIMEZONE: 'Europe/Brussels',
    });
    expect([...config.SF_BATCH_WINDOWS.keys()]).toEqual(['Product', 'Customer']);
    expect(config.SF_BATCH_TIMEZONE).toBe('Europe/Brussels');
  });

  it('names the bad batch window entries and a bad time zone', () => {
    const error = (() => {
      try {
        loadProjectorSalesforceConfig({
          ...required,
          SF_BATCH_WINDOWS: 'Product2=01:00-05:00,Customer=every soon',
          SF_BATCH_TIMEZONE: 'Mars/Olympus',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^SF_BATCH_WINDOWS=.*"Product2=01:00-05:00": unknown entity "Product2" \(expected one of Customer, /,
      ),
      expect.stringMatching(/^SF_BATCH_WINDOWS=.*"Customer=every soon": bad interval "soon"/),
      expect.stringMatching(/^SF_BATCH_TIMEZONE="Mars\/Olympus": expected an IANA time zone/),
    ]);
  });
});
