/**
 * The hub's main job, end to end on this machine: the local stack, every service, and Odoo partners inserted by SQL
 * arriving in the Salesforce sandbox, with progress a person can follow. Run through `scripts/demo`.
 *   scripts/demo          run the scripted demo, then keep watching until Ctrl-C
 *   scripts/demo --once   run the scripted demo and stop the services
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  payInvoice,
  validateDelivery,
} from '../test/integration/support/odoo-commerce';
import { SandboxClient } from '../sandboxes/salesforce/sandbox.client';
import { RunningApp, startApps } from './lib/app-process';

const ROOT = join(__dirname, '..');
const once = process.argv.includes('--once');
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const say = (msg: string) => console.log(`${elapsed()}  ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Status {
  postgres: { odoo: string; hub: string };
  kafka: { brokers: string };
  registry: { url: string };
  salesforceSandbox: { url: string };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(300);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s: see the logs in .stack/logs/demo/`);
}

async function main() {
  console.log('Odoo ⇄ Salesforce integration hub: demo\n');
  say('starting the local stack (PostgreSQL, Kafka, Apicurio Registry, Kafka Connect + Debezium, Salesforce sandbox)');
  execFileSync(join(ROOT, 'scripts/stack'), ['up'], { stdio: 'inherit' });
  const status = JSON.parse(
    execFileSync(join(ROOT, 'scripts/stack'), ['status', '--json'], { encoding: 'utf8' }),
  ) as Status;
  execFileSync('node', [join(ROOT, 'scripts/migrate-hub.mjs')], { stdio: 'inherit' });
  say('building the four services');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });

  const common = { KAFKA_BROKERS: status.kafka.brokers, SCHEMA_REGISTRY_URL: status.registry.url };
  const logDir = join(ROOT, '.stack/logs/demo');
  const apps: RunningApp[] = [];
  const stopAll = async () => {
    await Promise.all(apps.map((a) => a.stop()));
  };
  process.once('SIGINT', () => {
    console.log('');
    say('stopping the services (the stack keeps running: scripts/stack down stops it)');
    void stopAll().then(() => process.exit(0));
  });
  const sf0 = {
    SF_LOGIN_URL: status.salesforceSandbox.url,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
  };
  const started = await startApps([
    { name: 'odoo-cdc', env: { ...common, HUB_DATABASE_URL: status.postgres.hub }, port: 3101, logDir },
    {
      name: 'projector-salesforce',
      env: { ...common, ...sf0, HUB_DATABASE_URL: status.postgres.hub },
      port: 3102,
      logDir,
    },
    { name: 'ingress', env: common, port: 3100, logDir },
    { name: 'projector-support', env: common, port: 3103, logDir },
  ]);
  apps.push(...started);
  for (const a of apps)
    say(`${a.name.padEnd(21)} ready on ${a.url}/health/ready  (log: ${a.logFile.replace(`${ROOT}/`, '')})`);

  const sf = new SandboxClient(status.salesforceSandbox.url);
  const db = new Client({ connectionString: status.postgres.odoo });
  await db.connect();
  const tag = new Date().toISOString().slice(11, 19);
  const companies = [
    { name: `Azure Interior (demo ${tag})`, city: 'Fremont', country: 233, people: ['Brandon Freeman', 'Nicole Ford'] },
    { name: `Deco Addict (demo ${tag})`, city: 'Brussels', country: 20, people: ['Douglas Fletcher'] },
    { name: `Gemini Furniture (demo ${tag})`, city: 'Paris', country: 75, people: ['Edwin Hansen', 'Jesse Brown'] },
  ];
  console.log('');
  say('inserting partners into Odoo (res_partner) by SQL, as Odoo would');
  const inserted: { id: number; name: string; company?: string; at: number }[] = [];
  for (const c of companies) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO res_partner (name, complete_name, is_company, type, city, country_id, active, customer_rank, create_date, write_date)
       VALUES ($1, $1, true, 'contact', $2, $3, true, 1, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
      [c.name, c.city, c.country],
    );
    inserted.push({ id: rows[0].id, name: c.name, at: Date.now() });
    say(`  res_partner ${rows[0].id}: company ${c.name}`);
    for (const person of c.people) {
      const p = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, parent_id, type, active, create_date, write_date)
         VALUES ($1, $2, false, $3, 'contact', true, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
        [person, `${c.name}, ${person}`, rows[0].id],
      );
      inserted.push({ id: p.rows[0].id, name: person, company: c.name, at: Date.now() });
      say(`  res_partner ${p.rows[0].id}:   contact ${person}`);
    }
  }
  console.log('');
  say('waiting for them in Salesforce (Debezium → Kafka → odoo-cdc → canonical Avro → projector → Salesforce API)');
  for (const p of inserted) {
    const object = p.company ? 'Contact' : 'Account';
    const row = await waitFor(
      `${object} for res_partner ${p.id}`,
      async () =>
        (
          await sf.query<{ Id: string; Name: string; Account?: { Name: string } }>(
            `SELECT Id, Name${p.company ? ', Account.Name' : ''} FROM ${object} WHERE Odoo_Id__c = 'odoo-partner-${p.id}'`,
          )
        )[0],
    );
    const link = row.Account ? `  → Account "${row.Account.Name}"` : '';
    say(
      `  ✔ ${object.padEnd(7)} ${row.Id}  "${row.Name}"${link}  (${((Date.now() - p.at) / 1000).toFixed(1)} s after the insert)`,
    );
  }

  console.log('');
  const first = inserted[0];
  say(`renaming res_partner ${first.id} in Odoo`);
  await db.query(
    `UPDATE res_partner SET name = name || ' Ltd', complete_name = complete_name || ' Ltd', write_date = now() at time zone 'utc' WHERE id = $1`,
    [first.id],
  );
  const renamed = await waitFor('the rename', async () => {
    const [a] = await sf.query<{ Name: string }>(
      `SELECT Name FROM Account WHERE Odoo_Id__c = 'odoo-partner-${first.id}'`,
    );
    return a?.Name.endsWith(' Ltd') ? a : undefined;
  });
  say(`  ✔ Account is now "${renamed.Name}"`);
  const last = inserted[inserted.length - 1];
  say(`deleting res_partner ${last.id} (${last.name}) in Odoo`);
  await db.query('DELETE FROM res_partner WHERE id = $1', [last.id]);
  await waitFor('the deletion flag', async () => {
    const [c] = await sf.query<{ Odoo_Deleted__c: boolean }>(
      `SELECT Odoo_Deleted__c FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${last.id}'`,
    );
    return c?.Odoo_Deleted__c ? c : undefined;
  });
  say('  ✔ the Salesforce Contact is kept and flagged Odoo_Deleted__c = true (the hub never deletes CRM records)');
  await orderToCash(db, sf, first.id);
  await db.end();

  if (once) {
    await stopAll();
    say('demo done; services stopped. The stack is still up: scripts/stack down stops it.');
    return;
  }
  console.log('');
  say('the hub keeps running. Change Odoo yourself and watch, for example:');
  console.log(
    `         psql '${status.postgres.odoo}' -c "INSERT INTO res_partner (name, is_company, type) VALUES ('My Company', true, 'contact')"`,
  );
  say('new and changed Salesforce Accounts appear below. Ctrl-C stops the services.');
  const seen = new Map<string, string>();
  for (const a of await sf.query<{ Odoo_Id__c: string; LastModifiedDate: string }>(
    'SELECT Odoo_Id__c, LastModifiedDate FROM Account',
  )) {
    seen.set(a.Odoo_Id__c, a.LastModifiedDate);
  }
  for (;;) {
    await sleep(1_000);
    for (const a of await sf.query<{
      Odoo_Id__c: string;
      Name: string;
      LastModifiedDate: string;
      Odoo_Deleted__c: boolean;
    }>('SELECT Odoo_Id__c, Name, LastModifiedDate, Odoo_Deleted__c FROM Account')) {
      if (seen.get(a.Odoo_Id__c) !== a.LastModifiedDate) {
        say(
          `  ${seen.has(a.Odoo_Id__c) ? 'updated' : 'new    '} Account "${a.Name}" (${a.Odoo_Id__c})${a.Odoo_Deleted__c ? ' [deleted in Odoo]' : ''}`,
        );
        seen.set(a.Odoo_Id__c, a.LastModifiedDate);
      }
    }
  }
}

main().catch((error: Error) => {
  console.error(`\ndemo failed: ${error.message}`);
  process.exit(1);
});

/** An order's life in Odoo (products, quotation, confirmation, delivery, invoice, payment), each step shown in Salesforce. */
async function orderToCash(db: Client, sf: SandboxClient, customer: number): Promise<void> {
  console.log('');
  const tag = Date.now().toString(36);
  const desk = await insertProduct(db, `Standing Desk ${tag}`, '499');
  const lamp = await insertProduct(db, `Desk Lamp ${tag}`, '39.9');
  say('inserted two products in Odoo (product_template + product_product)');
  const entry = await waitFor('the price book entries', async () => {
    const rows = await sf.query<{ UnitPrice: number; Product2: { Name: string } }>(
      `SELECT UnitPrice, Product2.Name FROM PricebookEntry WHERE Odoo_Id__c = 'odoo-product-${lamp}'`,
    );
    return rows[0];
  });
  say(`  ✔ Product2 "${entry.Product2.Name}" with its standard price ${entry.UnitPrice}`);
  const name = `S-DEMO-${tag}`;
  const order = await insertOrder(db, name, customer, [
    { product: desk, quantity: 2, price: '499' },
    { product: lamp, quantity: 2, price: '39.9' },
  ]);
  await confirmOrder(db, order);
  say(`created and confirmed sale_order ${name} in Odoo (2 lines)`);
  const sfOrder = await waitFor('the confirmed Order', async () => {
    const [o] = await sf.query<{ Id: string; Status: string; Odoo_Amount_Total__c: number }>(
      `SELECT Id, Status, Odoo_Amount_Total__c FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${order}' AND Status = 'Confirmed'`,
    );
    return o;
  });
  const items = await sf.query(`SELECT Id FROM OrderItem WHERE OrderId = '${sfOrder.Id}'`);
  say(`  ✔ Order ${sfOrder.Status}, total ${sfOrder.Odoo_Amount_Total__c}, ${items.length} OrderItems`);
  const picking = await insertDelivery(db, `WH/OUT/${tag}`, customer, { id: order, name }, [
    { product: desk, quantity: 2 },
    { product: lamp, quantity: 2 },
  ]);
  await validateDelivery(db, picking, `1Z${tag.toUpperCase()}`);
  say('delivered in Odoo with a carrier tracking reference');
  const shipment = await waitFor('the shipment', async () => {
    const [s] = await sf.query<{ Tracking_Reference__c: string | null; State__c: string }>(
      `SELECT Tracking_Reference__c, State__c FROM Odoo_Shipment__c WHERE Odoo_Id__c = 'odoo-shipment-${picking}' AND State__c = 'done'`,
    );
    return s;
  });
  say(`  ✔ Odoo_Shipment__c ${shipment.State__c}, tracking ${shipment.Tracking_Reference__c}`);
  const invoice = await insertPostedInvoice(db, customer, name, `INV/${tag}`, '1077.80');
  await payInvoice(db, customer, invoice, `BNK/${tag}`, '1077.80');
  say('invoiced and paid in Odoo');
  const paid = await waitFor('the paid invoice', async () => {
    const [i] = await sf.query<{ Name: string; Payment_State__c: string; Amount_Residual__c: number }>(
      `SELECT Name, Payment_State__c, Amount_Residual__c FROM Odoo_Invoice__c WHERE Odoo_Id__c = 'odoo-invoice-${invoice}' AND Payment_State__c = 'paid'`,
    );
    return i;
  });
  say(`  ✔ Odoo_Invoice__c ${paid.Name} ${paid.Payment_State__c}, residual ${paid.Amount_Residual__c}`);
}
