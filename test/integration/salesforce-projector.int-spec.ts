import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { eventually, RunningApp, startApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { readTopic } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  insertStock,
  payInvoice,
  transaction,
  validateDelivery,
} from '../../scripts/lib/odoo-commerce';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, operatorAuth, projectorSalesforceEnv } from './support/app-env';
import { findDeadLetter } from './support/dead-letters';
import { createHubDatabase, ROOT, runId } from './support/stack';

type Row = Record<string, unknown>;

/**
 * The Salesforce projector against an org of its own (a sandbox started for this file), fed by the real path: SQL in
 * Odoo's tables → Debezium → odoo-cdc → canonical Avro topics → projector-salesforce → sObject Collections.
 */
describe('Salesforce projector: every entity, in batches, within limits, nothing lost', () => {
  const run = runId('sfp');
  const prefix = `it-${run}.`;
  const deadLetters = `${prefix}dlq.projector-salesforce`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let cdc: RunningApp;
  let projector: RunningApp;
  let projectorEnv: Record<string, string>;

  const startProjector = async (extra: Record<string, string> = {}) => {
    projector = await startApp('projector-salesforce', { ...projectorEnv, ...extra });
    return projector;
  };
  const one = async (soql: string): Promise<Row | undefined> => (await sf.query<Row>(soql))[0];
  const landed = (soql: string, what: string, timeoutMs = 60_000) => eventually(() => one(soql), timeoutMs, what);
  const deadLettersFor = async (keys: string[]) =>
    (await readTopic(deadLetters, 5_000).catch(() => [])).filter((d) => keys.includes(d.message.key?.toString() ?? ''));
  const names = async (object: string, like: string) =>
    (await sf.records<Row>(object)).filter((r) => String(r.Name ?? '').startsWith(like));

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    projectorEnv = projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
      SF_BATCH_LINGER_MS: '300',
      SF_API_PROBE_INTERVAL_MS: '2000',
      SF_BREAKER_RESET_MS: '1000',
    });
    [cdc, projector] = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorEnv },
    ]);
  });

  afterEach(async () => {
    await sf.clearFaults();
    await sf.setLimits({ used: 0 });
  });

  afterAll(async () => {
    await Promise.all([cdc?.kill(), projector?.kill()]);
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('ends a full order lifecycle done in Odoo with the matching Salesforce records and values', async () => {
    const customer = await insertPartner(db, { name: `Deco Addict ${run}`, is_company: true, city: 'Ghent' });
    const desk = await insertProduct(db, `Desk ${run}`, '199.9');
    const chair = await insertProduct(db, `Chair ${run}`, '70.50');
    await insertStock(db, desk, '12.5', '2');
    const orderName = `S-${run}`;
    const orderId = await insertOrder(db, orderName, customer, [
      { product: desk, quantity: 2, price: '199.9' },
      { product: chair, quantity: 4, price: '70.50' },
    ]);
    await confirmOrder(db, orderId);
    const picking = await insertDelivery(db, `WH/OUT/${run}`, customer, { id: orderId, name: orderName }, [
      { product: desk, quantity: 2 },
      { product: chair, quantity: 4 },
    ]);
    await validateDelivery(db, picking, '1Z999AA10123456784');
    const invoice = await insertPostedInvoice(db, customer, orderName, `INV/${run}`);
    await payInvoice(db, customer, invoice, `PBNK/${run}`, '681.80');

    const order = await landed(
      `SELECT Id, Status, EffectiveDate, Odoo_Amount_Total__c, Odoo_State__c, Pricebook2Id, Account.Odoo_Id__c FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${orderId}' AND Status = 'Confirmed'`,
      'the confirmed Order',
    );
    expect(order).toMatchObject({
      Status: 'Confirmed',
      Odoo_State__c: 'sale',
      Odoo_Amount_Total__c: 681.8,
      Account: expect.objectContaining({ Odoo_Id__c: `odoo-partner-${customer}` }),
    });
    const [pricebook] = await sf.query<Row>('SELECT Id FROM Pricebook2 WHERE IsStandard = true');
    expect(order!.Pricebook2Id).toBe(pricebook.Id);

    const items = await eventually(
      async () => {
        const rows = await sf.query<Row>(
          `SELECT Quantity, UnitPrice, TotalPrice, PricebookEntry.Odoo_Id__c FROM OrderItem WHERE OrderId = '${String(order!.Id)}'`,
        );
        return rows.length === 2 ? rows : undefined;
      },
      30_000,
      'both order products',
    );
    expect(items.map((i) => [i.Quantity, i.UnitPrice, i.TotalPrice]).sort()).toEqual([
      [2, 199.9, 399.8],
      [4, 70.5, 282],
    ]);

    const product = await landed(
      `SELECT Name, IsActive, ProductCode, Odoo_On_Hand__c, Odoo_Available__c FROM Product2 WHERE Odoo_Id__c = 'odoo-product-${desk}' AND Odoo_On_Hand__c != null`,
      'the desk with its stock',
    );
    expect(product).toMatchObject({
      Name: `Desk ${run}`,
      IsActive: true,
      ProductCode: `SKU-Desk ${run}`,
      Odoo_On_Hand__c: 12.5,
      Odoo_Available__c: 10.5,
    });
    const entry = await one(
      `SELECT UnitPrice, IsActive, Pricebook2Id FROM PricebookEntry WHERE Odoo_Id__c = 'odoo-product-${chair}'`,
    );
    expect(entry).toMatchObject({ UnitPrice: 70.5, IsActive: true, Pricebook2Id: pricebook.Id });

    const shipment = await landed(
      `SELECT State__c, Tracking_Reference__c, Quantity_Done__c, Order__c FROM Odoo_Shipment__c WHERE Odoo_Id__c = 'odoo-shipment-${picking}' AND State__c = 'done'`,
      'the validated delivery',
    );
    expect(shipment).toMatchObject({
      Tracking_Reference__c: '1Z999AA10123456784',
      Quantity_Done__c: 6,
      Order__c: order!.Id,
    });

    const paidInvoice = await landed(
      `SELECT Name, State__c, Amount_Total__c, Amount_Residual__c, Order__c, Account__r.Odoo_Id__c FROM Odoo_Invoice__c WHERE Odoo_Id__c = 'odoo-invoice-${invoice}' AND Payment_State__c = 'paid'`,
      'the paid invoice',
    );
    expect(paidInvoice).toMatchObject({
      Name: `INV/${run}`,
      State__c: 'posted',
      Amount_Total__c: 681.8,
      Amount_Residual__c: 0,
      Order__c: order!.Id,
      Account__r: expect.objectContaining({ Odoo_Id__c: `odoo-partner-${customer}` }),
    });
    const payment = (await sf.query<Row>('SELECT Amount__c, State__c, Account__c, Name FROM Odoo_Payment__c')).find(
      (p) => p.Amount__c === 681.8,
    );
    expect(payment).toMatchObject({ State__c: 'posted' });
    expect(await deadLettersFor([`odoo-sale-order-${orderId}`, `odoo-invoice-${invoice}`])).toEqual([]);
  });

  it('lands every record exactly once with 20% UNABLE_TO_LOCK_ROW and 20% 503', async () => {
    await sf.setFaults({ unableToLockRowRate: 0.2, status503Rate: 0.2, seed: 42 });
    const label = `Locked ${run}`;
    // In 40 groups a linger apart, so that they go in 40 or more calls: the 503 rate is per call, the lock rate per record.
    const ids: number[] = [];
    for (let group = 0; group < 40; group++) {
      for (let i = 0; i < 5; i++) {
        ids.push(await insertPartner(db, { name: `${label} ${group}-${i}`, is_company: true }));
      }
      await new Promise((r) => setTimeout(r, 400));
    }
    const accounts = await eventually(
      async () => {
        const rows = await names('Account', label);
        return rows.length >= 200 ? rows : undefined;
      },
      120_000,
      '200 accounts through the faults',
    );
    expect(accounts).toHaveLength(200);
    expect(new Set(accounts.map((a) => a.Odoo_Id__c)).size).toBe(200);
    const stats = (await sf.stats()) as unknown as { faultsInjected: { status503: number; unableToLockRow: number } };
    expect(stats.faultsInjected.status503).toBeGreaterThan(0);
    expect(stats.faultsInjected.unableToLockRow).toBeGreaterThan(0);
    expect(await deadLettersFor(ids.map((id) => `odoo-partner-${id}`))).toEqual([]);
  });

  it('never creates a second record when Salesforce commits but the answer never arrives', async () => {
    await sf.setFaults({ commitThenTimeoutRate: 0.3, commitThenTimeoutMs: 300, seed: 7 });
    const label = `Timed Out ${run}`;
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) ids.push(await insertPartner(db, { name: `${label} ${i}`, is_company: true }));
    const accounts = await eventually(
      async () => {
        const rows = await names('Account', label);
        return rows.length >= 60 ? rows : undefined;
      },
      120_000,
      '60 accounts through commit-then-timeout faults',
    );
    const stats = (await sf.stats()) as unknown as { faultsInjected: { commitThenTimeout: number } };
    expect(stats.faultsInjected.commitThenTimeout).toBeGreaterThan(0);
    // Let the retries of the held calls finish, then count again: still one record per partner.
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await names('Account', label);
    expect(after).toHaveLength(60);
    expect(new Set(after.map((a) => a.Odoo_Id__c)).size).toBe(60);
    expect(accounts).toHaveLength(60);
    expect(await deadLettersFor(ids.map((id) => `odoo-partner-${id}`))).toEqual([]);
  });

  it('dead-letters a record with invalid data, and lands it when replayed after the mapping is fixed', async () => {
    const company = await insertPartner(db, { name: `Long Ref ${run}`, is_company: true });
    const key = `odoo-partner-${company}`;
    await landed(`SELECT Id FROM Account WHERE Odoo_Id__c = '${key}'`, 'the account before the bad update');
    // Odoo allows any length of internal reference; Account.AccountNumber holds 40 characters.
    const longRef = `REF-${'X'.repeat(60)}`;
    await db.query('UPDATE res_partner SET ref = $2, write_date = now() WHERE id = $1', [company, longRef]);
    const parked = await eventually(
      () => findDeadLetter(projector.url, 'REJECTED_BY_TARGET', (e) => e.key === key),
      60_000,
      'the refused update in the dead-letter topic',
    );
    expect(parked.vendorCode).toBe('STRING_TOO_LONG');

    // The fix is data: the mapping truncates the reference. Restart with it, then replay.
    const dir = mkdtempSync(join(tmpdir(), 'hub-mapping-'));
    const fixed = readFileSync(join(ROOT, 'config/salesforce-mapping.yaml'), 'utf8').replace(
      '          AccountNumber: reference\n',
      '          AccountNumber: { truncate: reference, length: 40 }\n',
    );
    expect(fixed).toContain('truncate: reference');
    writeFileSync(join(dir, 'salesforce-mapping.yaml'), fixed);
    expect(await projector.stop()).toBe(0);
    await startProjector({ SF_MAPPING_FILE: join(dir, 'salesforce-mapping.yaml') });
    const replay = await fetch(`${projector.url}/dead-letters/replay`, {
      method: 'POST',
      headers: { ...operatorAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ offsets: [`${parked.partition}:${parked.offset}`] }),
    });
    expect(((await replay.json()) as { replayed: number }).replayed).toBe(1);
    const account = await landed(
      `SELECT AccountNumber FROM Account WHERE Odoo_Id__c = '${key}' AND AccountNumber != null`,
      'the replayed update',
    );
    expect(account!.AccountNumber).toBe(longRef.slice(0, 40));
  });

  it('loses nothing and duplicates nothing when killed with SIGKILL mid-batch', async () => {
    const label = `Killed ${run}`;
    await sf.setFaults({ latencyMs: 400 });
    // One transaction per partner, as Odoo users' edits come: odoo-cdc publishes a transaction's partners at its END,
    // so one 600-partner transaction would reach the projector as one burst that lands in one round of calls.
    for (let i = 0; i < 600; i++) {
      await transaction(db, async () => {
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO res_partner (name, complete_name, is_company, type, active, customer_rank, create_date, write_date)
           VALUES ($1, $1, true, 'contact', true, 1, now() at time zone 'utc', now() at time zone 'utc') RETURNING id`,
          [`${label} ${i}`],
        );
        await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [rows[0].id]);
      });
    }
    await eventually(
      async () => {
        const n = (await names('Account', label)).length;
        return n > 0 && n < 600 ? n : undefined;
      },
      60_000,
      'some but not all accounts (mid-load)',
    );
    await projector.kill();
    const atKill = (await names('Account', label)).length;
    await sf.setFaults({ latencyMs: 0 });
    await startProjector();
    const accounts = await eventually(
      async () => {
        const rows = await names('Account', label);
        return rows.length >= 600 ? rows : undefined;
      },
      120_000,
      'all 600 accounts after the restart',
    );
    expect(atKill).toBeLessThan(600);
    expect(accounts).toHaveLength(600);
    expect(new Set(accounts.map((a) => a.Odoo_Id__c)).size).toBe(600);
  });

  it('slows down near the API budget instead of failing, waits at the reserve and at the limit, and loses nothing', async () => {
    const metric = async (kind: string) =>
      Number(
        new RegExp(`^hub_salesforce_api_pacing\\{[^}]*kind="${kind}"[^}]*\\} (\\S+)$`, 'm').exec(
          await (await fetch(`${projector.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    // 4,000 a day, 3,790 used: above the 80% soft limit, 10 calls before the 5% reserve, spread over 30 s: one call
    // every 3 s at most. The partners come 1.2 s apart, so the second call must already wait for its slot.
    expect(await projector.stop()).toBe(0);
    await startProjector({ SF_API_PACING_HORIZON_MS: '30000', SF_BATCH_LINGER_MS: '50' });
    await sf.setLimits({ max: 4000, used: 3790 });
    const label = `Paced ${run}`;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await insertPartner(db, { name: `${label} ${i}`, is_company: true }));
      await new Promise((r) => setTimeout(r, 1_200));
    }
    await eventually(
      async () => ((await names('Account', label)).length >= 5 ? true : undefined),
      60_000,
      'the paced accounts',
    );
    expect(await metric('pacedCalls')).toBeGreaterThan(0);
    expect(await metric('waitMs')).toBeGreaterThan(0);
    const usage = ((await sf.stats()) as unknown as { apiUsage: { used: number; max: number } }).apiUsage;
    expect(usage.used).toBeLessThan(3800);

    // At the reserve: at most one probe call per interval (2 s) while records wait.
    await sf.setLimits({ used: 3800 });
    const before = (await sf.stats()).apiCalls;
    const reserved: number[] = [];
    for (let i = 0; i < 5; i++)
      reserved.push(await insertPartner(db, { name: `${label} reserved ${i}`, is_company: true }));
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await sf.stats()).apiCalls - before).toBeLessThanOrEqual(4);

    // At the limit: Salesforce refuses every call with REQUEST_LIMIT_EXCEEDED; consumption pauses, nothing is parked.
    await sf.setLimits({ used: 4000 });
    const limited = await insertPartner(db, { name: `${label} limited`, is_company: true });
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await names('Account', `${label} limited`)).toEqual([]);

    // The allowance recovers: everything that waited lands, and nothing was dead-lettered.
    await sf.setLimits({ used: 0 });
    await eventually(
      async () => ((await names('Account', label)).length >= 11 ? true : undefined),
      60_000,
      'every waiting account after the allowance recovered',
    );
    expect(await deadLettersFor([...ids, ...reserved, limited].map((id) => `odoo-partner-${id}`))).toEqual([]);
  });
});
