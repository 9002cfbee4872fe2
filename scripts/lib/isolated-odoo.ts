import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from './app-process';

const ROOT = join(__dirname, '../..');

/** The stack's endpoints an isolated Odoo needs (from `scripts/stack status --json`). */
export interface IsolatedOdooStack {
  /** Superuser connection to the stack's hub database, e.g. postgres://…/hub. */
  hubUrl: string;
  /** Connection to the stack's Odoo database: the isolated one lives beside it. */
  odooUrl: string;
  /** Kafka Connect's REST URL. */
  connectUrl: string;
}

/**
 * An Odoo database and a Debezium connector of its own, for tests and benches that load tens of thousands of rows: the
 * shared Odoo database and its change stream stay small for the other tests. Its changes go to `changesTopic`.
 */
export interface IsolatedOdoo {
  database: string;
  changesTopic: string;
  /** A client on the isolated database (open until `drop`). */
  db: Client;
  /** Registers the connector: Debezium snapshots what the database holds, then streams (default: every Odoo table the hub reads). */
  connect(options?: { tables?: string[] }): Promise<void>;
  drop(): Promise<void>;
}

/** `name` must be a valid SQL identifier fragment (runId(...) with dashes replaced). */
export async function createIsolatedOdoo(
  stack: IsolatedOdooStack,
  name: string,
  changesTopic: string,
): Promise<IsolatedOdoo> {
  const database = `odoo_${name}`;
  const connector = `it-${name}`;
  const { connectUrl } = stack;
  const admin = new Client({ connectionString: stack.hubUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const db = new Client({ connectionString: stack.odooUrl.replace(/\/[^/]*$/, `/${database}`) });
  await db.connect();
  await db.query(readFileSync(join(ROOT, 'scripts/stack.d/odoo17-schema.sql'), 'utf8'));

  return {
    database,
    changesTopic,
    db,
    async connect(options = {}) {
      const base = JSON.parse(readFileSync(join(ROOT, 'scripts/stack.d/odoo-connector.json'), 'utf8')) as Record<
        string,
        string
      >;
      // Default: the shared connector's Odoo tables, without its heartbeat and signal tables.
      const tables =
        options.tables ??
        base['table.include.list']
          .split(',')
          .map((t) => t.replace(/^public\./, ''))
          .filter((t) => !t.startsWith('debezium_'));
      const config: Record<string, string> = {
        ...base,
        'database.port': new URL(stack.odooUrl).port,
        'database.dbname': database,
        'topic.prefix': name,
        'slot.name': name,
        'publication.name': name,
        'table.include.list': tables.map((t) => `public.${t}`).join(','),
        'replica.identity.autoset.values': tables.map((t) => `public.${t}:FULL`).join(','),
        'transforms.ordered.regex': `${name}\\.(public\\..+|transaction)`,
        'transforms.ordered.replacement': changesTopic,
      };
      // The shared connector's heartbeat table and signal table live in the shared database only.
      delete config['heartbeat.action.query'];
      delete config['signal.data.collection'];
      const put = await fetch(`${connectUrl}/connectors/${connector}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(config),
      });
      if (put.status >= 300) throw new Error(`connector ${connector}: ${put.status} ${await put.text()}`);
    },
    async drop() {
      await db.end().catch(() => undefined);
      await fetch(`${connectUrl}/connectors/${connector}`, { method: 'DELETE' });
      const hub = new Client({ connectionString: stack.hubUrl });
      await hub.connect();
      await eventually(
        async () => {
          const { rows } = await hub.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name]);
          if (rows[0]?.active) return undefined;
          if (rows[0]) await hub.query('SELECT pg_drop_replication_slot($1)', [name]);
          return true;
        },
        30_000,
        'the connector to release its slot',
      ).catch(() => undefined);
      await hub.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await hub.end();
    },
  };
}

/**
 * `count` companies named `<prefix> <n>` (n from 1), inserted in one statement (one transaction) as Odoo stores them,
 * each its own commercial partner; their ids, in the order of n.
 */
export async function insertCompanies(db: Client, prefix: string, count: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `WITH ids AS (SELECT nextval('res_partner_id_seq') AS id, g FROM generate_series(1, $1) g)
     INSERT INTO res_partner (id, name, complete_name, is_company, type, active, email, city, country_id, customer_rank,
                              commercial_partner_id, create_date, write_date)
     SELECT id, $2 || ' ' || g, $2 || ' ' || g, true, 'contact', true, 'co' || g || '@example.com', 'Brussels', 20, 1,
            id, now() at time zone 'utc', now() at time zone 'utc'
     FROM ids ORDER BY g RETURNING id`,
    [count, prefix],
  );
  return rows.map((r) => r.id);
}

/** A contact `Buyer of <company>` for every company named `<prefix> …`, in one statement. */
export async function insertBuyers(db: Client, companyPrefix: string): Promise<void> {
  await db.query(
    `INSERT INTO res_partner (name, complete_name, is_company, parent_id, commercial_partner_id, type, active, email, function, create_date, write_date)
     SELECT 'Buyer of ' || c.name, c.name || ', Buyer', false, c.id, c.id, 'contact', true, 'buyer' || c.id || '@example.com', 'Buyer',
            now() at time zone 'utc', now() at time zone 'utc'
     FROM res_partner c WHERE c.is_company AND c.name LIKE $1`,
    [`${companyPrefix} %`],
  );
}
