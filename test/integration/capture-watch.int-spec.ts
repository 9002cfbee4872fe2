import type { Client } from 'pg';
import { eventually, RunningApp, startApp } from '../../scripts/lib/app-process';
import { odooCdcEnv } from './support/app-env';
import { odooDb } from './support/odoo';
import { createHubDatabase, runId, stack } from './support/stack';

/**
 * odoo-cdc's watch over its capture, against the stack's real Kafka Connect and Debezium: a connector of this test's
 * own (its own name, slot, publication and topic prefix, against the odoo database; the shared `odoo-postgres` and
 * its slot are never touched) has its task fail for real, and odoo-cdc restarts it; its slot is dropped, and odoo-cdc
 * reports it missing.
 */
describe('odoo-cdc capture watch (Kafka Connect + Debezium)', () => {
  const run = runId('capwatch');
  const prefix = `it-${run}.`;
  const name = `hub-it-${run}`;
  const slot = `hub_it_${run.replace(/[^a-z0-9]/g, '_')}`;
  const connect = () => stack().connect.url.replace(/\/$/, '');
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let cdc: RunningApp;

  const connectorStatus = async () => {
    const res = await fetch(`${connect()}/connectors/${name}/status`);
    return res.ok ? ((await res.json()) as { connector: { state: string }; tasks: { state: string }[] }) : undefined;
  };
  const slotRow = async () =>
    (
      await db.query<{ active: boolean; active_pid: number | null }>(
        'SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      )
    ).rows[0];
  const scrape = async () => (await fetch(`${cdc.url}/metrics`)).text();
  const sample = (text: string, family: string, labels: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${family}{`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  beforeAll(async () => {
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    const res = await fetch(`${connect()}/connectors`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name,
        config: {
          // scripts/stack.d/odoo-connector.json's connection, with this test's own names and one small table.
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'tasks.max': '1',
          'plugin.name': 'pgoutput',
          'database.hostname': '127.0.0.1',
          'database.port': new URL(stack().postgres.odoo).port || '5432',
          'database.user': 'hub',
          'database.password': 'hub',
          'database.dbname': 'odoo',
          'topic.prefix': `${prefix}capture`,
          'slot.name': slot,
          'publication.name': slot,
          'publication.autocreate.mode': 'filtered',
          'table.include.list': 'public.res_country',
          'snapshot.mode': 'no_data',
          // No in-task retries: a lost replication connection fails the task at once (the state the watch exists
          // for), where Debezium's default would retry inside the task first.
          'errors.max.retries': '0',
        },
      }),
    });
    if (res.status !== 201) throw new Error(`creating connector ${name}: HTTP ${res.status} ${await res.text()}`);
    await eventually(
      async () => {
        const s = await connectorStatus();
        const row = await slotRow();
        return s?.tasks[0]?.state === 'RUNNING' && row?.active ? true : undefined;
      },
      60_000,
      'the test connector running with its slot',
    );
    cdc = await startApp(
      'odoo-cdc',
      odooCdcEnv(prefix, hubDb.url, {
        // An empty stream of its own: this test is about the watch, not the changes.
        CDC_TOPIC: `${prefix}odoo.changes`,
        ODOO_CDC_CONNECT_URL: connect(),
        ODOO_CDC_CONNECTOR: name,
        ODOO_MONITOR_DATABASE_URL: stack().postgres.odoo,
        ODOO_CDC_WATCH_INTERVAL_MS: '1000',
        ODOO_CDC_RESTART_BACKOFF_MS: '2000',
        ODOO_CDC_RESTART_BACKOFF_MAX_MS: '8000',
      }),
    );
  });

  afterAll(async () => {
    await cdc?.kill();
    await fetch(`${connect()}/connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
    if (db) {
      // Connect stops the task asynchronously; the slot can be dropped once its walsender is gone.
      await eventually(async () => ((await slotRow())?.active ? undefined : true), 30_000, 'the slot released').catch(
        () => undefined,
      );
      await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
        slot,
      ]);
      await db.query(`DROP PUBLICATION IF EXISTS ${slot}`);
      await db.end();
    }
    await hubDb?.drop();
  });

  it('reports the running connector and its slot', async () => {
    const text = await eventually(
      async () => {
        const t = await scrape();
        return sample(t, 'hub_cdc_connector_state', 'state="RUNNING"') === 1 ? t : undefined;
      },
      15_000,
      'the connector reported RUNNING',
    );
    expect(sample(text, 'hub_cdc_connector_tasks', 'state="RUNNING"')).toBe(1);
    expect(sample(text, 'hub_cdc_replication_slot_present', `slot="${slot}"`)).toBe(1);
    expect(sample(text, 'hub_cdc_replication_slot_lag_bytes', `slot="${slot}"`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'hub_cdc_connector_restarts_total', 'outcome="accepted"')).toBe(0);
    expect((await cdc.ready()).details?.capture).toMatchObject({ status: 'up', state: 'RUNNING', slot });
  });

  it('restarts a task that failed for real (its replication connection killed) and sees it running again', async () => {
    const before = (await slotRow())!;
    const { rows } = await db.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [before.active_pid]);
    expect(rows[0].ok).toBe(true);

    const text = await eventually(
      async () => {
        const t = await scrape();
        return (sample(t, 'hub_cdc_connector_restarts_total', 'outcome="accepted"') ?? 0) >= 1 ? t : undefined;
      },
      30_000,
      'odoo-cdc to restart the failed task',
    );
    expect(sample(text, 'hub_cdc_connector_restarts_total', 'outcome="failed"')).toBe(0);
    const log = await import('node:fs').then((fs) => fs.readFileSync(cdc.logFile, 'utf8'));
    expect(log).toContain('restarted the failed Debezium connector and tasks');
    expect(log).toMatch(/"state":"FAILED"[^\n]*Debezium capture is not running/);

    await eventually(
      async () => {
        const s = await connectorStatus();
        const row = await slotRow();
        return s?.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING' && row?.active ? true : undefined;
      },
      60_000,
      'the task running again on its slot',
    );
    expect((await slotRow())!.active_pid).not.toBe(before.active_pid);
    await eventually(
      async () => {
        const t = await scrape();
        return sample(t, 'hub_cdc_connector_state', 'state="RUNNING"') === 1 &&
          sample(t, 'hub_cdc_connector_tasks', 'state="RUNNING"') === 1
          ? true
          : undefined;
      },
      15_000,
      'odoo-cdc to report it running',
    );
    expect((await cdc.ready()).status).toBe('ok');
  });

  it('reports a dropped replication slot as missing: gauge 0, readiness down, the lag series kept', async () => {
    // Stop the connector (Connect ≥ 3.5: no task, the slot released), then drop its slot as an upgrade or an
    // operator would.
    const stop = await fetch(`${connect()}/connectors/${name}/stop`, { method: 'PUT' });
    expect([202, 204]).toContain(stop.status);
    await eventually(async () => ((await slotRow())?.active === false ? true : undefined), 30_000, 'the slot released');
    await db.query('SELECT pg_drop_replication_slot($1)', [slot]);

    const text = await eventually(
      async () => {
        const t = await scrape();
        return sample(t, 'hub_cdc_replication_slot_present', `slot="${slot}"`) === 0 ? t : undefined;
      },
      15_000,
      'the slot reported missing',
    );
    expect(sample(text, 'hub_cdc_replication_slot_lag_bytes', `slot="${slot}"`)).toBeNaN();
    expect(sample(text, 'hub_cdc_connector_state', 'state="STOPPED"')).toBe(1);
    const ready = await cdc.ready();
    expect(ready.status).toBe('error');
    expect(ready.error?.capture).toMatchObject({
      status: 'down',
      slotPresent: false,
      message: `replication slot ${slot} is missing`,
    });
  });
});
